"""The catalogue: faults that really happen, and healthy services that only look noisy.

Every service runs the busybox image under a neutral name (``lab/<name>:1``); nothing in a name says what
it imitates. A fault either REALLY happens (a crash loop on a missing variable or file, an OOM kill under
``mem_limit``, a tmpfs really filled, a read-only or root-owned mount written by ``nobody``, a port really
taken on a loopback address, a healthcheck really probing the wrong port, a segfault) or is a running
service printing the real wording of the software it imitates. ``source`` names where each wording comes
from (the software's source file or its documented output).

Hosts: ``web1`` (projects north, meadow) and ``db1`` (harbor: the chains, south, dock) of the test fleet.
Loopback addresses used with ``network_mode: host``: 127.0.231.7-9, ports 47231-47234.
"""

from __future__ import annotations

from bench.truth.model import (
    HEALTHY,
    ROOT,
    SYMPTOM,
    Catalogue,
    Expect,
    Scenario,
    Svc,
    crash,
    loop,
    says,
)

W, D = "web1", "db1"
CRASH = Expect(codes=("crash_loop",))
OOM = Expect(codes=("oom_killed",))
TLS = ("tls", "cert", "x509", "ssl")

# --------------------------------------------------------------------------------------------- snippets
_PY_TB = "Traceback (most recent call last):"
_NODE_TAIL = ("", "Node.js v20.12.2")
_SPRING_START = (
    "@TS_ISO@  INFO 1 --- [           main] c.e.app.Application                      : Starting Application "
    "v1.4.2 using Java 17.0.10 with PID 1 (/app/app.jar started by app in /app)",
    "@TS_ISO@  INFO 1 --- [           main] o.s.b.w.embedded.tomcat.TomcatWebServer  : Tomcat initialized with "
    "port 8080 (http)",
    "@TS_ISO@  INFO 1 --- [           main] o.s.b.w.embedded.tomcat.TomcatWebServer  : Tomcat started on port "
    "8080 (http) with context path ''",
    "@TS_ISO@  INFO 1 --- [           main] c.e.app.Application                      : Started Application in "
    "6.118 seconds (process running for 6.9)",
)
_NGX_START = (
    "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
    "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
    "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
    "/docker-entrypoint.sh: Configuration complete; ready for start up",
)
_NGX_RUN = (
    '@TS_NGX@ [notice] 1#1: using the "epoll" event method',
    "@TS_NGX@ [notice] 1#1: nginx/1.25.4",
    "@TS_NGX@ [notice] 1#1: start worker processes",
)
_PG_START = (
    "@TS_PG@ [1] LOG:  starting PostgreSQL 16.2 (Debian 16.2-1.pgdg120+2) on x86_64-pc-linux-gnu, compiled by gcc "
    "(Debian 12.2.0-14) 12.2.0, 64-bit",
    '@TS_PG@ [1] LOG:  listening on IPv4 address "0.0.0.0", port 5432',
    "@TS_PG@ [1] LOG:  database system is ready to accept connections",
)
_RD_START = (
    "1:C @TS_RD@ # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
    "1:C @TS_RD@ # Redis version=7.2.4, bits=64, commit=00000000, modified=0, pid=1, just started",
    "1:M @TS_RD@ * monotonic clock: POSIX clock_gettime",
    "1:M @TS_RD@ * Running mode=standalone, port=6379.",
    "1:M @TS_RD@ * Server initialized",
    "1:M @TS_RD@ * Ready to accept connections tcp",
)


def _acc(ip: str, req: str, status: int, size: int, agent: str = "Mozilla/5.0 (X11; Linux x86_64)") -> str:
    return f'{ip} - - [@TS_ACC@] "{req} HTTP/1.1" {status} {size} "-" "{agent}"'


