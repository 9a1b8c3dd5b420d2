"""The error-pattern library: known log lines of common services, kept as data.

Every ``Pattern`` carries real-format ``examples`` (lines it must match, as the
software prints them) and ``near_misses`` (similar lines it must not match), so
the test suite can check the whole library generically. To add a pattern, append
one entry to the tuple of its kind below, with at least one of each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from dozor.model.severity import Severity

SERVICE_KINDS: tuple[str, ...] = ("postgres", "redis", "nginx", "mysql", "mongodb")
APP_KINDS: tuple[str, ...] = ("python", "node", "java", "go")
KINDS: tuple[str, ...] = (*SERVICE_KINDS, "docker", *APP_KINDS, "general")
SEVERITIES: tuple[Severity, ...] = tuple(Severity)


@dataclass(frozen=True, slots=True)
class Pattern:
    """One known log line: how to recognise it and what it means.

    ``regex`` must not use named groups (the matcher combines patterns into one
    expression). ``generic`` marks catch-alls (e.g. "any Python exception line")
    that are tried only after every specific pattern of every kind.
    """

    id: str
    kind: str
    category: str
    severity: Severity
    regex: str
    meaning: str
    action: str
    examples: tuple[str, ...]
    near_misses: tuple[str, ...]
    ignore_case: bool = False
    generic: bool = False

    def compile(self) -> re.Pattern[str]:
        """The pattern's own compiled regex (the matcher uses a combined one)."""
        return re.compile(self.regex, re.IGNORECASE if self.ignore_case else 0)


# Real line prefixes, so the examples read like the software's own output.
_PG = "2026-11-27 05:13:18.123 UTC [42] "
_RD = "1:M 27 Nov 2026 05:13:18.123 "
_NG = "2026/11/27 05:13:18 "
_MY = "2026-11-27T05:13:18.123456Z 12 "
_MDB = "2026-11-27  5:13:18 12 "
_MG = '{"t":{"$date":"2026-11-27T05:13:18.123+00:00"},'
_ACC = '172.18.0.1 - - [27/Nov/2026:05:13:18 +0000] "GET /api/orders HTTP/1.1" '
_UPSTREAM_TAIL = (
    ', client: 10.0.0.5, server: example.com, request: "GET /api/orders HTTP/1.1", '
    'upstream: "http://172.18.0.4:8000/api/orders", host: "example.com"'
)

POSTGRES: tuple[Pattern, ...] = (
    Pattern(
        id="postgres.auth_failed",
        kind="postgres",
        category="auth",
        severity="critical",
        regex=r"FATAL:\s+password authentication failed for user",
        meaning="A client connected with a wrong password for a database role.",
        action="Compare the app's DB password with the role's; after changing POSTGRES_PASSWORD "
        "on an existing volume, run ALTER ROLE ... PASSWORD (the env var applies only at init).",
        examples=(
            _PG + 'FATAL:  password authentication failed for user "app"',
            'psycopg2.OperationalError: connection to server at "db" (172.18.0.2), port 5432 failed: '
            'FATAL:  password authentication failed for user "app"',
        ),
        near_misses=(
            _PG + 'LOG:  connection authenticated: identity="app" method=scram-sha-256 '
            "(/var/lib/postgresql/data/pg_hba.conf:100)",
        ),
    ),
    Pattern(
        id="postgres.hba_rejected",
        kind="postgres",
        category="auth",
        severity="critical",
        regex=r"no pg_hba\.conf entry for host",
        meaning="pg_hba.conf has no rule allowing this client address/user/database.",
        action="Add a host rule for the client's network to pg_hba.conf and reload (SELECT pg_reload_conf()).",
        examples=(
            _PG + 'FATAL:  no pg_hba.conf entry for host "172.18.0.5", user "app", database "app", no encryption',
        ),
        near_misses=(_PG + "LOG:  received SIGHUP, reloading configuration files",),
    ),
    Pattern(
        id="postgres.role_missing",
        kind="postgres",
        category="auth",
        severity="warning",
        regex=r'FATAL:\s+role "[^"]*" does not exist',
        meaning="A client logged in as a role that does not exist (often a healthcheck "
        "running pg_isready/psql without -U).",
        action="Pass the right user (-U) in the client or healthcheck, or create the role.",
        examples=(_PG + 'FATAL:  role "root" does not exist',),
        near_misses=(_PG + "LOG:  statement: CREATE ROLE app LOGIN PASSWORD 'x'",),
    ),
    Pattern(
        id="postgres.database_missing",
        kind="postgres",
        category="schema",
        severity="critical",
        regex=r'FATAL:\s+database "[^"]*" does not exist',
        meaning="A client asked for a database that does not exist on this server.",
        action="Create the database or fix the database name in the client's connection string.",
        examples=(_PG + 'FATAL:  database "app_prod" does not exist',),
        near_misses=(_PG + 'NOTICE:  database "app_test" does not exist, skipping',),
    ),
    Pattern(
        id="postgres.too_many_connections",
        kind="postgres",
        category="connections",
        severity="critical",
        regex=r"sorry, too many clients already|remaining connection slots are reserved"
        r"|too many connections for (?:role|database)",
        meaning="max_connections is exhausted; new clients are refused.",
        action="Look for connection leaks or oversized pools (pg_stat_activity); add a pooler "
        "(pgbouncer) or raise max_connections.",
        examples=(
            _PG + "FATAL:  sorry, too many clients already",
            _PG + "FATAL:  remaining connection slots are reserved for non-replication superuser connections",
            _PG + "FATAL:  remaining connection slots are reserved for roles with the SUPERUSER attribute",
            _PG + 'FATAL:  too many connections for role "app"',
        ),
        near_misses=(_PG + "LOG:  connection received: host=172.18.0.5 port=40122",),
    ),
    Pattern(
        id="postgres.starting_up",
        kind="postgres",
        category="startup",
        severity="warning",
        regex=r"the database system is (?:starting up|not yet accepting connections|in recovery mode)",
        meaning="Clients connected while the server was still starting or recovering.",
        action="Make dependants wait for readiness (healthcheck + depends_on: condition: "
        "service_healthy); if it persists, check recovery progress.",
        examples=(
            _PG + "FATAL:  the database system is starting up",
            _PG + "FATAL:  the database system is not yet accepting connections",
        ),
        near_misses=(_PG + "LOG:  database system is ready to accept connections",),
    ),
    Pattern(
        id="postgres.shutting_down",
        kind="postgres",
        category="startup",
        severity="warning",
        regex=r"the database system is shutting down"
        r"|terminating connection due to administrator command",
        meaning="The server was stopping while clients were connected.",
        action="Expected during a restart; if unplanned, find who stopped it (docker events, OOM, host reboot).",
        examples=(
            _PG + "FATAL:  the database system is shutting down",
            _PG + "FATAL:  terminating connection due to administrator command",
        ),
        near_misses=(_PG + "LOG:  database system was shut down at 2026-11-27 05:10:00 UTC",),
    ),
    Pattern(
        id="postgres.shutdown_requested",
        kind="postgres",
        category="startup",
        severity="info",
        regex=r"received (?:fast|smart|immediate) shutdown request",
        meaning="The server was asked to stop (docker stop / restart).",
        action="Nothing if planned; otherwise correlate with deploys, restarts or OOM events.",
        examples=(_PG + "LOG:  received fast shutdown request",),
        near_misses=(_PG + "LOG:  received SIGHUP, reloading configuration files",),
    ),
    Pattern(
        id="postgres.relation_missing",
        kind="postgres",
        category="schema",
        severity="warning",
        regex=r"ERROR:\s+(?:relation|column|function|schema|type|operator) .{1,200}? does not exist"
        r"|errors\.Undefined(?:Table|Column|Function): ",
        meaning="A query used a table, column or function the schema does not have.",
        action="Run pending migrations, or fix the query; check that the app points at the right database.",
        examples=(
            _PG + 'ERROR:  relation "users" does not exist at character 15',
            _PG + "ERROR:  column users.emial does not exist at character 8",
            _PG + "ERROR:  function gen_random_uuid() does not exist at character 8",
            'psycopg2.errors.UndefinedTable: relation "users" does not exist',
        ),
        near_misses=(
            _PG + 'NOTICE:  table "users" does not exist, skipping',
            _PG + 'NOTICE:  relation "users" already exists, skipping',
        ),
    ),
    Pattern(
        id="postgres.deadlock",
        kind="postgres",
        category="locking",
        severity="warning",
        regex=r"ERROR:\s+deadlock detected",
        meaning="Two transactions waited on each other; Postgres aborted one of them.",
        action="Read the DETAIL lines for the two statements; take locks in a consistent order "
        "and keep transactions short.",
        examples=(_PG + "ERROR:  deadlock detected",),
        near_misses=(_PG + 'LOG:  parameter "deadlock_timeout" changed to "2s"',),
    ),
    Pattern(
        id="postgres.collation_mismatch",
        kind="postgres",
        category="schema",
        severity="warning",
        regex=r"collation version mismatch|was created using collation version",
        meaning="The OS collation library changed since the database was created (image "
        "upgrade); text indexes may be silently corrupt.",
        action="REINDEX affected indexes, then ALTER DATABASE ... REFRESH COLLATION VERSION.",
        examples=(
            _PG + 'WARNING:  database "app" has a collation version mismatch',
            _PG + "DETAIL:  The database was created using collation version 2.31, but the operating "
            "system provides version 2.36.",
        ),
        near_misses=(_PG + "LOG:  statement: ALTER DATABASE app REFRESH COLLATION VERSION",),
    ),
    Pattern(
        id="postgres.backend_crashed",
        kind="postgres",
        category="crash",
        severity="critical",
        regex=r"server process \(PID \d+\) (?:was terminated by signal|exited with exit code)"
        r"|\bPANIC:\s",
        meaning="A backend process crashed or was killed; Postgres restarts all sessions to recover.",
        action="Signal 9 usually means the OOM killer: check memory limits and work_mem; "
        "otherwise read the lines before the crash.",
        examples=(
            _PG + "LOG:  server process (PID 1234) was terminated by signal 9: Killed",
            _PG + "PANIC:  could not locate a valid checkpoint record",
        ),
        near_misses=(_PG + 'LOG:  background worker "logical replication launcher" (PID 70) exited with exit code 1',),
    ),
    Pattern(
        id="postgres.out_of_memory",
        kind="postgres",
        category="memory",
        severity="critical",
        regex=r"(?:ERROR|FATAL):\s+out of memory|could not fork new process for connection",
        meaning="Postgres could not allocate memory for a query or a new connection.",
        action="Lower work_mem / max_connections or raise the container memory limit.",
        examples=(_PG + "ERROR:  out of memory",),
        near_misses=(_PG + 'LOG:  parameter "work_mem" changed to "64MB"',),
    ),
    Pattern(
        id="postgres.checkpoints_too_frequent",
        kind="postgres",
        category="persistence",
        severity="info",
        regex=r"checkpoints are occurring too frequently",
        meaning="WAL fills up between checkpoints faster than checkpoint_timeout.",
        action="Raise max_wal_size.",
        examples=(_PG + "LOG:  checkpoints are occurring too frequently (9 seconds apart)",),
        near_misses=(_PG + "LOG:  checkpoint complete: wrote 3 buffers (0.0%); 0 WAL file(s) added",),
    ),
)

