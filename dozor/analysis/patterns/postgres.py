"""PostgreSQL server lines and what its clients (psycopg, JDBC) report."""

from __future__ import annotations

from dozor.analysis.patterns.base import PG, Pattern

POSTGRES: tuple[Pattern, ...] = (
    Pattern(
        id="postgres.auth_failed",
        kind="postgres",
        category="auth",
        source="postgres src/backend/libpq/auth.c",
        severity="critical",
        regex=r"FATAL:\s+password authentication failed for user",
        meaning="A client connected with a wrong password for a database role.",
        action="Compare the app's DB password with the role's; after changing POSTGRES_PASSWORD "
        "on an existing volume, run ALTER ROLE ... PASSWORD (the env var applies only at init).",
        examples=(
            PG + 'FATAL:  password authentication failed for user "app"',
            'psycopg2.OperationalError: connection to server at "db" (172.18.0.2), port 5432 failed: '
            'FATAL:  password authentication failed for user "app"',
        ),
        near_misses=(
            PG + 'LOG:  connection authenticated: identity="app" method=scram-sha-256 '
            "(/var/lib/postgresql/data/pg_hba.conf:100)",
        ),
    ),
    Pattern(
        id="postgres.hba_rejected",
        kind="postgres",
        category="auth",
        source="postgres src/backend/libpq/auth.c",
        severity="critical",
        regex=r"no pg_hba\.conf entry for host",
        meaning="pg_hba.conf has no rule allowing this client address/user/database.",
        action="Add a host rule for the client's network to pg_hba.conf and reload (SELECT pg_reload_conf()).",
        examples=(
            PG + 'FATAL:  no pg_hba.conf entry for host "172.18.0.5", user "app", database "app", no encryption',
        ),
        near_misses=(PG + "LOG:  received SIGHUP, reloading configuration files",),
    ),
    Pattern(
        id="postgres.role_missing",
        kind="postgres",
        category="auth",
        source="postgres src/backend/utils/init/miscinit.c",
        severity="warning",
        regex=r'FATAL:\s+role "[^"]*" does not exist',
        meaning="A client logged in as a role that does not exist (often a healthcheck "
        "running pg_isready/psql without -U).",
        action="Pass the right user (-U) in the client or healthcheck, or create the role.",
        examples=(PG + 'FATAL:  role "root" does not exist',),
        near_misses=(PG + "LOG:  statement: CREATE ROLE app LOGIN PASSWORD 'x'",),
    ),
    Pattern(
        id="postgres.database_missing",
        kind="postgres",
        category="schema",
        source="postgres src/backend/utils/init/postinit.c",
        severity="critical",
        regex=r'FATAL:\s+database "[^"]*" does not exist',
        meaning="A client asked for a database that does not exist on this server.",
        action="Create the database or fix the database name in the client's connection string.",
        examples=(PG + 'FATAL:  database "app_prod" does not exist',),
        near_misses=(PG + 'NOTICE:  database "app_test" does not exist, skipping',),
    ),
    Pattern(
        id="postgres.too_many_connections",
        kind="postgres",
        category="connections",
        source="postgres src/backend/storage/lmgr/proc.c, src/backend/utils/init/postinit.c",
        severity="critical",
        regex=r"sorry, too many clients already|remaining connection slots are reserved"
        r"|too many connections for (?:role|database)",
        meaning="max_connections is exhausted; new clients are refused.",
        action="Look for connection leaks or oversized pools (pg_stat_activity); add a pooler "
        "(pgbouncer) or raise max_connections.",
        examples=(
            PG + "FATAL:  sorry, too many clients already",
            PG + "FATAL:  remaining connection slots are reserved for non-replication superuser connections",
            PG + "FATAL:  remaining connection slots are reserved for roles with the SUPERUSER attribute",
            PG + 'FATAL:  too many connections for role "app"',
        ),
        near_misses=(PG + "LOG:  connection received: host=172.18.0.5 port=40122",),
    ),
    Pattern(
        id="postgres.starting_up",
        kind="postgres",
        category="startup",
        source="postgres src/backend/postmaster/postmaster.c",
        severity="warning",
        regex=r"the database system is (?:starting up|not yet accepting connections|in recovery mode)",
        meaning="Clients connected while the server was still starting or recovering.",
        action="Make dependants wait for readiness (healthcheck + depends_on: condition: "
        "service_healthy); if it persists, check recovery progress.",
        examples=(
            PG + "FATAL:  the database system is starting up",
            PG + "FATAL:  the database system is not yet accepting connections",
        ),
        near_misses=(PG + "LOG:  database system is ready to accept connections",),
    ),
    Pattern(
        id="postgres.shutting_down",
        kind="postgres",
        category="startup",
        source="postgres src/backend/postmaster/postmaster.c, src/backend/tcop/postgres.c",
        severity="warning",
        regex=r"the database system is shutting down"
        r"|terminating connection due to administrator command",
        meaning="The server was stopping while clients were connected.",
        action="Expected during a restart; if unplanned, find who stopped it (docker events, OOM, host reboot).",
        examples=(
            PG + "FATAL:  the database system is shutting down",
            PG + "FATAL:  terminating connection due to administrator command",
        ),
        near_misses=(PG + "LOG:  database system was shut down at 2026-11-27 05:10:00 UTC",),
    ),
    Pattern(
        id="postgres.shutdown_requested",
        kind="postgres",
        category="startup",
        source="postgres src/backend/postmaster/postmaster.c",
        severity="info",
        regex=r"received (?:fast|smart|immediate) shutdown request",
        meaning="The server was asked to stop (docker stop / restart).",
        action="Nothing if planned; otherwise correlate with deploys, restarts or OOM events.",
        examples=(PG + "LOG:  received fast shutdown request",),
        near_misses=(PG + "LOG:  received SIGHUP, reloading configuration files",),
    ),
    Pattern(
        id="postgres.relation_missing",
        kind="postgres",
        category="schema",
        source="postgres src/backend/catalog/namespace.c, src/backend/parser/parse_relation.c",
        severity="warning",
        regex=r"ERROR:\s+(?:relation|column|function|schema|type|operator) .{1,200}? does not exist"
        r"|errors\.Undefined(?:Table|Column|Function): ",
        meaning="A query used a table, column or function the schema does not have.",
        action="Run pending migrations, or fix the query; check that the app points at the right database.",
        examples=(
            PG + 'ERROR:  relation "users" does not exist at character 15',
            PG + "ERROR:  column users.emial does not exist at character 8",
            PG + "ERROR:  function gen_random_uuid() does not exist at character 8",
            'psycopg2.errors.UndefinedTable: relation "users" does not exist',
        ),
        near_misses=(
            PG + 'NOTICE:  table "users" does not exist, skipping',
            PG + 'NOTICE:  relation "users" already exists, skipping',
        ),
    ),
    Pattern(
        id="postgres.deadlock",
        kind="postgres",
        category="locking",
        source="postgres src/backend/storage/lmgr/deadlock.c",
        severity="warning",
        regex=r"ERROR:\s+deadlock detected",
        meaning="Two transactions waited on each other; Postgres aborted one of them.",
        action="Read the DETAIL lines for the two statements; take locks in a consistent order "
        "and keep transactions short.",
        examples=(PG + "ERROR:  deadlock detected",),
        near_misses=(PG + 'LOG:  parameter "deadlock_timeout" changed to "2s"',),
    ),
    Pattern(
        id="postgres.collation_mismatch",
        kind="postgres",
        category="schema",
        source="postgres src/backend/utils/init/postinit.c, src/backend/utils/adt/pg_locale.c",
        severity="warning",
        regex=r"collation version mismatch|was created using collation version",
        meaning="The OS collation library changed since the database was created (image "
        "upgrade); text indexes may be silently corrupt.",
        action="REINDEX affected indexes, then ALTER DATABASE ... REFRESH COLLATION VERSION.",
        examples=(
            PG + 'WARNING:  database "app" has a collation version mismatch',
            PG + "DETAIL:  The database was created using collation version 2.31, but the operating "
            "system provides version 2.36.",
        ),
        near_misses=(PG + "LOG:  statement: ALTER DATABASE app REFRESH COLLATION VERSION",),
    ),
    Pattern(
        id="postgres.backend_crashed",
        kind="postgres",
        category="crash",
        source="postgres src/backend/postmaster/postmaster.c",
        severity="critical",
        regex=r"server process \(PID \d+\) (?:was terminated by signal|exited with exit code)"
        r"|\bPANIC:\s",
        meaning="A backend process crashed or was killed; Postgres restarts all sessions to recover.",
        action="Signal 9 usually means the OOM killer: check memory limits and work_mem; "
        "otherwise read the lines before the crash.",
        examples=(
            PG + "LOG:  server process (PID 1234) was terminated by signal 9: Killed",
            PG + "PANIC:  could not locate a valid checkpoint record",
        ),
        near_misses=(PG + 'LOG:  background worker "logical replication launcher" (PID 70) exited with exit code 1',),
    ),
    Pattern(
        id="postgres.out_of_memory",
        kind="postgres",
        category="memory",
        source="postgres src/backend/utils/mmgr/mcxt.c, src/backend/postmaster/postmaster.c",
        severity="critical",
        regex=r"(?:ERROR|FATAL):\s+out of memory|could not fork new process for connection",
        meaning="Postgres could not allocate memory for a query or a new connection.",
        action="Lower work_mem / max_connections or raise the container memory limit.",
        examples=(PG + "ERROR:  out of memory",),
        near_misses=(PG + 'LOG:  parameter "work_mem" changed to "64MB"',),
    ),
    Pattern(
        id="postgres.checkpoints_too_frequent",
        kind="postgres",
        category="persistence",
        source="postgres src/backend/postmaster/checkpointer.c",
        severity="info",
        regex=r"checkpoints are occurring too frequently",
        meaning="WAL fills up between checkpoints faster than checkpoint_timeout.",
        action="Raise max_wal_size.",
        examples=(PG + "LOG:  checkpoints are occurring too frequently (9 seconds apart)",),
        near_misses=(PG + "LOG:  checkpoint complete: wrote 3 buffers (0.0%); 0 WAL file(s) added",),
    ),
    Pattern(
        id="postgres.entrypoint_no_password",
        kind="postgres",
        category="config",
        source="docker-library/postgres docker-entrypoint.sh (docker_verify_minimum_env)",
        severity="critical",
        regex=r"Database is uninitialized and superuser password is not specified",
        meaning="The official postgres image refuses to initialise an empty data directory without a superuser "
        "password: the container exits at once, on every restart.",
        action="Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE with a mounted secret) for the service, or "
        "POSTGRES_HOST_AUTH_METHOD=trust only for a throwaway test database; then recreate the container.",
        examples=(
            "Error: Database is uninitialized and superuser password is not specified.",
            "       Database is uninitialized and superuser password is not specified.",
        ),
        near_misses=("PostgreSQL Database directory appears to contain a database; Skipping initialization",),
    ),
)