# --------------------------------------------------------------------------------------------- crash loops
CRASHES = [
    Scenario(
        "crash-missing-env-python", "Python settings read an unset variable: KeyError, crash loop", W, "north",
        (Svc("tern", crash([
            "@TS_PY@ INFO manage: loading settings module shop.settings",
            _PY_TB,
            '  File "/app/manage.py", line 22, in <module>',
            "    main()",
            '  File "/app/shop/settings.py", line 41, in <module>',
            '    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}',
            "                                                  ~~~~~~~~~~^^^^^^^^^^^^^^^^",
            '  File "<frozen os>", line 679, in __getitem__',
            "KeyError: 'DATABASE_URL'",
        ], pre='[ -n "$DATABASE_URL" ] && exec sleep 3600'), state=CRASH, log=Expect(keywords=("DATABASE_URL",))),),
        "CPython 3.12 traceback format (Lib/traceback.py), os.environ.__getitem__ in Lib/os.py",
    ),
    Scenario(
        "crash-missing-env-entrypoint", "Database entrypoint without its superuser password: crash loop", W, "north",
        (Svc("quill", crash([
            "Error: Database is uninitialized and superuser password is not specified.",
            "       You must specify POSTGRES_PASSWORD to a non-empty value for the",
            '       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".',
            "",
            '       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all',
            "       connections without a password. This is *not* recommended.",
            "",
            '       See PostgreSQL documentation about "trust":',
            "       https://www.postgresql.org/docs/current/auth-trust.html",
        ], pre='[ -n "$POSTGRES_PASSWORD" ] && exec sleep 3600'), state=CRASH,
            log=Expect(keywords=("POSTGRES_PASSWORD", "superuser password"))),),
        "docker-library/postgres docker-entrypoint.sh (docker_verify_minimum_env)",
    ),
    Scenario(
        "crash-missing-secret-node", "Node reads a secret file that is not mounted: ENOENT, crash loop", W, "north",
        (Svc("svc-a7", crash([
            "node:fs:573",
            "  return binding.open(",
            "                 ^",
            "",
            "Error: ENOENT: no such file or directory, open '/run/secrets/api_token'",
            "    at Object.openSync (node:fs:573:18)",
            "    at Object.readFileSync (node:fs:452:35)",
            "    at Object.<anonymous> (/srv/app/config.js:7:25)",
            "    at Module._compile (node:internal/modules/cjs/loader:1364:14)",
            "    at Module._extensions..js (node:internal/modules/cjs/loader:1422:10)",
            "    at Module.load (node:internal/modules/cjs/loader:1203:32)",
            "    at Module._load (node:internal/modules/cjs/loader:1019:12)",
            "    at Function.executeUserEntryPoint [as runMain] (node:internal/modules/run_main:128:12)",
            "    at node:internal/main/run_main_module:28:49 {",
            "  errno: -2,",
            "  code: 'ENOENT',",
            "  syscall: 'open',",
            "  path: '/run/secrets/api_token'",
            "}",
            *_NODE_TAIL,
        ], pre="cat /run/secrets/api_token >/dev/null 2>&1 && exec sleep 3600"), state=CRASH,
            log=Expect(keywords=("/run/secrets", "ENOENT"))),),
        "Node.js 20 uncaught exception output (lib/internal/process/execution.js) for fs.readFileSync",
    ),
    Scenario(
        "crash-missing-secret-go", "Go service log.Fatal on a missing secret file: crash loop", D, "south",
        (Svc("wick", crash([
            "@TS_GO@ billing-api 2.3.1 starting",
            "@TS_GO@ read secret: open /run/secrets/db_password: no such file or directory",
        ], pre="cat /run/secrets/db_password >/dev/null 2>&1 && exec sleep 3600"), state=CRASH,
            log=Expect(keywords=("db_password", "no such file"))),),
        "Go log.Fatalf (src/log/log.go) with an *fs.PathError (src/io/fs/fs.go: op path: err)",
    ),
    Scenario(
        "crash-wrong-command", "Shell entrypoint execs a binary the image does not have: exit 127", D, "south",
        (Svc("pewter", "echo 'starting web workers'; exec /usr/local/bin/gunicorn shop.wsgi:application",
             state=CRASH, log=Expect(keywords=("gunicorn", "not found"))),),
        "real failure: busybox sh 'exec: ...: not found', exit 127",
    ),
    Scenario(
        "wrong-entrypoint", "Entrypoint path missing from the image: the container never starts", D, "dock",
        (Svc("gully", "", entrypoint=("/app/bin/server", "--config", "/etc/app.yaml"),
             state=Expect(codes=("container.created", "container.exited", "crash_loop"),
                          keywords=("no such file", "not found", "executable"))),),
        "real failure: the runtime's OCI error (exec: \"/app/bin/server\": stat ...: no such file or directory)",
    ),
    Scenario(
        "crash-config-nginx", "Proxy config with an unknown directive: [emerg], crash loop", W, "north",
        (Svc("brick", crash([
            *_NGX_START,
            '@TS_NGX@ [emerg] 1#1: unknown directive "proxy_passs" in /etc/nginx/conf.d/default.conf:14',
        ]), state=CRASH, log=Expect(patterns=(r"nginx\.config",), keywords=("unknown directive",))),),
        "nginx src/core/ngx_conf_file.c ('unknown directive \"%s\"'), docker-library/nginx docker-entrypoint.sh",
    ),
    Scenario(
        "crash-config-postgres", "Database config syntax error: FATAL configuration file contains errors", D, "south",
        (Svc("flint", crash([
            '@TS_PG@ [1] LOG:  syntax error in file "/etc/postgresql/postgresql.conf" line 12, near token "MB"',
            '@TS_PG@ [1] FATAL:  configuration file "/etc/postgresql/postgresql.conf" contains errors',
        ]), state=CRASH, log=Expect(keywords=("configuration file", "syntax error"))),),
        "PostgreSQL src/backend/utils/misc/guc-file.l (ParseConfigFp / ProcessConfigFileInternal)",
    ),
    Scenario(
        "crash-config-yaml", "Metrics server cannot parse its YAML config: level=error, exit 1", W, "north",
        (Svc("cobble", crash([
            'ts=@TS_ISO@ caller=main.go:487 level=info msg="Starting Prometheus Server" mode=server '
            'version="(version=2.50.1, branch=HEAD, revision=8c9b0285360a0b6288d76214a75ce3025bce4050)"',
            'ts=@TS_ISO@ caller=main.go:1149 level=info msg="Loading configuration file" '
            "filename=/etc/prometheus/prometheus.yml",
            'ts=@TS_ISO@ caller=main.go:1173 level=error msg="Error loading config (--config.file=/etc/prometheus/'
            'prometheus.yml)" file=/etc/prometheus/prometheus.yml err="parsing YAML file /etc/prometheus/'
            'prometheus.yml: yaml: line 12: did not find expected key"',
        ]), state=CRASH, log=Expect(keywords=("parsing YAML", "Error loading config"))),),
        "Prometheus cmd/prometheus/main.go (go-kit logfmt), gopkg.in/yaml.v2 scanner error text",
    ),
    Scenario(
        "crash-go-panic", "Go service dereferences nil at start: panic, crash loop", D, "south",
        (Svc("gneiss", crash([
            "@TS_GO@ orders-sync 1.8.0 starting, 4 workers",
            "panic: runtime error: invalid memory address or nil pointer dereference",
            "[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x6b2f4a]",
            "",
            "goroutine 1 [running]:",
            "main.(*Syncer).Start(0x0)",
            "\t/src/cmd/orders-sync/sync.go:57 +0x2a",
            "main.main()",
            "\t/src/cmd/orders-sync/main.go:31 +0x1c5",
        ], code=2), state=CRASH, log=Expect(patterns=(r"^go\.|go\.panic",), keywords=("nil pointer",))),),
        "Go runtime panic output (src/runtime/panic.go, traceback.go), exit status 2",
    ),
    Scenario(
        "crash-segfault", "Native worker segfaults (SIGSEGV, exit 139): crash loop, empty log", D, "south",
        (Svc("ochre", "echo 'imgproc: worker ready'; sh -c 'kill -SEGV $$'; exit $?",
             state=Expect(codes=("crash_loop", "container.exited"), keywords=("139", "SIGSEGV"))),),
        "real failure: the worker process dies of SIGSEGV; the entrypoint script exits with its status (139)",
    ),
    Scenario(
        "exited-migration", "One-shot migration job fails on a missing relation and stays exited", D, "south",
        (Svc("rill", crash([
            "Operations to perform:",
            "  Apply all migrations: admin, auth, contenttypes, orders, sessions",
            "Running migrations:",
            "  Applying orders.0007_backfill_totals...",
            _PY_TB,
            '  File "/usr/local/lib/python3.12/site-packages/django/db/backends/utils.py", line 105, in _execute',
            "    return self.cursor.execute(sql, params)",
            "           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
            'psycopg2.errors.UndefinedTable: relation "orders_ordertotal" does not exist',
            'LINE 1: UPDATE "orders_ordertotal" SET "amount" = 0',
            "               ^",
            "",
            "",
            "The above exception was the direct cause of the following exception:",
            "",
            _PY_TB,
            '  File "/app/manage.py", line 22, in <module>',
            "    main()",
            'django.db.utils.ProgrammingError: relation "orders_ordertotal" does not exist',
            'LINE 1: UPDATE "orders_ordertotal" SET "amount" = 0',
            "               ^",
        ]), restart="no", state=Expect(codes=("container.exited",)),
            log=Expect(keywords=("does not exist", "ProgrammingError", "UndefinedTable"))),),
        "Django migrate output (core/management/commands/migrate.py), chained CPython tracebacks",
    ),
]

# --------------------------------------------------------------------------------------------- memory
MEMORY = [
    Scenario(
        "oom-killed-once", "Report job allocates 64 MiB under a 16 MiB limit: OOM-killed, stays down", W, "north",
        (Svc("girder", "echo 'report: building monthly export'; exec dd if=/dev/zero of=/dev/null bs=64M count=1",
             restart="no", mem_limit="16m", state=OOM),),
        "real failure: kernel OOM kill in the container's memory cgroup",
    ),
    Scenario(
        "oom-kill-loop", "Worker OOM-killed at every start under restart: always", D, "south",
        (Svc("tallow", "echo \"$(date -u '+%F %T,000') INFO worker: loading model into memory\"; "
             "exec dd if=/dev/zero of=/dev/null bs=64M count=1", mem_limit="16m", state=OOM),),
        "real failure: kernel OOM kill, restarted by the engine",
    ),
    Scenario(
        "jvm-heap-exhausted", "Running JVM service throws OutOfMemoryError: Java heap space", W, "north",
        (Svc("ember", loop([
            "@TS_ISO@ ERROR 1 --- [nio-8080-exec-@j@] o.a.c.c.C.[.[.[/].[dispatcherServlet]    : Servlet.service() "
            "for servlet [dispatcherServlet] in context with path [] threw exception [Handler dispatch failed: "
            "java.lang.OutOfMemoryError: Java heap space] with root cause",
            "",
            "java.lang.OutOfMemoryError: Java heap space",
            "\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)",
            "\tat java.base/java.lang.AbstractStringBuilder.ensureCapacityInternal(AbstractStringBuilder.java:228)",
            "\tat java.base/java.lang.StringBuilder.append(StringBuilder.java:179)",
            "\tat com.example.report.ExportService.render(ExportService.java:88)",
            '@TS_ISO@ Exception in thread "scheduling-1" java.lang.OutOfMemoryError: Java heap space',
        ], every=6, start=_SPRING_START), log=Expect(patterns=(r"java\.out_of_memory",), keywords=("heap space",))),),
        "HotSpot OutOfMemoryError text (share/gc/shared), Tomcat StandardWrapperValve log line, Spring Boot 3 format",
    ),
]