REDIS: tuple[Pattern, ...] = (
    Pattern(
        id="redis.oom",
        kind="redis",
        category="memory",
        severity="critical",
        regex=r"OOM command not allowed when used memory",
        meaning="Redis reached maxmemory and its eviction policy forbids freeing space; writes fail.",
        action="Raise maxmemory, pick an evicting maxmemory-policy (allkeys-lru) for caches, "
        "or find the keys that grow without TTL.",
        examples=(
            "redis.exceptions.OutOfMemoryError: OOM command not allowed when used memory > 'maxmemory'.",
            "ReplyError: OOM command not allowed when used memory > 'maxmemory'.",
        ),
        near_misses=(_RD + "* DB loaded from disk: 0.012 seconds",),
    ),
    Pattern(
        id="redis.persistence_failed",
        kind="redis",
        category="persistence",
        severity="critical",
        regex=r"MISCONF Redis is configured to save RDB snapshots|Background saving error"
        r"|Failed opening the (?:temp )?RDB file|Can't save in background"
        r"|Background AOF rewrite terminated with error|Write error (?:saving DB|writing append only file)",
        meaning="Redis cannot write its RDB/AOF file; with stop-writes-on-bgsave-error it refuses writes.",
        action="Check free disk and permissions of /data, and fork memory (vm.overcommit_memory=1).",
        examples=(
            _RD + "# Background saving error",
            _RD + "# Failed opening the temp RDB file temp-1.rdb (in server root dir /data) for saving: "
            "Permission denied",
            _RD + "# Can't save in background: fork: Cannot allocate memory",
            "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "
            "disk. Commands that may modify the data set are disabled.",
        ),
        near_misses=(
            _RD + "* Background saving terminated with success",
            _RD + "* Background saving started by pid 123",
        ),
    ),
    Pattern(
        id="redis.connection_refused",
        kind="redis",
        category="connections",
        severity="critical",
        regex=r"Could not connect to Redis at|Error 111 connecting to|ECONNREFUSED \S+:6379\b"
        r"|Connection to Redis \S+ refused",
        meaning="A client could not reach Redis (not running, wrong host/port, or not ready yet).",
        action="Check that the redis container is up and on the same network, and the host/port in the app.",
        examples=(
            "Could not connect to Redis at 127.0.0.1:6379: Connection refused",
            "redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.",
            "[ioredis] Unhandled error event: Error: connect ECONNREFUSED 172.18.0.3:6379",
        ),
        near_misses=(_RD + "* Ready to accept connections tcp",),
    ),
    Pattern(
        id="redis.max_clients",
        kind="redis",
        category="connections",
        severity="critical",
        regex=r"max number of clients reached",
        meaning="Redis hit maxclients; new connections are rejected.",
        action="Look for clients that leak connections; raise maxclients and the file-descriptor limit.",
        examples=(
            "ERR max number of clients reached",
            "redis.exceptions.ConnectionError: max number of clients reached",
        ),
        near_misses=(_RD + "# You requested maxclients of 10000 requiring at least 10032 max file descriptors.",),
    ),
    Pattern(
        id="redis.auth_failed",
        kind="redis",
        category="auth",
        severity="critical",
        regex=r"NOAUTH Authentication required|WRONGPASS invalid username-password pair"
        r"|invalid username-password pair or user is disabled",
        meaning="A client sent no password or the wrong one.",
        action="Align the client's Redis password/ACL user with requirepass or the ACL file.",
        examples=(
            "NOAUTH Authentication required.",
            "redis.exceptions.AuthenticationError: invalid username-password pair or user is disabled.",
        ),
        near_misses=(
            "1:C 27 Nov 2026 05:13:18.123 * Redis version=7.2.4, bits=64, commit=00000000, modified=0, "
            "pid=1, just started",
        ),
    ),
    Pattern(
        id="redis.loading",
        kind="redis",
        category="startup",
        severity="warning",
        regex=r"LOADING Redis is loading the dataset in memory",
        meaning="Clients connected while Redis was still loading its dataset after a start.",
        action="Wait for readiness in the client or healthcheck; large datasets load slowly.",
        examples=("redis.exceptions.BusyLoadingError: LOADING Redis is loading the dataset in memory",),
        near_misses=(_RD + "* Loading RDB produced by version 7.2.4",),
    ),
    Pattern(
        id="redis.overcommit_warning",
        kind="redis",
        category="memory",
        severity="info",
        regex=r"WARNING Memory overcommit must be enabled|overcommit_memory is set to 0",
        meaning="The host's vm.overcommit_memory is 0; background saves may fail under memory pressure.",
        action="Set vm.overcommit_memory=1 on the host (sysctl).",
        examples=(
            "1:C 27 Nov 2026 05:13:18.123 # WARNING Memory overcommit must be enabled! Without it, a "
            "background save or replication may fail under low memory condition.",
        ),
        near_misses=(_RD + "* Server initialized",),
    ),
)

