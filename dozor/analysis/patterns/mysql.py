"""MySQL / MariaDB server lines and what its clients report."""

from __future__ import annotations

from dozor.analysis.patterns.base import MDB, MY, Pattern

MYSQL: tuple[Pattern, ...] = (
    Pattern(
        id="mysql.access_denied",
        kind="mysql",
        category="auth",
        source="mysql-server share/messages_to_clients.txt (ER_ACCESS_DENIED_ERROR)",
        severity="critical",
        regex=r"Access denied for user '[^']*'@",
        meaning="A client used a wrong user/password or connects from a host the account does not allow.",
        action="Check the app's DB credentials and the account's host part ('app'@'%' vs 'app'@'localhost').",
        examples=(
            MY + "[Note] [MY-010926] [Server] Access denied for user 'app'@'172.18.0.5' (using password: YES)",
            MDB + "[Warning] Access denied for user 'root'@'172.18.0.5' (using password: YES)",
            "ERROR 1045 (28000): Access denied for user 'root'@'localhost' (using password: YES)",
        ),
        near_misses=(
            "2026-11-27T05:13:18.123456Z 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for "
            "connections. Version: '8.0.36'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL "
            "Community Server - GPL.",
        ),
    ),
    Pattern(
        id="mysql.too_many_connections",
        kind="mysql",
        category="connections",
        source="mysql-server share/messages_to_clients.txt (ER_CON_COUNT_ERROR)",
        severity="critical",
        regex=r"\bToo many connections\b|ER_CON_COUNT_ERROR",
        meaning="max_connections is exhausted; new clients are refused.",
        action="Look for leaking pools (SHOW PROCESSLIST); raise max_connections or shrink the pools.",
        examples=(
            "ERROR 1040 (HY000): Too many connections",
            "Error: ER_CON_COUNT_ERROR: Too many connections",
        ),
        near_misses=(MDB + "[Note] Server socket created on IP: '0.0.0.0'.",),
    ),
    Pattern(
        id="mysql.cant_connect",
        kind="mysql",
        category="connections",
        source="mysql-server libmysql/errmsg.cc (CR_CONN_HOST_ERROR, CR_CONNECTION_ERROR)",
        severity="critical",
        regex=r"Can't connect to (?:local )?MySQL server|Can't connect to server on '",
        meaning="A client could not reach the MySQL/MariaDB server (down, wrong host, socket missing).",
        action="Check that the database container is up and healthy, and the host/port/socket in the app.",
        examples=(
            "ERROR 2002 (HY000): Can't connect to local MySQL server through socket '/var/run/mysqld/mysqld.sock' (2)",
            "pymysql.err.OperationalError: (2003, \"Can't connect to MySQL server on 'db' ([Errno 111] "
            'Connection refused)")',
            "ERROR 2002 (HY000): Can't connect to server on 'db' (115)",
        ),
        near_misses=(MDB + "[Note] mariadbd: ready for connections.",),
    ),
    Pattern(
        id="mysql.gone_away",
        kind="mysql",
        category="connections",
        source="mysql-server libmysql/errmsg.cc (CR_SERVER_GONE_ERROR, CR_SERVER_LOST)",
        severity="warning",
        regex=r"MySQL server has gone away|Lost connection to (?:MySQL )?server",
        meaning="An established connection was closed by the server (restart, wait_timeout, max_allowed_packet).",
        action="Enable pool pre-ping / recycle below wait_timeout; check server restarts and packet size.",
        examples=(
            "sqlalchemy.exc.OperationalError: (pymysql.err.OperationalError) (2006, 'MySQL server has gone away')",
            "ERROR 2013 (HY000): Lost connection to MySQL server during query",
        ),
        near_misses=(MDB + "[Note] Server socket created on IP: '::'.",),
    ),
    Pattern(
        id="mysql.innodb_error",
        kind="mysql",
        category="persistence",
        source="mysql-server storage/innobase/os/os0file.cc",
        severity="critical",
        regex=r"\[ERROR\] (?:\[MY-\d+\] )?\[InnoDB\]|\[ERROR\] InnoDB:"
        r"|InnoDB: (?:Operating system error|Unable to lock|Database page corruption|Assertion failure)",
        meaning="The InnoDB storage engine reported an error (lock on data files, corruption, I/O).",
        action="'Unable to lock ./ibdata1' means two servers share one data dir; otherwise check disk "
        "and consider innodb_force_recovery after a backup.",
        examples=(
            MY + "[ERROR] [MY-012574] [InnoDB] Unable to lock ./ibdata1 error: 11",
            MDB + "[ERROR] InnoDB: Unable to lock ./ibdata1 error: 11",
        ),
        near_misses=(
            MY + "[System] [MY-013576] [InnoDB] InnoDB initialization has started.",
            MDB + "[Note] InnoDB: Buffer pool(s) load completed at 261127  5:13:18",
        ),
    ),
    Pattern(
        id="mysql.startup_aborted",
        kind="mysql",
        category="startup",
        source="mysql-server sql/mysqld.cc",
        severity="critical",
        regex=r"\[ERROR\] (?:\[MY-\d+\] \[Server\] )?Aborting\b",
        meaning="The server gave up during startup; the preceding [ERROR] lines say why.",
        action="Read the [ERROR] lines just before 'Aborting' (data dir, config, permissions).",
        examples=(
            "2026-11-27T05:13:18.123456Z 0 [ERROR] [MY-010119] [Server] Aborting",
            "2026-11-27  5:13:18 0 [ERROR] Aborting",
        ),
        near_misses=(
            "2026-11-27T05:13:18.123456Z 0 [System] [MY-010910] [Server] /usr/sbin/mysqld: "
            "Shutdown complete (mysqld 8.0.36)  MySQL Community Server - GPL.",
        ),
    ),
    Pattern(
        id="mysql.deadlock",
        kind="mysql",
        category="locking",
        source="mysql-server share/messages_to_clients.txt (ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT)",
        severity="warning",
        regex=r"Deadlock found when trying to get lock|Lock wait timeout exceeded",
        meaning="Transactions blocked each other; one was rolled back or timed out waiting for a lock.",
        action="Inspect SHOW ENGINE INNODB STATUS; take locks in a consistent order, keep transactions short.",
        examples=(
            "ERROR 1213 (40001): Deadlock found when trying to get lock; try restarting transaction",
            "ERROR 1205 (HY000): Lock wait timeout exceeded; try restarting transaction",
        ),
        near_misses=(MY + "[Note] [MY-010051] [Server] Event Scheduler: scheduler thread started with id 5",),
    ),
    Pattern(
        id="mysql.table_missing",
        kind="mysql",
        category="schema",
        source="mysql-server share/messages_to_clients.txt (ER_NO_SUCH_TABLE, ER_BAD_FIELD_ERROR)",
        severity="warning",
        regex=r"Table '[^']+' doesn't exist|Unknown column '[^']+' in",
        meaning="A query used a table or column the schema does not have.",
        action="Run pending migrations or fix the query/database name.",
        examples=(
            "ERROR 1146 (42S02): Table 'app.users' doesn't exist",
            "ERROR 1054 (42S22): Unknown column 'emial' in 'field list'",
        ),
        near_misses=("Query OK, 0 rows affected, 1 warning (0.01 sec)",),
    ),
    Pattern(
        id="mysql.aborted_connection",
        kind="mysql",
        category="connections",
        source="mysql-server share/messages_to_clients.txt (ER_NEW_ABORTING_CONNECTION)",
        severity="info",
        regex=r"Aborted connection \d+ to db:",
        meaning="A client disconnected without closing properly (killed app, timeout, network).",
        action="Usually harmless in small numbers; many of them point at app crashes or net_read_timeout.",
        examples=(
            MDB + "[Warning] Aborted connection 42 to db: 'app' user: 'app' host: '172.18.0.5' (Got an "
            "error reading communication packets)",
        ),
        near_misses=(MDB + "[Note] Event Scheduler: Loaded 0 events",),
    ),
)