# --------------------------------------------------------------------------------------------- chains
CHAINS = [
    Scenario(
        "chain-db-auth", "Database refuses the app's password; app crash-loops; proxy answers 502", D, "harbor",
        (
            Svc("kestrel", loop([
                '@TS_PG@ [@j@] FATAL:  password authentication failed for user "billing"',
                '@TS_PG@ [@j@] DETAIL:  Connection matched file "/var/lib/postgresql/data/pg_hba.conf" line 128: '
                '"host all all all scram-sha-256"',
            ], every=3, start=_PG_START), role=ROOT,
                log=Expect(patterns=(r"postgres\.auth",), keywords=("password authentication failed",))),
            Svc("wren", crash([
                "@TS_GO@ invoicing 3.1.0 starting",
                "@TS_GO@ connect: failed to connect to `user=billing database=billing`: 127.0.0.1:5432 (kestrel): "
                'failed SASL auth: FATAL: password authentication failed for user "billing" (SQLSTATE 28P01)',
            ]), role=SYMPTOM, environment=(("DATABASE_URL", "postgres://billing:wrong-secret@kestrel:5432/billing"),),
                state=CRASH, log=Expect(keywords=("password authentication failed", "SASL"))),
            Svc("heron", loop([
                "@TS_NGX@ [error] 31#31: *@i@ connect() failed (111: Connection refused) while connecting to "
                'upstream, client: 10.0.3.@j@, server: billing.example, request: "GET /api/invoices HTTP/1.1", '
                'upstream: "http://wren:8080/api/invoices", host: "billing.example"',
                _acc("10.0.3.@j@", "GET /api/invoices", 502, 157),
            ], every=2, start=_NGX_RUN), role=SYMPTOM,
                log=Expect(patterns=(r"nginx\.upstream", r"http_bad_gateway", r"5xx_burst"))),
        ),
        "PostgreSQL src/backend/libpq/auth.c (auth_failed), jackc/pgx v5 pgconn errors.go (connectError), "
        "nginx src/http/ngx_http_upstream.c",
        kind="chain",
    ),
    Scenario(
        "chain-mysql-down", "MySQL-compatible server aborts at startup; the app cannot connect", D, "harbor",
        (
            Svc("marten", crash([
                "@TS_MY@ 0 [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.36) starting as process 1",
                "@TS_MY@ 1 [System] [MY-013576] [InnoDB] InnoDB initialization has started.",
                "@TS_MY@ 1 [ERROR] [MY-012574] [InnoDB] Unable to lock ./ibdata1 error: 11",
                "@TS_MY@ 1 [ERROR] [MY-012592] [InnoDB] Operating system error number 11 in a file operation.",
                "@TS_MY@ 1 [ERROR] [MY-012596] [InnoDB] Error number 11 means 'Resource temporarily unavailable'",
                "@TS_MY@ 1 [ERROR] [MY-012215] [InnoDB] Cannot open datafile './ibdata1'",
                "@TS_MY@ 1 [ERROR] [MY-010334] [Server] Failed to initialize DD Storage Engine",
                "@TS_MY@ 0 [ERROR] [MY-010020] [Server] Data Dictionary initialization failed.",
                "@TS_MY@ 0 [ERROR] [MY-010119] [Server] Aborting",
                "@TS_MY@ 0 [System] [MY-010910] [Server] /usr/sbin/mysqld: Shutdown complete (mysqld 8.0.36)  "
                "MySQL Community Server - GPL.",
            ]), role=ROOT, state=CRASH, log=Expect(patterns=(r"^mysql\.", r"mysql\."))),
            Svc("plover", loop([
                "@TS_PY@ ERROR django.request: Internal Server Error: /orders/",
                _PY_TB,
                '  File "/usr/local/lib/python3.12/site-packages/MySQLdb/connections.py", line 195, in __init__',
                "    super().__init__(*args, **kwargs2)",
                "MySQLdb.OperationalError: (2003, \"Can't connect to MySQL server on 'marten:3306' (111)\")",
                "",
                "The above exception was the direct cause of the following exception:",
                "",
                _PY_TB,
                '  File "/usr/local/lib/python3.12/site-packages/django/db/backends/base/base.py", line 275, '
                "in ensure_connection",
                "    self.connect()",
                "django.db.utils.OperationalError: (2003, \"Can't connect to MySQL server on 'marten:3306' (111)\")",
            ], every=4), role=SYMPTOM, environment=(("DATABASE_URL", "mysql://shop:secret@marten:3306/shop"),),
                log=Expect(patterns=(r"mysql\.cant_connect", r"mysql\."), keywords=("Can't connect to MySQL",))),
        ),
        "MySQL 8.0 error log (storage/innobase os0file.cc, sql/mysqld.cc), libmysqlclient CR_CONN_HOST_ERROR 2003, "
        "Django request logger",
        kind="chain",
    ),
    Scenario(
        "chain-cache-config", "Cache server rejects its config at start; the job worker cannot connect", D, "harbor",
        (
            Svc("sable", crash([
                "",
                "*** FATAL CONFIG FILE ERROR (Redis 7.2.4) ***",
                "Reading the configuration file, at line 2",
                ">>> 'maxmemory 2gigs'",
                "argument must be a memory value",
            ]), role=ROOT, state=CRASH, log=Expect(keywords=("FATAL CONFIG FILE ERROR", "memory value"))),
            Svc("ibis", loop([
                "@TS_PY@ WARNING rq.worker: Worker rq:worker:7d1e: connection lost, retrying",
                _PY_TB,
                '  File "/usr/local/lib/python3.12/site-packages/redis/connection.py", line 357, in connect',
                "    sock = self.retry.call_with_retry(",
                "redis.exceptions.ConnectionError: Error 111 connecting to sable:6379. Connection refused.",
            ], every=4), role=SYMPTOM,
                log=Expect(patterns=(r"redis\.connection_refused", r"^redis\."), keywords=("connecting to sable",))),
        ),
        "Redis src/config.c (loadServerConfigFromString loaderr), redis-py connection.py (_error_message)",
        kind="chain",
    ),
    Scenario(
        "chain-broker-boot", "Message broker fails to boot; the consumer keeps failing to connect", D, "harbor",
        (
            Svc("larch", crash([
                "@TS_RMQ@ [notice] <0.44.0> Application syslog exited with reason: stopped",
                "@TS_RMQ@ [error] <0.230.0> ",
                "@TS_RMQ@ [error] <0.230.0> BOOT FAILED",
                "@TS_RMQ@ [error] <0.230.0> ===========",
                "@TS_RMQ@ [error] <0.230.0> Exception during startup:",
                "@TS_RMQ@ [error] <0.230.0> ",
                "@TS_RMQ@ [error] <0.230.0> error:{badmatch,{error,{cannot_read_enabled_plugins_file,"
                '"/etc/rabbitmq/enabled_plugins",eacces}}}',
                "@TS_RMQ@ [error] <0.230.0> ",
            ]), role=ROOT, state=CRASH,
                log=Expect(keywords=("BOOT FAILED", "Exception during startup", "eacces", "enabled_plugins"))),
            Svc("finch", loop([
                "@TS_ISO@  INFO 1 --- [ntContainer#0-1] o.s.a.r.c.CachingConnectionFactory       : Attempting to "
                "connect to: [larch:5672]",
                "@TS_ISO@  WARN 1 --- [ntContainer#0-1] o.s.a.r.l.SimpleMessageListenerContainer : Consumer raised "
                "exception, processing can restart if the connection factory supports it. Exception summary: "
                "org.springframework.amqp.AmqpConnectException: java.net.ConnectException: Connection refused",
            ], every=5, start=_SPRING_START), role=SYMPTOM, environment=(("SPRING_RABBITMQ_HOST", "larch"),),
                log=Expect(keywords=("AmqpConnectException", "Connection refused"))),
        ),
        "RabbitMQ deps/rabbit/src/rabbit.erl (boot failure report), Spring AMQP SimpleMessageListenerContainer",
        kind="chain",
    ),
]