NGINX: tuple[Pattern, ...] = (
    Pattern(
        id="nginx.upstream_refused",
        kind="nginx",
        category="upstream",
        severity="critical",
        regex=r"connect\(\) (?:to \S+ )?failed \((?:111: Connection refused|113: No route to host"
        r"|113: Host is unreachable)\) while connecting to upstream",
        meaning="Nginx could not reach the backend (container down, restarting, or wrong port).",
        action="Check the upstream container's status and logs, and that proxy_pass points at its "
        "listening port on a shared network.",
        examples=(
            _NG + "[error] 29#29: *1 connect() failed (111: Connection refused) while connecting to "
            "upstream" + _UPSTREAM_TAIL,
        ),
        near_misses=(
            _NG + "[info] 29#29: *5 client closed connection while waiting for request, client: 1.2.3.4, "
            "server: 0.0.0.0:80",
        ),
    ),
    Pattern(
        id="nginx.upstream_timeout",
        kind="nginx",
        category="timeout",
        severity="warning",
        regex=r"upstream timed out \(110: (?:Connection|Operation) timed out\)",
        meaning="The backend did not answer within proxy_read_timeout / proxy_connect_timeout.",
        action="Find the slow endpoint in the backend; raise the proxy timeouts only if the slowness is expected.",
        examples=(
            _NG + "[error] 29#29: *7 upstream timed out (110: Connection timed out) while reading response "
            "header from upstream" + _UPSTREAM_TAIL,
        ),
        near_misses=(
            _NG + "[info] 29#29: *8 client timed out (110: Connection timed out) while waiting for request, "
            "client: 10.0.0.5, server: 0.0.0.0:443",
        ),
    ),
    Pattern(
        id="nginx.no_live_upstreams",
        kind="nginx",
        category="upstream",
        severity="critical",
        regex=r"no live upstreams while connecting to upstream",
        meaning="Every server of the upstream block is marked down after failures.",
        action="Fix the failing backends first (see upstream_refused/timeout lines before this one).",
        examples=(
            _NG + "[error] 29#29: *9 no live upstreams while connecting to upstream, client: 10.0.0.5, "
            'server: example.com, request: "GET / HTTP/1.1", upstream: "http://backend/", host: '
            '"example.com"',
        ),
        near_misses=(_NG + "[notice] 1#1: signal process started",),
    ),
    Pattern(
        id="nginx.upstream_host_not_found",
        kind="nginx",
        category="dns",
        severity="critical",
        regex=r'host not found in upstream "|could not be resolved \(\d+: [^)]*\)',
        meaning="Nginx cannot resolve the backend's name (container not started, other network, typo).",
        action="Start the backend first or use a resolver + variable in proxy_pass; check the "
        "service name and shared network.",
        examples=(
            _NG + '[emerg] 1#1: host not found in upstream "app:8000" in /etc/nginx/conf.d/default.conf:12',
            _NG + "[error] 29#29: *3 app could not be resolved (3: Host not found), client: 10.0.0.5, "
            'server: example.com, request: "GET / HTTP/1.1", host: "example.com"',
        ),
        near_misses=(_NG + '[notice] 1#1: using the "epoll" event method',),
    ),
    Pattern(
        id="nginx.tls_certificate",
        kind="nginx",
        category="tls",
        severity="critical",
        regex=r'cannot load certificate|no "ssl_certificate" is defined|SSL_CTX_use_PrivateKey(?:_file)?\(\) failed'
        r"|certificate has expired",
        meaning="Nginx cannot load or use its TLS certificate/key (missing, unreadable, expired, mismatched).",
        action="Check the certificate and key paths, their permissions, expiry (openssl x509 -enddate) "
        "and renewal (certbot/acme).",
        examples=(
            _NG + '[emerg] 1#1: cannot load certificate "/etc/nginx/certs/example.com.crt": BIO_new_file() '
            "failed (SSL: error:80000002:system library::No such file or directory)",
        ),
        near_misses=(_NG + "[notice] 1#1: nginx/1.25.3",),
    ),
    Pattern(
        id="nginx.tls_upstream_handshake",
        kind="nginx",
        category="tls",
        severity="warning",
        regex=r"SSL_do_handshake\(\) failed .*while SSL handshaking to upstream",
        meaning="Nginx could not complete TLS with an HTTPS backend.",
        action="Check proxy_ssl_* settings, the backend's certificate and whether it really speaks TLS.",
        examples=(
            _NG + "[error] 29#29: *11 SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong "
            "version number) while SSL handshaking to upstream" + _UPSTREAM_TAIL,
        ),
        near_misses=(
            _NG + "[info] 29#29: *12 SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key "
            "share) while SSL handshaking, client: 45.1.2.3, server: 0.0.0.0:443",
        ),
    ),
    Pattern(
        id="nginx.tls_client_handshake",
        kind="nginx",
        category="tls",
        severity="info",
        regex=r"SSL_do_handshake\(\) failed|peer closed connection in SSL handshake|SSL_read\(\) failed",
        meaning="A client failed the TLS handshake (usually scanners or very old clients).",
        action="Ignore unless real users report TLS errors; then check ssl_protocols/ssl_ciphers.",
        examples=(
            _NG + "[info] 29#29: *12 SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key "
            "share) while SSL handshaking, client: 45.1.2.3, server: 0.0.0.0:443",
        ),
        near_misses=(_NG + "[info] 29#29: *13 client 45.1.2.3 closed keepalive connection",),
    ),
    Pattern(
        id="nginx.config_error",
        kind="nginx",
        category="startup",
        severity="critical",
        regex=r"\[emerg\] \d+#\d+: ",
        meaning="Nginx refused its configuration or could not start (bad directive, port in use, missing file).",
        action="Run nginx -t in the container and fix the reported file:line.",
        examples=(
            _NG + '[emerg] 1#1: unknown directive "proxy_passs" in /etc/nginx/conf.d/default.conf:14',
            _NG + "[emerg] 1#1: bind() to 0.0.0.0:80 failed (98: Address in use)",
        ),
        near_misses=(_NG + "[notice] 1#1: start worker processes",),
        generic=True,
    ),
    Pattern(
        id="nginx.body_too_large",
        kind="nginx",
        category="http",
        severity="warning",
        regex=r"client intended to send too large body",
        meaning="A request body exceeded client_max_body_size; the client got 413.",
        action="Raise client_max_body_size if such uploads are legitimate.",
        examples=(
            _NG + "[error] 29#29: *14 client intended to send too large body: 10485760 bytes, client: "
            '10.0.0.5, server: example.com, request: "POST /upload HTTP/1.1", host: "example.com"',
        ),
        near_misses=(_NG + "[notice] 1#1: client_max_body_size 1m",),
    ),
    Pattern(
        id="nginx.worker_connections",
        kind="nginx",
        category="connections",
        severity="critical",
        regex=r"worker_connections are not enough",
        meaning="Nginx ran out of worker connections; requests are dropped.",
        action="Raise worker_connections (and the open-files limit) or look for stuck upstream connections.",
        examples=(_NG + "[alert] 29#29: 1024 worker_connections are not enough",),
        near_misses=(_NG + "[notice] 1#1: getrlimit(RLIMIT_NOFILE): 1048576:1048576",),
    ),
)