# --------------------------------------------------------------------------------------------- dependencies
DEPENDENCIES = [
    Scenario(
        "dns-go", "Go service cannot resolve its partner API (logfmt)", W, "north",
        (Svc("vale", loop([
            'time=@TS_ISO@ level=error msg="rate sync failed" err="Get \\"https://api.partner.example/v2/rates\\": '
            'dial tcp: lookup api.partner.example on 127.0.0.11:53: no such host" attempt=@i@',
        ], every=5, start=('time=@TS_ISO@ level=info msg="starting rate sync" interval=5s',)),
            log=Expect(patterns=(r"dns",), keywords=("no such host",))),),
        "Go net/dnsclient_unix.go (DNSError 'lookup %s on %s: no such host'), log/slog TextHandler",
    ),
    Scenario(
        "dns-node", "Node client: getaddrinfo ENOTFOUND for a renamed host", D, "south",
        (Svc("tarn", loop([
            "Error: getaddrinfo ENOTFOUND rates.internal",
            "    at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:dns:118:26) {",
            "  errno: -3008,",
            "  code: 'ENOTFOUND',",
            "  syscall: 'getaddrinfo',",
            "  hostname: 'rates.internal'",
            "}",
        ], every=5), log=Expect(patterns=(r"dns",), keywords=("ENOTFOUND",))),),
        "Node.js lib/internal/errors.js (dnsException), lib/dns.js",
    ),
    Scenario(
        "dns-python", "Python webhook sender: NameResolutionError", W, "north",
        (Svc("brook", loop([
            "@TS_PY@ ERROR notify: webhook delivery failed",
            "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='hooks.partner.example', port=443): Max "
            "retries exceeded with url: /v1/notify (Caused by NameResolutionError(\"<urllib3.connection."
            "HTTPSConnection object at 0x7f3a2c1b5d10>: Failed to resolve 'hooks.partner.example' ([Errno -2] Name "
            'or service not known)"))',
        ], every=5), log=Expect(patterns=(r"dns",), keywords=("Failed to resolve", "Name or service not known"))),),
        "urllib3 2.x connection.py (NameResolutionError), requests adapters.py",
    ),
    Scenario(
        "tls-expired-go", "Go client: x509 certificate has expired", W, "north",
        (Svc("cinder", loop([
            'time=@TS_ISO@ level=error msg="charge failed" err="Post \\"https://payments.partner.example/v1/charge\\": '
            "tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time "
            '2026-03-02T10:00:00Z is after 2025-11-30T23:59:59Z"',
        ], every=5), log=Expect(patterns=TLS, keywords=("expired",))),),
        "Go crypto/x509/verify.go (CertificateInvalidError Expired), crypto/tls handshake_client.go",
    ),
    Scenario(
        "tls-expired-node", "Node client: certificate has expired (CERT_HAS_EXPIRED)", D, "south",
        (Svc("scree", loop([
            "Error: certificate has expired",
            "    at TLSSocket.onConnectSecure (node:_tls_wrap:1674:34)",
            "    at TLSSocket.emit (node:events:519:28)",
            "    at TLSSocket._finishInit (node:_tls_wrap:1085:8)",
            "    at ssl.onhandshakedone (node:_tls_wrap:871:12) {",
            "  code: 'CERT_HAS_EXPIRED'",
            "}",
        ], every=5), log=Expect(patterns=TLS, keywords=("expired",))),),
        "Node.js lib/_tls_wrap.js (onConnectSecure), OpenSSL X509_V_ERR_CERT_HAS_EXPIRED text",
    ),
    Scenario(
        "tls-expired-python", "Python client: CERTIFICATE_VERIFY_FAILED certificate has expired", W, "north",
        (Svc("loam", loop([
            "@TS_PY@ ERROR rates: refresh failed",
            "requests.exceptions.SSLError: HTTPSConnectionPool(host='api.partner.example', port=443): Max retries "
            "exceeded with url: /v1/rates (Caused by SSLError(SSLCertVerificationError(1, '[SSL: "
            "CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)')))",
        ], every=5), log=Expect(patterns=TLS, keywords=("expired",))),),
        "CPython Modules/_ssl.c (SSLCertVerificationError), urllib3/requests wrapping",
    ),
    Scenario(
        "tls-expired-java", "Java client: PKIX validity check failed, CertificateExpiredException", D, "south",
        (Svc("shale", loop([
            "@TS_ISO@ ERROR 1 --- [   scheduling-1] c.e.rates.RateClient                     : rate refresh failed",
            "javax.net.ssl.SSLHandshakeException: PKIX path validation failed: java.security.cert."
            "CertPathValidatorException: validity check failed",
            "\tat java.base/sun.security.ssl.Alert.createSSLException(Alert.java:130)",
            "\tat java.base/sun.security.ssl.TransportContext.fatal(TransportContext.java:378)",
            "Caused by: java.security.cert.CertificateExpiredException: NotAfter: Sun Nov 30 23:59:59 UTC 2025",
            "\tat java.base/sun.security.x509.CertificateValidity.valid(CertificateValidity.java:182)",
        ], every=6, start=_SPRING_START), log=Expect(patterns=TLS, keywords=("expired", "validity check"))),),
        "OpenJDK sun/security/provider/certpath/BasicChecker.java, sun/security/x509/CertificateValidity.java",
    ),
    Scenario(
        "pool-hikari", "Java service: HikariCP pool exhausted", W, "north",
        (Svc("pumice", loop([
            "@TS_ISO@  WARN 1 --- [nio-8080-exec-@j@] o.h.engine.jdbc.spi.SqlExceptionHelper   : SQL Error: 0, "
            "SQLState: null",
            "@TS_ISO@ ERROR 1 --- [nio-8080-exec-@j@] o.h.engine.jdbc.spi.SqlExceptionHelper   : HikariPool-1 - "
            "Connection is not available, request timed out after 30000ms (total=10, active=10, idle=0, waiting=24)",
        ], every=4, start=_SPRING_START), log=Expect(keywords=("Connection is not available", "HikariPool"))),),
        "HikariCP HikariPool.java (createTimeoutException), Hibernate SqlExceptionHelper",
    ),
    Scenario(
        "pool-sqlalchemy", "Python app: SQLAlchemy QueuePool limit reached", D, "south",
        (Svc("marl", loop([
            "@TS_PY@ ERROR app: Exception on /api/cart [GET]",
            "sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection timed out, "
            "timeout 30.00 (Background on this error at: https://sqlalche.me/e/20/3o7r)",
        ], every=4), log=Expect(keywords=("QueuePool limit",))),),
        "SQLAlchemy lib/sqlalchemy/pool/impl.py (QueuePool._do_get), Flask log_exception",
    ),
    Scenario(
        "pool-db-too-many-clients", "Database: sorry, too many clients already", W, "north",
        (Svc("basalt", loop([
            "@TS_PG@ [@j@] FATAL:  sorry, too many clients already",
        ], every=3, start=_PG_START), log=Expect(patterns=(r"postgres\.too_many",), keywords=("too many clients",))),),
        "PostgreSQL src/backend/storage/ipc/procarray.c / proc.c (ERRCODE_TOO_MANY_CONNECTIONS)",
    ),
    Scenario(
        "upstream-timeout", "Proxy: upstream timed out, clients get 504", D, "south",
        (Svc("fescue", loop([
            "@TS_NGX@ [error] 29#29: *@i@ upstream timed out (110: Connection timed out) while reading response "
            'header from upstream, client: 10.0.4.@j@, server: shop.example, request: "GET /api/search HTTP/1.1", '
            'upstream: "http://127.0.0.1:9000/api/search", host: "shop.example"',
            _acc("10.0.4.@j@", "GET /api/search", 504, 167),
        ], every=3, start=_NGX_RUN), log=Expect(patterns=(r"nginx\.upstream_timeout", r"5xx_burst",
                                                           r"http_bad_gateway"))),),
        "nginx src/http/ngx_http_upstream.c (ngx_http_upstream_next: 'upstream timed out')",
    ),
    Scenario(
        "gunicorn-worker-timeout", "Python app server kills stuck workers: WORKER TIMEOUT", W, "north",
        (Svc("swale", loop([
            "[@TS_GUNI@] [1] [CRITICAL] WORKER TIMEOUT (pid:@j@)",
            "[@TS_GUNI@] [1] [ERROR] Worker (pid:@j@) was sent SIGKILL! Perhaps out of memory?",
            "[@TS_GUNI@] [1] [INFO] Booting worker with pid: 1@j@",
        ], every=5, start=("[@TS_GUNI@] [1] [INFO] Starting gunicorn 21.2.0",
                           "[@TS_GUNI@] [1] [INFO] Listening at: http://0.0.0.0:8000 (1)")),
            log=Expect(patterns=(r"gunicorn",), keywords=("WORKER TIMEOUT",))),),
        "gunicorn arbiter.py (murder_workers, reap_workers)",
    ),
]