MYSQL: tuple[Pattern, ...] = (
    Pattern(
        id="mysql.access_denied",
        kind="mysql",
        category="auth",
        severity="critical",
        regex=r"Access denied for user '[^']*'@",
        meaning="A client used a wrong user/password or connects from a host the account does not allow.",
        action="Check the app's DB credentials and the account's host part ('app'@'%' vs 'app'@'localhost').",
        examples=(
            _MY + "[Note] [MY-010926] [Server] Access denied for user 'app'@'172.18.0.5' (using password: YES)",
            _MDB + "[Warning] Access denied for user 'root'@'172.18.0.5' (using password: YES)",
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
        severity="critical",
        regex=r"\bToo many connections\b|ER_CON_COUNT_ERROR",
        meaning="max_connections is exhausted; new clients are refused.",
        action="Look for leaking pools (SHOW PROCESSLIST); raise max_connections or shrink the pools.",
        examples=(
            "ERROR 1040 (HY000): Too many connections",
            "Error: ER_CON_COUNT_ERROR: Too many connections",
        ),
        near_misses=(_MDB + "[Note] Server socket created on IP: '0.0.0.0'.",),
    ),
    Pattern(
        id="mysql.cant_connect",
        kind="mysql",
        category="connections",
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
        near_misses=(_MDB + "[Note] mariadbd: ready for connections.",),
    ),
    Pattern(
        id="mysql.gone_away",
        kind="mysql",
        category="connections",
        severity="warning",
        regex=r"MySQL server has gone away|Lost connection to (?:MySQL )?server",
        meaning="An established connection was closed by the server (restart, wait_timeout, max_allowed_packet).",
        action="Enable pool pre-ping / recycle below wait_timeout; check server restarts and packet size.",
        examples=(
            "sqlalchemy.exc.OperationalError: (pymysql.err.OperationalError) (2006, 'MySQL server has gone away')",
            "ERROR 2013 (HY000): Lost connection to MySQL server during query",
        ),
        near_misses=(_MDB + "[Note] Server socket created on IP: '::'.",),
    ),
    Pattern(
        id="mysql.innodb_error",
        kind="mysql",
        category="persistence",
        severity="critical",
        regex=r"\[ERROR\] (?:\[MY-\d+\] )?\[InnoDB\]|\[ERROR\] InnoDB:"
        r"|InnoDB: (?:Operating system error|Unable to lock|Database page corruption|Assertion failure)",
        meaning="The InnoDB storage engine reported an error (lock on data files, corruption, I/O).",
        action="'Unable to lock ./ibdata1' means two servers share one data dir; otherwise check disk "
        "and consider innodb_force_recovery after a backup.",
        examples=(
            _MY + "[ERROR] [MY-012574] [InnoDB] Unable to lock ./ibdata1 error: 11",
            _MDB + "[ERROR] InnoDB: Unable to lock ./ibdata1 error: 11",
        ),
        near_misses=(
            _MY + "[System] [MY-013576] [InnoDB] InnoDB initialization has started.",
            _MDB + "[Note] InnoDB: Buffer pool(s) load completed at 261127  5:13:18",
        ),
    ),
    Pattern(
        id="mysql.startup_aborted",
        kind="mysql",
        category="startup",
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
        severity="warning",
        regex=r"Deadlock found when trying to get lock|Lock wait timeout exceeded",
        meaning="Transactions blocked each other; one was rolled back or timed out waiting for a lock.",
        action="Inspect SHOW ENGINE INNODB STATUS; take locks in a consistent order, keep transactions short.",
        examples=(
            "ERROR 1213 (40001): Deadlock found when trying to get lock; try restarting transaction",
            "ERROR 1205 (HY000): Lock wait timeout exceeded; try restarting transaction",
        ),
        near_misses=(_MY + "[Note] [MY-010051] [Server] Event Scheduler: scheduler thread started with id 5",),
    ),
    Pattern(
        id="mysql.table_missing",
        kind="mysql",
        category="schema",
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
        severity="info",
        regex=r"Aborted connection \d+ to db:",
        meaning="A client disconnected without closing properly (killed app, timeout, network).",
        action="Usually harmless in small numbers; many of them point at app crashes or net_read_timeout.",
        examples=(
            _MDB + "[Warning] Aborted connection 42 to db: 'app' user: 'app' host: '172.18.0.5' (Got an "
            "error reading communication packets)",
        ),
        near_misses=(_MDB + "[Note] Event Scheduler: Loaded 0 events",),
    ),
)

MONGODB: tuple[Pattern, ...] = (
    Pattern(
        id="mongodb.auth_failed",
        kind="mongodb",
        category="auth",
        severity="critical",
        regex=r'"msg":"Authentication failed"|\bAuthenticationFailed\b'
        r"|MongoServerError: Authentication failed|OperationFailure: Authentication failed",
        meaning="A client used a wrong user/password or authentication database (authSource).",
        action="Check credentials and authSource in the URI (users created via MONGO_INITDB_* live in 'admin').",
        examples=(
            _MG + '"s":"I",  "c":"ACCESS",   "id":20249,   "ctx":"conn12","msg":"Authentication failed",'
            '"attr":{"mechanism":"SCRAM-SHA-256","speculative":true,"principalName":"app",'
            '"authenticationDatabase":"admin","remote":"172.18.0.5:51234","extraInfo":{},'
            '"error":"AuthenticationFailed: SCRAM authentication failed, storedKey mismatch"}}',
            "MongoServerError: Authentication failed.",
        ),
        near_misses=(
            _MG + '"s":"I",  "c":"ACCESS",   "id":5286306, "ctx":"conn5","msg":"Successfully authenticated",'
            '"attr":{"client":"172.18.0.5:51236","mechanism":"SCRAM-SHA-256","user":"app","db":"admin"}}',
        ),
    ),
    Pattern(
        id="mongodb.unreachable",
        kind="mongodb",
        category="connections",
        severity="critical",
        regex=r"MongoServerSelectionError|ServerSelectionTimeoutError|MongoNetworkError"
        r"|ECONNREFUSED \S+:27017\b|:27017: \[Errno 111\] Connection refused",
        meaning="The client could not reach any suitable MongoDB server (down, wrong host, replica set name).",
        action="Check the mongo container, the URI host/port and replicaSet, and the network between them.",
        examples=(
            "pymongo.errors.ServerSelectionTimeoutError: mongo:27017: [Errno 111] Connection refused, "
            "Timeout: 30s, Topology Description: <TopologyDescription id: 1, topology_type: Unknown>",
            "MongoServerSelectionError: connect ECONNREFUSED 172.18.0.3:27017",
        ),
        near_misses=(
            _MG + '"s":"I",  "c":"NETWORK",  "id":23016,   "ctx":"listener","msg":"Waiting for connections",'
            '"attr":{"port":27017,"ssl":"off"}}',
        ),
    ),
    Pattern(
        id="mongodb.pool_cleared",
        kind="mongodb",
        category="connections",
        severity="warning",
        regex=r"Connection pool for \S+ (?:was )?cleared|PoolClearedError|\"msg\":\"Connection pool cleared\""
        r"|\"msg\":\"Dropping all pooled connections\"",
        meaning="The driver or server dropped a connection pool after a network error or failover.",
        action="Look for the error that caused it (server restart, primary step-down, network).",
        examples=(
            "MongoPoolClearedError: Connection pool for mongo:27017 was cleared because another operation "
            'failed with: "connection <monitor> to 172.18.0.3:27017 closed"',
            _MG + '"s":"I",  "c":"CONNPOOL", "id":22572,   "ctx":"MirrorMaestro","msg":"Dropping all pooled '
            'connections","attr":{"hostAndPort":"mongo2:27017","error":"ShutdownInProgress: Pool for '
            'mongo2:27017 has expired."}}',
        ),
        near_misses=(
            _MG + '"s":"I",  "c":"CONNPOOL", "id":22576,   "ctx":"ReplNetwork","msg":"Connecting",'
            '"attr":{"hostAndPort":"mongo2:27017"}}',
        ),
    ),
    Pattern(
        id="mongodb.wiredtiger_error",
        kind="mongodb",
        category="persistence",
        severity="critical",
        regex=r'"s":"[EF]",\s*"c":"WT|WiredTiger error|WT_PANIC',
        meaning="The WiredTiger storage engine failed (permissions, disk, corruption, unclean shutdown).",
        action="Check /data/db ownership and free space; after a crash run mongod --repair on a copy.",
        examples=(
            _MG + '"s":"E",  "c":"WT",       "id":22435,   "ctx":"initandlisten","msg":"WiredTiger error '
            'message","attr":{"error":13,"message":{"ts_sec":1764220398,"ts_usec":0,"thread":"1:0x7f",'
            '"session_name":"wiredtiger_open","category":"WT_VERB_DEFAULT","verbose_level":"ERROR",'
            '"msg":"__posix_open_file:805:/data/db/WiredTiger.wt: handle-open: open","error_str":'
            '"Permission denied","error_code":13}}}',
        ),
        near_misses=(
            _MG + '"s":"I",  "c":"WTCHKPT",  "id":22430,   "ctx":"Checkpointer","msg":"WiredTiger message",'
            '"attr":{"message":{"ts_sec":1764220398,"ts_usec":123,"thread":"1:0x7f","msg":"saving '
            'checkpoint snapshot min: 37, snapshot max: 37 snapshot count: 0"}}}',
        ),
    ),
    Pattern(
        id="mongodb.error_log",
        kind="mongodb",
        category="crash",
        severity="warning",
        regex=r'\},"s":"E",|\},"s":"F",',
        meaning="mongod logged an error (E) or fatal (F) event.",
        action="Read the msg and attr.error fields of the line.",
        examples=(
            _MG + '"s":"E",  "c":"CONTROL",  "id":20557,   "ctx":"initandlisten","msg":"DBException in '
            'initAndListen, terminating","attr":{"error":"DBPathInUse: Unable to lock the lock file"}}',
        ),
        near_misses=(
            _MG + '"s":"I",  "c":"CONTROL",  "id":23285,   "ctx":"main","msg":"Automatically disabling TLS '
            "1.0, to force-enable TLS 1.0 specify --sslDisabledProtocols 'none'\"}",
        ),
        generic=True,
    ),
)

DOCKER: tuple[Pattern, ...] = (
    Pattern(
        id="docker.oom_killed",
        kind="docker",
        category="memory",
        severity="critical",
        regex=r"Out of memory: Kill(?:ed)? process|Memory cgroup out of memory|\bOOMKilled\b"
        r"|\boom-kill(?:er)?\b|^\S*(?:: line \d+:)?\s+\d+\s+Killed\s|^Killed\s*$",
        meaning="The kernel OOM killer (or a memory limit) killed a process.",
        action="Raise the container memory limit or find the leak; check `docker inspect` State.OOMKilled.",
        examples=(
            "Killed",
            "/entrypoint.sh: line 12:    45 Killed                  python app.py",
            "Memory cgroup out of memory: Killed process 4321 (python) total-vm:2048000kB",
        ),
        near_misses=("2026-11-27 05:13:18 worker pool: killed 2 idle workers",),
    ),
    Pattern(
        id="docker.exit_137",
        kind="docker",
        category="memory",
        severity="critical",
        regex=r"\b(?:exit(?:ed)?|exit[ _]?code|exit status)\b[^\d\n]{0,12}\b137\b",
        meaning="A process ended with code 137 = SIGKILL, most often the OOM killer or a stop timeout.",
        action="Check OOMKilled in docker inspect and the memory limit; otherwise the stop grace period.",
        examples=("app-1 exited with code 137", "Exited (137) 5 minutes ago"),
        near_misses=("exited with code 0 after processing 137 items",),
        ignore_case=True,
    ),
    Pattern(
        id="docker.exit_139",
        kind="docker",
        category="crash",
        severity="critical",
        regex=r"\b(?:exit(?:ed)?|exit[ _]?code|exit status)\b[^\d\n]{0,12}\b139\b|Segmentation fault"
        r"|\bSIGSEGV\b",
        meaning="A process crashed with a segmentation fault (code 139 = SIGSEGV).",
        action="Usually a native library/ABI mismatch (e.g. musl vs glibc wheels) or a bug; pin versions.",
        examples=("worker-1 exited with code 139", "Segmentation fault (core dumped)"),
        near_misses=("exited with code 1 (139 requests served)",),
    ),
    Pattern(
        id="docker.exit_143",
        kind="docker",
        category="crash",
        severity="info",
        regex=r"\b(?:exit(?:ed)?|exit[ _]?code|exit status)\b[^\d\n]{0,12}\b143\b",
        meaning="A process ended on SIGTERM (code 143): a normal stop/restart request.",
        action="Nothing if it was a planned stop; frequent ones mean something keeps restarting it.",
        examples=("app-1 exited with code 143",),
        near_misses=("exited with code 0 (143 jobs)",),
        ignore_case=True,
    ),
    Pattern(
        id="docker.unhealthy",
        kind="docker",
        category="crash",
        severity="warning",
        regex=r"health_status: unhealthy|\(unhealthy\)|container \S+ is unhealthy",
        meaning="The container's healthcheck is failing.",
        action="Run the healthcheck command by hand in the container (docker inspect .State.Health.Log).",
        examples=(
            "dependency failed to start: container app-db-1 is unhealthy",
            "2026-11-27T05:13:18.123456789Z container health_status: unhealthy 3f2a9c (image=app:latest, name=app-1)",
        ),
        near_misses=(
            "2026-11-27T05:13:18.123456789Z container health_status: healthy 3f2a9c (image=app:latest, name=app-1)",
        ),
    ),
    Pattern(
        id="docker.restart_loop",
        kind="docker",
        category="crash",
        severity="critical",
        regex=r"\bRestarting \(\d+\)|is restarting, wait until the container is running",
        meaning="The container keeps crashing and being restarted by its restart policy.",
        action="Read the container's last logs before each exit (docker logs --tail) and its exit code.",
        examples=(
            "Error response from daemon: Container 3f2a9c is restarting, wait until the container is running",
            "Restarting (1) 12 seconds ago",
        ),
        near_misses=("Restarting workers after config reload",),
    ),
    Pattern(
        id="docker.daemon_unreachable",
        kind="docker",
        category="connections",
        severity="critical",
        regex=r"Cannot connect to the Docker daemon",
        meaning="A Docker client (CI, agent, socket-mounted tool) cannot reach dockerd.",
        action="Check that dockerd runs and the socket is mounted/readable for the client.",
        examples=("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",),
        near_misses=("Connected to the Docker daemon at unix:///var/run/docker.sock",),
    ),
)

PYTHON: tuple[Pattern, ...] = (
    Pattern(
        id="python.traceback",
        kind="python",
        category="traceback",
        severity="warning",
        regex=r"^\s*Traceback \(most recent call last\):",
        meaning="A Python exception with a traceback was logged.",
        action="Read the final exception line and the last frame from the app's own code.",
        examples=("Traceback (most recent call last):",),
        near_misses=('  File "/app/main.py", line 12, in <module>',),
    ),
    Pattern(
        id="python.import_error",
        kind="python",
        category="startup",
        severity="critical",
        regex=r"^(?:ModuleNotFoundError|ImportError): ",
        meaning="A Python module is missing or failed to import (image built without a dependency?).",
        action="Add the package to requirements and rebuild; check PYTHONPATH and the working directory.",
        examples=("ModuleNotFoundError: No module named 'requests'",),
        near_misses=("    import requests",),
    ),
    Pattern(
        id="python.gunicorn_worker_timeout",
        kind="python",
        category="timeout",
        severity="critical",
        regex=r"\bWORKER TIMEOUT \(pid:\d+\)",
        meaning="A gunicorn worker did not answer within --timeout and was killed.",
        action="Find the slow request (DB, external call); raise --timeout only if the slowness is expected.",
        examples=("[2026-11-27 05:13:18 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:8)",),
        near_misses=("[2026-11-27 05:13:18 +0000] [1] [INFO] Booting worker with pid: 8",),
    ),
    Pattern(
        id="python.gunicorn_worker_killed",
        kind="python",
        category="memory",
        severity="critical",
        regex=r"Worker \(pid:\d+\) was sent SIGKILL! Perhaps out of memory\?",
        meaning="A gunicorn worker was SIGKILLed, usually by the OOM killer.",
        action="Check container memory limits and per-worker memory; reduce workers or fix the leak.",
        examples=("[2026-11-27 05:13:18 +0000] [1] [ERROR] Worker (pid:8) was sent SIGKILL! Perhaps out of memory?",),
        near_misses=("[2026-11-27 05:13:18 +0000] [1] [INFO] Worker exiting (pid: 8)",),
    ),
    Pattern(
        id="python.exception",
        kind="python",
        category="traceback",
        severity="warning",
        regex=r"^(?:[a-z_]\w*\.)*_?[A-Z]\w*(?:Error|Exception|Exit|Interrupt)(?::\s.*)?$"
        r"|^(?:[a-z_]\w*\.)*(?:errors|exceptions|exc)\.[A-Z]\w*:\s.+$",
        meaning="A Python exception line (the last line of a traceback).",
        action="Read the message; the frames above it point at the failing code.",
        examples=(
            "KeyError: 'user_id'",
            "django.core.exceptions.ImproperlyConfigured: SECRET_KEY must not be empty",
        ),
        near_misses=('    raise ValueError("bad input")', "INFO ValueError handling enabled"),
        generic=True,
    ),
)

NODE: tuple[Pattern, ...] = (
    Pattern(
        id="node.unhandled_rejection",
        kind="node",
        category="crash",
        severity="critical",
        regex=r"UnhandledPromiseRejection|Unhandled promise rejection|\bunhandledRejection\b",
        meaning="A Node promise rejected without a handler; recent Node versions exit on it.",
        action="Add await/try-catch or .catch() around the failing call; the reason follows in the log.",
        examples=(
            "[UnhandledPromiseRejection: This error originated either by throwing inside of an async "
            "function without a catch block, or by rejecting a promise which was not handled with .catch(). "
            'The promise rejected with the reason "boom".] {',
            "(node:1) UnhandledPromiseRejectionWarning: Error: connect ECONNREFUSED 127.0.0.1:5432",
        ),
        near_misses=("process.on('rejectionHandled') registered",),
    ),
    Pattern(
        id="node.process_crashed",
        kind="node",
        category="crash",
        severity="critical",
        regex=r"^Node\.js v\d+\.\d+\.\d+\s*$",
        meaning="Node printed its version banner after an uncaught exception: the process crashed.",
        action="Read the error and stack just above this line.",
        examples=("Node.js v20.11.0",),
        near_misses=("Server running on Node.js v20.11.0 at http://0.0.0.0:3000",),
    ),
    Pattern(
        id="node.heap_oom",
        kind="node",
        category="memory",
        severity="critical",
        regex=r"JavaScript heap out of memory|Reached heap limit Allocation failed",
        meaning="The V8 heap hit its limit and Node aborted.",
        action="Raise --max-old-space-size (within the container limit) or find the leak.",
        examples=("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",),
        near_misses=("heap used 120MB of 512MB",),
    ),
    Pattern(
        id="node.error_line",
        kind="node",
        category="traceback",
        severity="warning",
        regex=r"^(?:Uncaught )?(?:[A-Z]\w*)?Error(?: \[[A-Z_]+\])?: \S",
        meaning="A JavaScript error line (the first line of a Node stack trace).",
        action="Read the message and the first 'at' frame from the app's own files.",
        examples=(
            "TypeError: Cannot read properties of undefined (reading 'id')",
            "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'express' imported from /app/index.js",
        ),
        near_misses=("    at Object.<anonymous> (/app/index.js:3:9)",),
        generic=True,
    ),
)

JAVA: tuple[Pattern, ...] = (
    Pattern(
        id="java.out_of_memory",
        kind="java",
        category="memory",
        severity="critical",
        regex=r"java\.lang\.OutOfMemoryError",
        meaning="The JVM ran out of heap/metaspace/native threads.",
        action="Size -Xmx/-XX:MaxRAMPercentage to the container limit, or find the leak (heap dump).",
        examples=('Exception in thread "main" java.lang.OutOfMemoryError: Java heap space',),
        near_misses=("INFO  -XX:MaxRAMPercentage=75.0 heap max 1536m",),
    ),
    Pattern(
        id="java.exception_in_thread",
        kind="java",
        category="crash",
        severity="critical",
        regex=r'^Exception in thread "[^"]*" ',
        meaning="An uncaught Java exception killed a thread (the main thread: the whole app).",
        action="Read the exception and its 'Caused by:' chain to the root cause.",
        examples=('Exception in thread "main" java.lang.IllegalStateException: Failed to load ApplicationContext',),
        near_misses=('Thread "main" started',),
        generic=True,
    ),
    Pattern(
        id="java.caused_by",
        kind="java",
        category="traceback",
        severity="warning",
        regex=r"^Caused by: [\w.$]+(?:Exception|Error)\b",
        meaning="The root cause of a Java exception chain.",
        action="This line usually names the real problem; fix it first.",
        examples=(
            "Caused by: org.flywaydb.core.api.FlywayException: Validate failed: Migrations have failed validation",
        ),
        near_misses=("Caused by user request: shutdown",),
        generic=True,
    ),
    Pattern(
        id="java.exception",
        kind="java",
        category="traceback",
        severity="warning",
        regex=r"^(?:[a-z]\w*\.)+[A-Z][\w$]*(?:Exception|Error)(?::\s.*)?$",
        meaning="A fully qualified Java exception line (first line of a stack trace).",
        action="Read the message and the first frame in the app's own packages.",
        examples=('java.lang.NullPointerException: Cannot invoke "String.length()" because "s" is null',),
        near_misses=("\tat com.example.App.main(App.java:12)",),
        generic=True,
    ),
)

GO: tuple[Pattern, ...] = (
    Pattern(
        id="go.panic",
        kind="go",
        category="crash",
        severity="critical",
        regex=r"^panic: ",
        meaning="A Go program panicked (crashed) unless the panic was recovered.",
        action="Read the panic message and the first goroutine frame in the app's own package.",
        examples=("panic: runtime error: invalid memory address or nil pointer dereference",),
        near_misses=('level=info msg="recovered: panic handler installed"',),
    ),
    Pattern(
        id="go.fatal_error",
        kind="go",
        category="crash",
        severity="critical",
        regex=r"^fatal error: ",
        meaning="The Go runtime hit an unrecoverable error (concurrent map writes, deadlock, out of memory).",
        action="Fix the race/deadlock named in the message; run tests with -race.",
        examples=("fatal error: concurrent map writes", "fatal error: all goroutines are asleep - deadlock!"),
        near_misses=('level=error msg="non-fatal error: cache miss"',),
    ),
    Pattern(
        id="go.goroutine_dump",
        kind="go",
        category="traceback",
        severity="warning",
        regex=r"^goroutine \d+ \[[\w ,.]+\]:$",
        meaning="A Go goroutine stack dump (after a panic or SIGQUIT).",
        action="Read the panic or fatal error line above it.",
        examples=("goroutine 1 [running]:",),
        near_misses=("goroutine pool started with 8 workers",),
        generic=True,
    ),
)

_HTTP_429 = (
    r'"\s429\s|\bHTTP/\d(?:\.\d)?"?\s+429\b'
    r"|\b(?:status|status_code|statusCode|http_status|DownstreamStatus|code)[\"']?\s*[=:]\s*[\"']?429\b"
    r"|\b429 Too Many Requests\b|\bToo Many Requests\b|\brate[- ]limit(?:ed| exceeded)\b"
)

GENERAL: tuple[Pattern, ...] = (
    Pattern(
        id="general.disk_full",
        kind="general",
        category="disk",
        severity="critical",
        regex=r"No space left on device|\bENOSPC\b|\b(?:disk full|disk is full)\b",
        meaning="A filesystem is full; writes fail (databases may stop or corrupt).",
        action="Free space: docker system df, prune images/build cache, rotate logs, grow the volume.",
        examples=(
            _PG + 'LOG:  could not write to file "pg_wal/xlogtemp.31": No space left on device',
            "write /data/out.json: no space left on device",
        ),
        near_misses=("checked free space: 12G left on device /dev/sda1",),
        ignore_case=True,
    ),
    Pattern(
        id="general.timeout",
        kind="general",
        category="timeout",
        severity="warning",
        regex=r"\btimed out\b|\bdeadline exceeded\b|\bDEADLINE_EXCEEDED\b|\bETIMEDOUT\b"
        r"|\b(?:read|connect|connection|request|gateway) timeout\b",
        meaning="An operation did not finish in time (network, dependency or slow query).",
        action="Find which dependency is slow or unreachable from the message; check its health.",
        examples=(
            "2026-11-27 05:13:18 ERROR request to http://api:8080/v1 failed: context deadline exceeded",
            "ERROR: connect ETIMEDOUT 10.0.0.7:443",
            "2026-11-27 05:13:18,123 WARNING worker: fetching feed timed out after 30s",
        ),
        near_misses=("Starting server with read_timeout=30s write_timeout=30s",),
        ignore_case=True,
    ),
    Pattern(
        id="general.rate_limited",
        kind="general",
        category="rate_limit",
        severity="warning",
        regex=_HTTP_429,
        meaning="Requests were rejected with HTTP 429 (rate limited), by us or by an upstream API.",
        action="Find who is limited (client IP / API key); back off and retry, or raise the limit.",
        examples=(
            _ACC + '429 162 "-" "python-requests/2.31"',
            "HTTP/1.1 429 Too Many Requests",
            'level=warn msg="upstream call failed" status=429 url=https://api.example.com/v1',
            "httpx.HTTPStatusError: Client error '429 Too Many Requests' for url 'https://api.example.com'",
        ),
        near_misses=(
            "2026-04-29 04:29:13 handled request id=a429f user=1429 in 429ms status=200",
            "2026-11-27T04:29:00.429Z processed order 4290",
        ),
        ignore_case=True,
    ),
    Pattern(
        id="general.permission_denied",
        kind="general",
        category="permission",
        severity="warning",
        regex=r"Permission denied|\bEACCES\b|Operation not permitted",
        meaning="A process lacks rights on a file, socket or operation (often volume ownership/UID).",
        action="Compare the container user's UID with the owner of the mounted path; fix ownership or user.",
        examples=(
            "chown: /var/lib/postgresql/data: Operation not permitted",
            "Error: EACCES: permission denied, open '/app/data/db.json'",
            "mkdir: cannot create directory '/data/cache': Permission denied",
        ),
        near_misses=("checking permissions on /data: ok",),
        ignore_case=True,
    ),
    Pattern(
        id="general.dns_failure",
        kind="general",
        category="dns",
        severity="critical",
        regex=r"Temporary failure in name resolution|Name or service not known|\bno such host\b"
        r"|getaddrinfo (?:ENOTFOUND|EAI_AGAIN)|Could not resolve host|Name does not resolve"
        r"|UnknownHostException|nodename nor servname provided",
        meaning="A hostname could not be resolved (service not running, other network, typo, DNS down).",
        action="Check the hostname, that the target container runs on a shared network, and DNS.",
        examples=(
            "socket.gaierror: [Errno -3] Temporary failure in name resolution",
            "dial tcp: lookup db on 127.0.0.11:53: no such host",
            "Error: getaddrinfo ENOTFOUND redis",
        ),
        near_misses=("resolved host db to 172.18.0.2",),
        ignore_case=True,
    ),
    Pattern(
        id="general.connection_refused",
        kind="general",
        category="connections",
        severity="critical",
        regex=r"Connection refused|\bECONNREFUSED\b|Connection to \S+ refused|connection was refused",
        meaning="A dependency refused the connection (not running, not listening yet, wrong port).",
        action="Check the target service is up and listening on that port, and startup ordering.",
        examples=(
            "dial tcp 172.18.0.2:5432: connect: connection refused",
            "Error: connect ECONNREFUSED 127.0.0.1:3000",
        ),
        near_misses=("connection accepted from 172.18.0.5:51234",),
        ignore_case=True,
    ),
    Pattern(
        id="general.address_in_use",
        kind="general",
        category="startup",
        severity="critical",
        regex=r"address already in use|\bEADDRINUSE\b|port is already allocated",
        meaning="The port is already taken by another process or container.",
        action="Find the holder (ss -ltnp / docker ps) and stop it or change the published port.",
        examples=(
            "Error starting userland proxy: listen tcp4 0.0.0.0:80: bind: address already in use",
            "Bind for 0.0.0.0:5432 failed: port is already allocated",
        ),
        near_misses=("listening on 0.0.0.0:8080 (address reuse enabled)",),
        ignore_case=True,
    ),
    Pattern(
        id="general.out_of_memory",
        kind="general",
        category="memory",
        severity="critical",
        regex=r"\bout of memory\b|Cannot allocate memory|\bENOMEM\b|\bMemoryError\b",
        meaning="A process failed to allocate memory.",
        action="Check the container memory limit and host free memory; look for leaks.",
        examples=(
            "runtime: out of memory: cannot allocate 4194304-byte block (3968008192 in use)",
            "OSError: [Errno 12] Cannot allocate memory",
        ),
        near_misses=("memory usage 512MiB of 2GiB",),
        ignore_case=True,
    ),
    Pattern(
        id="general.tls_certificate",
        kind="general",
        category="tls",
        severity="warning",
        regex=r"certificate has expired|certificate expired|x509: certificate|certificate verify failed"
        r"|unable to get local issuer certificate|self[- ]signed certificate in certificate chain",
        meaning="TLS verification failed (expired, self-signed or untrusted certificate).",
        action="Renew the certificate or install the CA bundle in the image (ca-certificates).",
        examples=(
            "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
            "unable to get local issuer certificate (_ssl.c:1006)",
            'Get "https://api.example.com": x509: certificate signed by unknown authority',
        ),
        near_misses=("loaded 140 certificates from /etc/ssl/certs",),
        ignore_case=True,
    ),
    Pattern(
        id="general.http_bad_gateway",
        kind="general",
        category="http",
        severity="warning",
        regex=r'^\S+ \S+ \S+ \[[^\]]+\] "[^"]*" 50[24] ',
        meaning="The proxy (nginx, traefik, caddy) answered 502/504: the backend was down, refused or too slow.",
        action="Read the proxy's error log and the backend's status around the same time.",
        examples=(_ACC + '502 157 "-" "Mozilla/5.0"', _ACC + '504 167 "-" "curl/8.5.0"'),
        near_misses=(_ACC + '200 502 "-" "Mozilla/5.0"',),
    ),
    Pattern(
        id="general.http_server_error",
        kind="general",
        category="http",
        severity="warning",
        regex=r'^\S+ \S+ \S+ \[[^\]]+\] "[^"]*" 50[03] ',
        meaning="The application answered 500 (unhandled error) or 503 (unavailable/overloaded).",
        action="Match the request time with the backend's own error log or traceback.",
        examples=(_ACC + '500 21 "-" "Mozilla/5.0"', _ACC + '503 190 "-" "Mozilla/5.0"'),
        near_misses=(_ACC + '200 500 "-" "Mozilla/5.0"',),
    ),
)

PATTERNS: tuple[Pattern, ...] = (
    *POSTGRES,
    *REDIS,
    *NGINX,
    *MYSQL,
    *MONGODB,
    *DOCKER,
    *PYTHON,
    *NODE,
    *JAVA,
    *GO,
    *GENERAL,
)
PATTERNS_BY_ID: dict[str, Pattern] = {p.id: p for p in PATTERNS}

# (kind, name regex). Checked against the image's repository name first, then the service name.
_KIND_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("postgres", re.compile(r"postgres|postgis|timescale|pgvector|^pg$|paradedb|supabase-db")),
    ("redis", re.compile(r"redis|valkey|keydb|dragonfly")),
    ("nginx", re.compile(r"nginx|openresty|tengine|angie")),
    ("mysql", re.compile(r"mysql|mariadb|percona")),
    ("mongodb", re.compile(r"mongo")),
    ("python", re.compile(r"^python$|^pypy$")),
    ("node", re.compile(r"^node$|^bun$|^deno$")),
    ("java", re.compile(r"openjdk|temurin|corretto|^java$|^tomcat$|^jetty$|zulu")),
    ("go", re.compile(r"^golang$")),
)
# Tools named after a service but which are not it (exporters, admin UIs, backup sidecars).
_NOT_THE_SERVICE = re.compile(r"exporter|commander|express|insight|admin|backup|operator|proxy-manager|ui$")