# --------------------------------------------------------------------------------------------- resources
RESOURCES = [
    Scenario(
        "disk-full-db", "Database data volume (a 256 KiB tmpfs) really full: could not extend file", W, "meadow",
        (Svc("silt", loop([
            '@TS_PG@ [@j@] ERROR:  could not extend file "base/16384/16397": No space left on device',
            "@TS_PG@ [@j@] HINT:  Check free disk space.",
            '@TS_PG@ [@j@] STATEMENT:  INSERT INTO events (id, payload) VALUES ($1, $2)',
        ], every=4, start=_PG_START, pre="dd if=/dev/zero of=/var/lib/postgresql/data/fill bs=4k 2>&1 | head -1"),
            tmpfs=("/var/lib/postgresql/data:size=256k",),
            log=Expect(patterns=(r"disk_full",), keywords=("No space left",))),),
        "real tmpfs full (busybox dd's ENOSPC), PostgreSQL src/backend/storage/smgr/md.c (mdextend)",
    ),
    Scenario(
        "disk-full-cache", "Cache snapshot directory (a 128 KiB tmpfs) really full: background save fails", D, "south",
        (Svc("gravel", loop([
            "1:M @TS_RD@ * 1 changes in 60 seconds. Saving...",
            "1:M @TS_RD@ * Background saving started by pid 1@j@",
            "1@j@:C @TS_RD@ # Write error saving DB on disk: No space left on device",
            "1:M @TS_RD@ # Background saving error",
        ], every=5, start=_RD_START, pre="dd if=/dev/zero of=/data/fill bs=4k 2>&1 | head -1"),
            tmpfs=("/data:size=128k",), log=Expect(patterns=(r"disk_full", r"redis\.persistence"),
                                                  keywords=("No space left", "saving error"))),),
        "real tmpfs full, Redis src/rdb.c (rdbSave werr, backgroundSaveDoneHandlerDisk)",
    ),
    Scenario(
        "permission-root-owned", "Proxy running as nobody cannot create its cache dir on a root-owned mount", W,
        "meadow",
        (Svc("slate", crash([
            *_NGX_START,
            '@TS_NGX@ [emerg] 1#1: mkdir() "/var/cache/nginx/client_temp" failed (13: Permission denied)',
        ], pre="mkdir /var/cache/nginx/client_temp && exec sleep 3600"), user="65534:65534",
            tmpfs=("/var/cache/nginx:size=64k,mode=0755",), state=CRASH,
            log=Expect(patterns=(r"permission", r"nginx\."), keywords=("Permission denied",))),),
        "real EACCES (tmpfs owned by root, process runs as 65534), nginx src/core/ngx_file.c (ngx_create_paths)",
    ),
    Scenario(
        "permission-read-only", "App writes uploads on a read-only root filesystem: Errno 30", D, "south",
        (Svc("chalk", loop([
            "@TS_PY@ ERROR uploads: could not store upload",
            _PY_TB,
            '  File "/app/uploads/store.py", line 31, in save',
            '    with open(tmp_path, "wb") as fh:',
            "         ^^^^^^^^^^^^^^^^^^^^",
            "OSError: [Errno 30] Read-only file system: '/srv/uploads/tmp-@j@'",
        ], every=5, pre="touch /srv-probe 2>&1 | head -1"), read_only=True,
            log=Expect(keywords=("Read-only file system",))),),
        "real EROFS (read_only: true), CPython OSError str() format",
    ),
    Scenario(
        "port-in-use", "Second server binds a loopback port another service holds: EADDRINUSE", W, "meadow",
        (
            Svc("mica", 'trap "exit 0" TERM INT; mkdir -p /tmp/www; echo ok > /tmp/www/index.html; '
                "echo 'static: serving /tmp/www on 127.0.231.7:47231'; "
                "httpd -f -p 127.0.231.7:47231 -h /tmp/www & wait $!", role=HEALTHY, network="host"),
            Svc("flax", crash([
                "node:events:497",
                "      throw er; // Unhandled 'error' event",
                "      ^",
                "",
                "Error: listen EADDRINUSE: address already in use 127.0.231.7:47231",
                "    at Server.setupListenHandle [as _listen2] (node:net:1897:16)",
                "    at listenInCluster (node:net:1945:12)",
                "    at doListen (node:net:2109:7)",
                "    at process.processTicksAndRejections (node:internal/process/task_queues:83:21)",
                "Emitted 'error' event on Server instance at:",
                "    at emitErrorNT (node:net:1924:8)",
                "    at process.processTicksAndRejections (node:internal/process/task_queues:82:21) {",
                "  code: 'EADDRINUSE',",
                "  errno: -98,",
                "  syscall: 'listen',",
                "  address: '127.0.231.7',",
                "  port: 47231",
                "}",
                *_NODE_TAIL,
            ], pre="sleep 2; httpd -p 127.0.231.7:47231 -h /tmp 2>/dev/null && exec sleep 3600"),
                network="host", depends_on=("mica",), state=CRASH,
                log=Expect(patterns=(r"address_in_use",), keywords=("EADDRINUSE", "address already in use"))),
        ),
        "real bind failure on 127.0.231.7:47231 (busybox httpd), Node.js lib/net.js (uvExceptionWithHostPort)",
    ),
    Scenario(
        "health-wrong-port", "Healthcheck probes 47233 while the server listens on 47232: unhealthy", W, "meadow",
        (Svc("quartz", 'trap "exit 0" TERM INT; mkdir -p /tmp/www; echo ok > /tmp/www/healthz; '
             "echo 'web: listening on 127.0.231.8:47232'; httpd -f -p 127.0.231.8:47232 -h /tmp/www & wait $!",
             network="host", health=("wget", "-q", "-O", "/dev/null", "http://127.0.231.8:47233/healthz"),
             state=Expect(codes=("unhealthy",))),),
        "real failing healthcheck (busybox wget to a closed port)",
    ),
]