def _repo_name(image: str) -> str:
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[0].lower()


def detect_kind(image: str, service: str) -> str | None:
    """The service kind (``postgres``, ``redis``, ...) guessed from image and service names, or None."""
    for name in (_repo_name(image), service.lower()):
        if not name or _NOT_THE_SERVICE.search(name):
            continue
        for kind, rule in _KIND_RULES:
            if rule.search(name):
                return kind
    return None


# What a service's own log says it is: line shapes only the software itself prints. A kind needs
# ``_CONTENT_MIN_LINES`` matching lines (one stray quote in an app's log is not enough), except the
# signatures marked strong (a whole traceback header, a goroutine dump), where one suffices. A client's
# report of a server's error (redis-py printing Redis's "OOM command not allowed") says what the service
# talks to, not what it is: it never makes a kind (the pattern still matches; the incident rules link it).
_CONTENT_RULES: tuple[tuple[str, bool, re.Pattern[str]], ...] = (
    # nginx error log: "2026/11/27 05:13:18 [error] 29#29: *1 ..." (level, pid#tid)
    ("nginx", False, re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} \[(?:emerg|alert|crit|error|warn|notice|info)\] "
                                r"\d+#\d+: ")),
    # PostgreSQL: "2026-11-27 05:13:18.123 UTC [42] FATAL:  ..." (two spaces after the level)
    ("postgres", False, re.compile(r"\[\d+\] (?:[\w@.\[\] -]+ )?(?:LOG|FATAL|ERROR|PANIC|WARNING|DETAIL|HINT|"
                                   r"STATEMENT):  \S")),
    # redis-server: "1:M 27 Nov 2026 05:13:18.123 * Ready to accept connections"
    ("redis", False, re.compile(r"^\d+:[MSCX] \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} [*#.-] ")),
    # MySQL / MariaDB: "2026-11-27T05:13:18.123456Z 12 [ERROR] [MY-010123] [Server] ..." / mariadbd lines
    ("mysql", False, re.compile(r" \[(?:ERROR|Warning|Note|System)\] \[MY-\d{6}\] |\bmariadbd?: |\[ERROR\] mysqld: ")),
    # MongoDB structured log: {"t":{"$date":...},"s":"E","c":"NETWORK",...}
    ("mongodb", False, re.compile(r'^\{"t":\{"\$date":"[^"]+"\},"s":"[A-Z]\d?",\s*"c":"')),
    ("python", True, re.compile(r"^\s*Traceback \(most recent call last\):\s*$")),
    ("java", False, re.compile(r'^Exception in thread "[^"]+" [\w.$]+(?:Exception|Error)\b'
                               r"|^\s+at [\w.$<>]+\([\w$]+\.(?:java|kt|scala):\d+\)$"
                               r"|^Caused by: [\w.$]+(?:Exception|Error)\b")),
    ("node", False, re.compile(r"^\s+at (?:async )?\S.*\((?:node:internal/|/[^()]*\.(?:c|m)?js:\d+:\d+\))"
                               r"|^\s+at (?:node:internal/|/[^()\s]*\.(?:c|m)?js:\d+:\d+$)"
                               r"|^\[UnhandledPromiseRejection: |^node:internal/")),
    ("go", True, re.compile(r"^goroutine \d+ \[(?:running|runnable|syscall|chan receive|select|IO wait)[^\]]*\]:$")),
    ("go", False, re.compile(r"^panic: \S")),
)
_CONTENT_MIN_LINES = 2


def detect_kind_from_log(lines: Iterable[str]) -> str | None:
    """The service kind recognised from what its log says (nginx error lines, PostgreSQL ``FATAL:  ``,
    redis-server's line format, Python/Java/Node/Go tracebacks), or None.

    The kind with the most matching lines wins; service kinds before app kinds on a tie. Lines are the
    log text without docker's timestamp prefix.
    """
    hits: dict[str, int] = {}
    strong: set[str] = set()
    for line in lines:
        for kind, is_strong, rule in _CONTENT_RULES:
            if rule.search(line):
                hits[kind] = hits.get(kind, 0) + 1
                if is_strong:
                    strong.add(kind)
                break
    found = [k for k, n in hits.items() if n >= _CONTENT_MIN_LINES or k in strong]
    if not found:
        return None
    return max(found, key=lambda k: (hits[k], -KINDS.index(k)))