# --------------------------------------------------------------------------------------------- app level
APPLICATION = [
    Scenario(
        "rate-limit-proxy", "Proxy limit_req rejects clients with 429", W, "meadow",
        (Svc("thatch", loop([
            "@TS_NGX@ [error] 30#30: *@i@ limiting requests, excess: 20.560 by zone \"api\", client: 10.0.5.@j@, "
            'server: api.example, request: "POST /v1/quotes HTTP/1.1", host: "api.example"',
            _acc("10.0.5.@j@", "POST /v1/quotes", 429, 169, "python-requests/2.31.0"),
        ], every=1, start=_NGX_RUN), log=Expect(patterns=(r"rate_limit", r"limit_req"),
                                                 keywords=("429", "limiting requests"))),),
        "nginx src/http/modules/ngx_http_limit_req_module.c ('limiting requests, excess: %ui.%03ui by zone')",
    ),
    Scenario(
        "rate-limit-client", "Python client gets 429 Too Many Requests from an API", D, "south",
        (Svc("osier", loop([
            "@TS_PY@ ERROR sync: issue sync failed",
            "requests.exceptions.HTTPError: 429 Client Error: Too Many Requests for url: "
            "https://api.github.com/repos/acme/shop/issues?state=open&page=@i@",
        ], every=3), log=Expect(patterns=(r"rate_limit",), keywords=("Too Many Requests", "429"))),),
        "requests models.py (Response.raise_for_status)",
    ),
    Scenario(
        "reload-config-error", "Running proxy rejects a reloaded config: [emerg] unexpected '}'", W, "meadow",
        (Svc("wattle", loop([
            _acc("10.0.6.@j@", "GET /", 200, 612),
            "@TS_NGX@ [notice] 1#1: signal 1 (SIGHUP) received from 1@j@, reconfiguring",
            '@TS_NGX@ [emerg] 1#1: unexpected "}" in /etc/nginx/conf.d/shop.conf:31',
        ], every=8, start=_NGX_RUN), log=Expect(patterns=(r"nginx\.config",), keywords=("emerg", "unexpected"))),),
        "nginx src/core/ngx_conf_file.c ('unexpected \"%c\"'), src/os/unix/ngx_process_cycle.c (reconfiguring)",
    ),
    Scenario(
        "cache-oom-client", "Node session store: Redis OOM command not allowed", D, "south",
        (Svc("pith", loop([
            "ReplyError: OOM command not allowed when used memory > 'maxmemory'.",
            "    at parseError (/srv/app/node_modules/redis-parser/lib/parser.js:179:12)",
            "    at parseType (/srv/app/node_modules/redis-parser/lib/parser.js:302:14) {",
            "  command: { name: 'set', args: [ 'sess:@j@', '[object Object]', 'EX', '86400' ] }",
            "}",
        ], every=4), log=Expect(patterns=(r"redis\.oom",), keywords=("OOM command not allowed",))),),
        "Redis src/server.c (shared.oomerr), redis-parser lib/parser.js, ioredis",
    ),
    Scenario(
        "broker-memory-alarm", "Message broker memory alarm: publishers blocked", W, "meadow",
        (Svc("cairn", loop([
            "@TS_RMQ@ [warning] <0.254.0> memory resource limit alarm set on node 'rabbit@cairn'.",
            "@TS_RMQ@ [warning] <0.254.0> ",
            "@TS_RMQ@ [warning] <0.254.0> **********************************************************",
            "@TS_RMQ@ [warning] <0.254.0> *** Publishers will be blocked until this alarm clears ***",
            "@TS_RMQ@ [warning] <0.254.0> **********************************************************",
        ], every=10, start=(
            "@TS_RMQ@ [info] <0.230.0> Server startup complete; 4 plugins started.",
            "@TS_RMQ@ [info] <0.254.0> vm_memory_high_watermark set. Memory used:858993459 allowed:858993459",
        )), log=Expect(keywords=("alarm set", "Publishers will be blocked"))),),
        "RabbitMQ deps/rabbit/src/rabbit_alarm.c/.erl (alarm set on node, banner), vm_memory_monitor.erl",
    ),
    Scenario(
        "search-flood-stage", "Search node over the flood-stage watermark, cluster RED", D, "south",
        (Svc("scoria", loop([
            '{"@timestamp":"@TS_ISO@", "log.level": "WARN", "message":"flood stage disk watermark [95%] exceeded on '
            "[x1Yq3XrwQyG2bK6QpW8a1g][scoria][/usr/share/elasticsearch/data] free: 1.1gb[3.9%], all indices on "
            'this node will be marked read-only", "ecs.version": "1.2.0","service.name":"ES_ECS","event.dataset":'
            '"elasticsearch.server","process.thread.name":"elasticsearch[scoria][generic][T#4]","log.logger":'
            '"org.elasticsearch.cluster.routing.allocation.DiskThresholdMonitor","elasticsearch.node.name":'
            '"scoria","elasticsearch.cluster.name":"docker-cluster"}',
            '{"@timestamp":"@TS_ISO@", "log.level": "WARN", "message":"Cluster health status changed from [YELLOW] '
            'to [RED] (reason: [shards failed [[orders][0]]]).", "ecs.version": "1.2.0","service.name":"ES_ECS",'
            '"event.dataset":"elasticsearch.server","process.thread.name":"elasticsearch[scoria][masterService#'
            'updateTask][T#1]","log.logger":"org.elasticsearch.cluster.routing.allocation.AllocationService",'
            '"elasticsearch.node.name":"scoria","elasticsearch.cluster.name":"docker-cluster"}',
        ], every=10), log=Expect(keywords=("flood stage", r"\[RED\]", "read-only"))),),
        "Elasticsearch DiskThresholdMonitor.java, AllocationService.java, ECS JSON layout of 8.x",
    ),
    Scenario(
        "stream-broker-unavailable", "Stream producer: broker may not be available, metadata timeout", W, "meadow",
        (Svc("lichen", loop([
            "[@TS_KAFKA@] WARN [Producer clientId=producer-1] Connection to node 1 (kafka-1/127.0.0.1:9092) could "
            "not be established. Broker may not be available. (org.apache.kafka.clients.NetworkClient)",
            "[@TS_KAFKA@] ERROR Failed to send order event (com.example.orders.EventPublisher)",
            "org.apache.kafka.common.errors.TimeoutException: Topic orders not present in metadata after 60000 ms.",
        ], every=5), log=Expect(keywords=("Broker may not be available", "not present in metadata"))),),
        "Apache Kafka clients NetworkClient.java (processDisconnection), KafkaProducer.java (waitOnMetadata)",
    ),
    Scenario(
        "stream-isr-shrink", "Stream broker: follower fetches fail, ISR shrinks to the leader", D, "south",
        (Svc("tuff", loop([
            "[@TS_KAFKA@] WARN [ReplicaFetcher replicaId=1, leaderId=2, fetcherId=0] Error in response for fetch "
            "request (type=FetchRequest, replicaId=1, maxWait=500, minBytes=1, maxBytes=10485760) "
            "(kafka.server.ReplicaFetcherThread)",
            "java.io.IOException: Connection to 2 was disconnected before the response was read",
            "\tat org.apache.kafka.clients.NetworkClientUtils.sendAndReceive(NetworkClientUtils.java:99)",
            "[@TS_KAFKA@] INFO [Partition orders-3 broker=1] Shrinking ISR from 1,2,3 to 1. Leader: (highWatermark: "
            "1042, endOffset: 1077). Out of sync replicas: (brokerId: 2, endOffset: 1042) (brokerId: 3, endOffset: "
            "1042). (kafka.cluster.Partition)",
        ], every=6), log=Expect(keywords=("Shrinking ISR", "disconnected before the response", "Out of sync"))),),
        "Apache Kafka core Partition.scala (maybeShrinkIsr), AbstractFetcherThread.scala",
    ),
]

# --------------------------------------------------------------------------------------------- healthy
HEALTHY_NOISY = [
    Scenario(
        "healthy-proxy-access", "Proxy access log: 200/304, favicon 404s, healthcheck lines", W, "meadow",
        (Svc("alder", loop([
            _acc("10.0.7.@j@", "GET /products/@i@", 200, 5120),
            _acc("10.0.7.@j@", "GET /favicon.ico", 404, 153),
            _acc("127.0.0.1", "GET /healthz", 200, 2, "Wget"),
            _acc("10.0.7.@j@", "GET /static/app.css", 304, 0),
        ], every=3, start=_NGX_RUN), role=HEALTHY),),
        "nginx combined log format; favicon 404s are normal for API hosts", kind="healthy",
    ),
    Scenario(
        "healthy-db", "Database: checkpoints, autovacuum, connection logging", D, "south",
        (Svc("birch", loop([
            "@TS_PG@ [@j@] LOG:  connection received: host=127.0.0.1 port=4@j@12",
            "@TS_PG@ [@j@] LOG:  connection authorized: user=app database=app application_name=psql",
            "@TS_PG@ [30] LOG:  checkpoint starting: time",
            "@TS_PG@ [30] LOG:  checkpoint complete: wrote 3 buffers (0.0%); 0 WAL file(s) added, 0 removed, 0 "
            "recycled; write=0.203 s, sync=0.004 s, total=0.219 s; sync files=2, longest=0.003 s, average=0.002 s; "
            "distance=9 kB, estimate=9 kB; lsn=0/1A2B3C8, redo lsn=0/1A2B390",
            "@TS_PG@ [@j@] LOG:  disconnection: session time: 0:00:00.012 user=app database=app host=127.0.0.1 "
            "port=4@j@12",
        ], every=6, start=_PG_START), role=HEALTHY),),
        "PostgreSQL log_connections/log_disconnections/log_checkpoints wording (xlog.c, postmaster.c)",
        kind="healthy",
    ),
    Scenario(
        "healthy-cache", "Cache server: overcommit warning at start, periodic snapshots", W, "meadow",
        (Svc("cedar", loop([
            "1:M @TS_RD@ * 100 changes in 300 seconds. Saving...",
            "1:M @TS_RD@ * Background saving started by pid 2@j@",
            "2@j@:C @TS_RD@ * DB saved on disk",
            "2@j@:C @TS_RD@ * Fork CoW for RDB: current 0 MB, peak 0 MB, average 0 MB",
            "1:M @TS_RD@ * Background saving terminated with success",
        ], every=8, start=(
            "1:C @TS_RD@ # WARNING Memory overcommit must be enabled! Without it, a background save or replication "
            "may fail under low memory condition. Being disabled, it can also cause failures without low memory "
            "condition, see https://github.com/jemalloc/jemalloc/issues/1328. To fix this issue add "
            "'vm.overcommit_memory = 1' to /etc/sysctl.conf and then reboot or run the command 'sysctl "
            "vm.overcommit_memory=1' for this to take effect.",
            *_RD_START,
        )), role=HEALTHY),),
        "Redis src/server.c (linuxMemoryWarnings, ready line), src/rdb.c (background save messages)",
        kind="healthy",
    ),
    Scenario(
        "healthy-logfmt-retry", "Go service logfmt: one retry at start (attempt=1), debug counters", D, "south",
        (Svc("rowan", loop([
            'time=@TS_ISO@ level=debug msg="cache stats" hits=120 misses=3 errors=0 evictions=0',
            'time=@TS_ISO@ level=info msg="request served" method=GET path=/v1/items status=200 duration=4ms',
        ], every=4, start=(
            'time=@TS_ISO@ level=info msg="retrying connection to queue" attempt=1 backoff=1s',
            'time=@TS_ISO@ level=info msg="connected to queue" attempt=2',
        )), role=HEALTHY),),
        "log/slog TextHandler format", kind="healthy",
    ),
    Scenario(
        "healthy-json-null-error", "JSON logs whose error field is null or empty", W, "meadow",
        (Svc("aspen", loop([
            '{"level":"info","ts":"@TS_ISO@","logger":"http","msg":"request completed","method":"GET",'
            '"path":"/api/cart","status":200,"duration_ms":12,"error":null}',
            '{"level":"debug","ts":"@TS_ISO@","logger":"jobs","msg":"job finished","job":"reindex-@i@",'
            '"failed":0,"err":""}',
        ], every=3), role=HEALTHY),),
        "zap/pino-style JSON structured logs", kind="healthy",
    ),
    Scenario(
        "healthy-python-info", "Python INFO lines mentioning error handlers and zero failures", D, "south",
        (Svc("hazel", loop([
            "@TS_PY@ INFO worker: batch done processed=100 failed=0 errors=0",
            "@TS_PY@ DEBUG worker: error budget remaining 100% (0 failures in the last hour)",
        ], every=4, start=(
            "@TS_PY@ INFO app.errors: error handlers registered for 404, 500",
            "@TS_PY@ INFO sentry_sdk: Sentry initialised, unhandled errors will be reported",
        )), role=HEALTHY),),
        "Python logging default format", kind="healthy",
    ),
    Scenario(
        "healthy-spring-boot", "Spring Boot start-up: the /error mapping, Hikari start, INFO", W, "meadow",
        (Svc("lupin", loop([
            "@TS_ISO@ DEBUG 1 --- [nio-8080-exec-@j@] o.s.web.servlet.DispatcherServlet        : Completed 200 OK",
        ], every=5, start=(
            *_SPRING_START,
            "@TS_ISO@  INFO 1 --- [           main] com.zaxxer.hikari.HikariDataSource       : HikariPool-1 - "
            "Starting...",
            "@TS_ISO@  INFO 1 --- [           main] com.zaxxer.hikari.HikariDataSource       : HikariPool-1 - Start "
            "completed.",
            "@TS_ISO@  INFO 1 --- [           main] s.w.s.m.m.a.RequestMappingHandlerMapping : Mapped \"{[/error]}\" "
            "onto public org.springframework.http.ResponseEntity<java.util.Map<java.lang.String, java.lang.Object>> "
            "org.springframework.boot.autoconfigure.web.servlet.error.BasicErrorController.error(jakarta.servlet."
            "http.HttpServletRequest)",
        )), role=HEALTHY),),
        "Spring Boot 3 default console pattern, HikariDataSource, RequestMappingHandlerMapping", kind="healthy",
    ),
    Scenario(
        "healthy-node-morgan", "Node web app (morgan dev): 200s and favicon 404s", D, "south",
        (Svc("moss", loop([
            "GET /api/items?page=@i@ 200 12.314 ms - 512",
            "GET /favicon.ico 404 0.512 ms - 150",
            "GET /healthz 200 0.211 ms - 2",
        ], every=3, start=("Server listening on port 3000",)), role=HEALTHY),),
        "expressjs/morgan 'dev' format", kind="healthy",
    ),
    Scenario(
        "healthy-search", "Search node: cluster health GREEN, INFO JSON lines", W, "meadow",
        (Svc("fern", loop([
            '{"@timestamp":"@TS_ISO@", "log.level": "INFO", "message":"[orders-@i@] update_mapping [_doc]", '
            '"ecs.version": "1.2.0","service.name":"ES_ECS","event.dataset":"elasticsearch.server",'
            '"process.thread.name":"elasticsearch[fern][masterService#updateTask][T#1]","log.logger":'
            '"org.elasticsearch.cluster.metadata.MetadataMappingService","elasticsearch.node.name":"fern",'
            '"elasticsearch.cluster.name":"docker-cluster"}',
        ], every=6, start=(
            '{"@timestamp":"@TS_ISO@", "log.level": "INFO", "message":"Cluster health status changed from [YELLOW] '
            'to [GREEN] (reason: [shards started [[orders][0]]]).", "ecs.version": "1.2.0","service.name":"ES_ECS",'
            '"event.dataset":"elasticsearch.server","process.thread.name":"elasticsearch[fern][masterService#'
            'updateTask][T#1]","log.logger":"org.elasticsearch.cluster.routing.allocation.AllocationService",'
            '"elasticsearch.node.name":"fern","elasticsearch.cluster.name":"docker-cluster"}',
        )), role=HEALTHY),),
        "Elasticsearch 8 ECS JSON server log", kind="healthy",
    ),
    Scenario(
        "healthy-broker", "Message broker: connections accepted and closed, startup complete", D, "south",
        (Svc("reed", loop([
            "@TS_RMQ@ [info] <0.7@j@.0> accepting AMQP connection <0.7@j@.0> (127.0.0.1:4@j@22 -> 127.0.0.1:5672)",
            "@TS_RMQ@ [info] <0.7@j@.0> connection <0.7@j@.0> (127.0.0.1:4@j@22 -> 127.0.0.1:5672): user 'app' "
            "authenticated and granted access to vhost '/'",
            "@TS_RMQ@ [info] <0.7@j@.0> closing AMQP connection <0.7@j@.0> (127.0.0.1:4@j@22 -> 127.0.0.1:5672, "
            "vhost: '/', user: 'app')",
        ], every=5, start=("@TS_RMQ@ [info] <0.230.0> Server startup complete; 4 plugins started.",)),
            role=HEALTHY),),
        "RabbitMQ rabbit_reader.erl connection lifecycle messages", kind="healthy",
    ),
    Scenario(
        "healthy-stream-broker", "Stream broker: started, group rebalances, log rolls", W, "meadow",
        (Svc("sedge", loop([
            "[@TS_KAFKA@] INFO [GroupCoordinator 1]: Preparing to rebalance group billing in state "
            "PreparingRebalance with old generation @i@ (__consumer_offsets-12) (reason: Adding new member "
            "consumer-billing-1-5b1f with group instance id None) (kafka.coordinator.group.GroupCoordinator)",
            "[@TS_KAFKA@] INFO [GroupCoordinator 1]: Stabilized group billing generation @i@ (__consumer_offsets-12) "
            "with 2 members (kafka.coordinator.group.GroupCoordinator)",
        ], every=8, start=("[@TS_KAFKA@] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)",)),
            role=HEALTHY),),
        "Apache Kafka GroupCoordinator.scala, KafkaServer.scala", kind="healthy",
    ),
    Scenario(
        "healthy-mysql-defaults", "MySQL-compatible server: the image's default [Warning] lines, ready", D, "south",
        (Svc("clover", loop([
            "@TS_MY@ 0 [Note] [MY-010914] [Server] Aborted connection @j@ to db: 'shop' user: 'app' host: "
            "'127.0.0.1' (Got an error reading communication packets).",
        ], every=600, start=(
            "@TS_MY@ 0 [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.36) starting as process 1",
            "@TS_MY@ 1 [System] [MY-013577] [InnoDB] InnoDB initialization has ended.",
            "@TS_MY@ 0 [Warning] [MY-010068] [Server] CA certificate ca.pem is self signed.",
            "@TS_MY@ 0 [System] [MY-013602] [Server] Channel mysql_main configured to support TLS. Encrypted "
            "connections are now supported for this channel.",
            "@TS_MY@ 0 [Warning] [MY-011810] [Server] Insecure configuration for --pid-file: Location "
            "'/var/run/mysqld' in the path is accessible to all OS users. Consider choosing a different directory.",
            "@TS_MY@ 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '8.0.36'  "
            "socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL.",
        )), role=HEALTHY),),
        "MySQL 8.0 official image start-up log; one aborted-connection note (a client that went away)",
        kind="healthy",
    ),
    Scenario(
        "healthy-job-retry", "Job runner: one retried attempt that then succeeds", W, "meadow",
        (Svc("yarrow", loop([
            "@TS_PY@ INFO jobs: export-@i@ started",
            "@TS_PY@ INFO jobs: export-@i@ succeeded in 0.84s (0 failed, 12 succeeded)",
        ], every=6, start=(
            "@TS_PY@ INFO jobs: export-0 attempt 1/5 timed out after 30s, retrying in 5s",
            "@TS_PY@ INFO jobs: export-0 succeeded on attempt 2/5",
        )), role=HEALTHY),),
        "Python logging; a retry that succeeded is not a fault", kind="healthy",
    ),
    Scenario(
        "healthy-checked-web", "Web server with a correct healthcheck (the wrong-port scenario's twin)", D, "south",
        (Svc("vetch", 'trap "exit 0" TERM INT; mkdir -p /tmp/www; echo ok > /tmp/www/healthz; '
             "echo 'web: listening on 127.0.231.9:47234'; httpd -f -p 127.0.231.9:47234 -h /tmp/www & wait $!",
             role=HEALTHY, network="host",
             health=("wget", "-q", "-O", "/dev/null", "http://127.0.231.9:47234/healthz")),),
        "real passing healthcheck (busybox wget)", kind="healthy",
    ),
]

CATALOGUE = Catalogue([*CRASHES, *MEMORY, *CHAINS, *DEPENDENCIES, *RESOURCES, *APPLICATION, *HEALTHY_NOISY])

__all__ = ["CATALOGUE", "says"]
