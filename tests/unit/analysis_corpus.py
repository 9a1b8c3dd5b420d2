"""A large, varied, deterministic log corpus for the analysis equivalence test.

Each case is ``(name, pairs, kind, php_site)``: the lines an ``analyze_lines`` call gets.
The results were recorded into ``tests/fixtures/analysis/*.json`` from the analyzer as it was
before its hot path was optimised; re-record only after a deliberate change of results:

    .venv/bin/python -m tests.unit.analysis_corpus --record
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.log_throughput import make_log
from dozor.analysis import PATTERNS_BY_ID, LogAnalysis, analyze_lines
from dozor.analysis.patterns import PATTERNS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "analysis"
T0 = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
Pairs = list[tuple[datetime | None, str]]

_CLF = '{ip} - - [27/Nov/2026:05:{m:02d}:{s:02d} +0000] "{req}" {status} {size} "-" "{ua}"'
_UAS = ("Mozilla/5.0 (X11; Linux x86_64)", "curl/8.5.0", "python-requests/2.31", "Go-http-client/1.1", "-")
_NORMAL_PATHS = ("/", "/api/orders", "/api/v1/products/137", "/static/app.js?v=429", "/health", "/api/errors")
_SCANNER_PATHS = (
    "/.env",
    "/api/.env",
    "/.git/config",
    "/.git/",
    "/wp-login.php",
    "/wp-admin/setup-config.php",
    "/xmlrpc.php",
    "/index.php",
    "/index.php?s=/Index/\\think\\app/invokefunction",
    "/phpmyadmin/index.php",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
    "/cgi-bin/luci",
    "/actuator/env",
    "/actuator/health",
    "/server-status",
    "/backup.sql",
    "/db.zip",
    "/site.bak",
    "/../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/info.php",
    "/phpinfo",
    "/boaform/admin/formLogin",
    "/HNAP1/",
    "/solr/admin/info/system",
    "/console/login/LoginForm.jsp",
    "/Autodiscover/Autodiscover.xml",
    "/shop/page.PHP",
    "/upload.php?file=x.php",
)
_METHODS = ("GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PROPFIND")
_STATUSES = (200, 200, 200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 404, 429, 500, 501, 502, 503, 504)

# Lines that are not plain CLF access requests but look close to one.
_ODD_ACCESS = (
    '45.1.2.3 - - [27/Nov/2026:05:13:18 +0000] "\\x16\\x03\\x01\\x00" 400 157 "-" "-"',
    '45.1.2.3 - - [27/Nov/2026:05:13:18 +0000] "-" 400 0 "-" "-"',
    '45.1.2.3 - - [27/Nov/2026:05:13:18 +0000] "CONNECT example.com:443 HTTP/1.1" 400 0 "-" "-"',
    '45.1.2.3 - - [27/Nov/2026:05:13:18 +0000] "GET http://example.com/ HTTP/1.1" 200 0 "-" "-"',
    '45.1.2.3 - - [27/Nov/2026:05:13:18 +0000] "GET https://example.com/ HTTP/1.1" 502 0 "-" "-"',
    '45.1.2.3 - - [27/Nov/2026:05:13:18 +0000] "GET /a\\"b HTTP/1.1" 502 0 "-" "-"',
    '45.1.2.3 - - [27/Nov/2026:05:13:18 +0000] "GET /a\\\\ HTTP/1.1" 200 0 "-" "-"',
    '45.1.2.3 - - [27/Nov/2026:05:13:18 +0000] "GET /x HTTP/1.1" 502',
    '45.1.2.3 - - [27/Nov/2026:05:13:18 +0000] "GET /x HTTP/1.1" 5020 1 "-" "-"',
    '45.1.2.3 - - [27/Nov/2026:05:13:18 +0000] "GET /x HTTP/1.1" \u0665\u0660\u0662 1 "-" "-"',
    '45.1.2.3  - - [27/Nov/2026:05:13:18 +0000] "GET /x HTTP/1.1" 502 1 "-" "-"',
    '45.1.2.3 - - [27/Nov/2026:05:13:18 +0000] "get /x HTTP/1.1" 502 1 "-" "-"',
    '45.1.2.3 - - [27/Nov/2026:05:13:18 +0000] "GETTINGLONGMETHOD /x HTTP/1.1" 200 1 "-" "-"',
    '45.1.2.3 - - [27/Nov/2026:05:13:18 +0000] "GET  HTTP/1.1" 200 1 "-" "-"',
    '45.1.2.3 - - [27/Nov/2026:05:13:18 +0000] "GET /x" 503 1 "-" "-"',
    '45.1.2.3 - - [27/Nov/2026:05:13:18 +0000] "GET /x HTTP/1.1" 502 1 "-" "-" upstream error: connection refused',
    '45.1.2.3 - - [27/Nov/2026:05:13:18 +0000] "GET /x HTTP/1.1" 200 1 "-" "-" upstream error: connection refused',
    '45.1.2.3 - - [27/Nov/2026:05:13:18 +0000] "GET /x HTTP/1.1" 200 1 "-" "Traceback (most recent call last):"',
    '45.1.2.3 - - [99/Foo/2026:05:13:18 +0000] "GET /x HTTP/1.1" 502 1 "-" "-"',
    '45.1.2.3 - - [27/Nov/2026:05:13:18] "GET /x HTTP/1.1" 504 1 "-" "-"',
    '{45.1.2.3 - - [27/Nov/2026:05:13:18 +0000] "GET /x HTTP/1.1" 502 1 "-" "-"',
    'proxy said: x] "GET /x HTTP/1.1" 502 error',
    '10.0.0.1 - - [27/Nov/2026:05:13:18 +0000] "GET /wp-login.php HTTP/1.1" 200 1 "-" "K\u212aelvin"',
    '10.0.0.1 - - [27/Nov/2026:05:13:18 +0000] "GET /\u0130ndex.php HTTP/1.1" 200 1 "-" "-"',
    '10.0.0.1 - - [27/Nov/2026:05:13:18 +0000] "GET /.ENV HTTP/1.1" 200 1 "-" "-"',
)
_JSON_LINES = (
    '{"ClientHost":"45.1.2.3","DownstreamStatus":200,"RequestMethod":"GET","RequestPath":"/.env",'
    '"StartUTC":"2026-11-27T05:13:18.123Z","level":"info","msg":""}',
    '{"ClientHost":"10.0.0.9","DownstreamStatus":502,"RequestMethod":"GET","RequestPath":"/api",'
    '"StartUTC":"2026-11-27T05:13:19Z"}',
    '{"ClientAddr":"10.0.0.9:5555","DownstreamStatus":504,"RequestMethod":"POST","RequestPath":"/api/pay",'
    '"time":"2026-11-27T05:13:20Z"}',
    '{"ClientHost":"10.0.0.9","DownstreamStatus":429,"RequestMethod":"GET","RequestPath":"/api"}',
    '{"level":"info","ts":1795756398.5,"logger":"http.log.access","msg":"handled request","request":'
    '{"remote_ip":"45.1.2.3","client_ip":"45.1.2.3","method":"GET","host":"example.com","uri":'
    '"/.git/config"},"status":404,"size":0}',
    '{"level":"error","ts":1795756399.25,"logger":"http.log.access","msg":"handled request","request":'
    '{"remote_ip":"10.0.0.7","method":"GET","uri":"/api/orders"},"status":502,"size":0}',
    '{"level":"info","ts":1795756400,"msg":"handled request","request":{"remote_ip":"10.0.0.7","method":"GET",'
    '"uri":"/"},"status":200}',
    '{"time":"2026-01-01T10:00:00Z","level":"info","msg":"request handled","status":200,"duration_ms":12}',
    '{"time":"2026-01-01T10:00:00Z","level":"error","msg":"request failed","status":500,"error":"timeout"}',
    '{"msg":"call failed","status_code": 429}',
    '{"\\u0044ownstreamStatus":502,"status":1,"RequestPath":"/api","RequestMethod":"GET"}',
    '{"level":"info","msg":"x","\\u0072equest":{"uri":"/.env","method":"GET"},"status":200}',
    '{"status": 200, "request": "not a dict"}',
    '{"status": 502, broken json',
    '["status", 502]',
    '{"t":{"$date":"2026-11-27T05:13:18.123+00:00"},"s":"E","c":"NETWORK","id":1,"msg":"Error receiving"}',
    '{"t":{"$date":"2026-11-27T05:13:18.123+00:00"},"s":"I","c":"NETWORK","id":2,"msg":"Connection ended"}',
)
_TRACEBACKS = (
    (
        "Traceback (most recent call last):",
        '  File "/app/main.py", line 12, in handler',
        "    value = int(raw)",
        "ValueError: invalid literal for int() with base 10: 'x'",
        "",
        "During handling of the above exception, another exception occurred:",
        "",
        "Traceback (most recent call last):",
        '  File "/app/main.py", line 14, in handler',
        '    raise RuntimeError("wrapped")',
        "RuntimeError: wrapped",
    ),
    (
        "Traceback (most recent call last):",
        '  File "/app/db.py", line 3, in connect',
        'psycopg2.OperationalError: connection to server at "db" (172.18.0.2), port 5432 failed: '
        'FATAL:  password authentication failed for user "app"',
    ),
    ("Traceback (most recent call last):", '  File "/app/x.py", line 1, in <module>'),
    ("  Traceback (most recent call last):", "\tstill indented", "KeyboardInterrupt"),
    ("Traceback (most recent call last):", "The above exception was the direct cause of the following exception:"),
    ("Traceback (most recent call last):", "not a final line at all", "SystemExit: 1", "after"),
    (
        'Exception in thread "main" java.lang.IllegalStateException: boom',
        "\tat com.example.App.main(App.java:12)",
        "Caused by: java.io.IOException: disk gone",
        "\t... 3 more",
        "com.example.Next.run(Next.java:3)",
        "after the frames ERROR something else",
    ),
    (
        "panic: runtime error: invalid memory address or nil pointer dereference",
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a1b2c]",
        "",
        "goroutine 1 [running]:",
        "main.main()",
        "\t/app/main.go:12 +0x1d",
        "created by main.start",
        "exit status 2",
    ),
    (
        "TypeError: Cannot read properties of undefined (reading 'id')",
        "    at handler (/app/index.js:10:5)",
        "Node.js v20.11.0",
    ),
    ("java.lang.OutOfMemoryError: Java heap space", "\tat java.util.Arrays.copyOf(Arrays.java:3210)"),
)
_MISC = (
    "",
    " ",
    "\t",
    "0 errors",
    "errors=0",
    "no errors found",
    "retry after error cleared",
    "on_error handler installed",
    "2026-11-27 05:13:18,123 INFO stats error_count=0 warnings=0",
    "2026-11-27 05:13:18,123 INFO request failed for user bob",
    "2026-11-27 05:13:18,123 ERROR request failed for user bob",
    "2026-11-27 05:13:18,123 ERR something odd happened",
    "2026-11-27 05:13:18,123 CRIT disk almost gone",
    "2026-11-27 05:13:18,123 WARN alert: queue depth 4000",
    'level=error msg="upstream failure" code=500',
    'level=info msg="exited with code 137"',
    "container web exited with code 137",
    "worker exit status 139",
    "exit code 143 after SIGTERM",
    "    indented error line should not be clustered: fatal",
    "FATAL: something severe with no pattern at 0x7ffd1234abcd",
    "Severe: panic in module 42 at /srv/app/v2/mod.py",
    "x" * 120 + " INFO but error after the level window",
    "e" * 400 + " error at the very end of a long line",
    "2026-11-27T05:13:18Z ERROR \u00fcnicode \u4e2d\u6587 error line \u03a3\u03a3",
    "2026-11-27T05:13:18Z ERROR Kelvin \u212aILLED process",
    "2026-11-27T05:13:18Z NOTICE \u0130STANBUL timed out",
    "null byte \x00 error here",
    "windows line error\r",
    "carriage\rreturn inside error",
    "line with trailing newline error\n",
    "line with\ninternal newline error",
    "upstream connect error: Connection refused to payments:443",
    "HTTP/1.1 429 Too Many Requests",
    "upstream answered status=429",
    "2026-11-27 04:29:13 INFO handled request id=a429f in 429ms status=200",
    "no space left on device",
    "ENOSPC: write failed",
    "dial tcp: lookup db on 127.0.0.11:53: no such host",
    "getaddrinfo ENOTFOUND redis",
    "x509: certificate signed by unknown authority",
    "Killed",
    "Out of memory: Killed process 1234 (java)",
    "Error: connect ECONNREFUSED 127.0.0.1:27017",
    "MongoServerSelectionError: connect ECONNREFUSED 10.0.0.3:27017",
    "redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.",
    "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) could not connect",
    "django.core.exceptions.ImproperlyConfigured: settings",
    'errors.UndefinedTable: relation "x" does not exist',
    "[ERROR] [MY-012345] [InnoDB] Operating system error number 28",
    "2026-11-27  5:13:18 12 [ERROR] Aborting",
    "SyntaxError: invalid syntax",
    "some.module.CustomError",
    "Uncaught TypeError: x is not a function",
    "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'x'",
    "fatal error: all goroutines are asleep - deadlock!",
    "goroutine 7 [chan receive]:",
    "ModuleNotFoundError: No module named 'x'",
    "[2026-11-27 05:13:18 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:7)",
    "gunicorn Worker (pid:8) was sent SIGKILL! Perhaps out of memory?",
    '2026/11/27 05:13:18 [emerg] 1#1: host not found in upstream "app:8000"',
    "2026/11/27 05:13:18 [warn] 1#1: *9 an upstream response is buffered to a temporary file",
)


def _ts_mode(rnd: random.Random, i: int, mode: str) -> datetime | None:
    if mode == "none":
        return None
    if mode == "mixed" and rnd.random() < 0.2:
        return None
    return T0 + timedelta(seconds=i * (3 if mode == "sparse" else 1) + rnd.choice((0, 0, 0, -5, 7)))


def _access(rnd: random.Random, i: int) -> str:
    roll = rnd.random()
    if roll < 0.25:
        path = rnd.choice(_SCANNER_PATHS)
    elif roll < 0.3:
        return rnd.choice(_ODD_ACCESS)
    else:
        path = rnd.choice(_NORMAL_PATHS)
    req = f"{rnd.choice(_METHODS)} {path} HTTP/1.1"
    return _CLF.format(
        ip=f"10.0.{i % 7}.{rnd.randrange(1, 9)}",
        m=(i // 60) % 60,
        s=i % 60,
        req=req,
        status=rnd.choice(_STATUSES),
        size=rnd.randrange(0, 5000),
        ua=rnd.choice(_UAS),
    )


def _library_lines() -> list[str]:
    return [line for p in PATTERNS for line in (*p.examples, *p.near_misses)]


def mixed_lines(seed: int, n: int) -> list[str]:
    """A seeded soup of every line family of this module."""
    rnd = random.Random(seed)
    library = _library_lines()
    healthy = make_log(n, error_rate=0.0, seed=seed)
    out: list[str] = []
    while len(out) < n:
        roll = rnd.random()
        if roll < 0.45:
            out.append(healthy[len(out) % len(healthy)])
        elif roll < 0.65:
            out.append(_access(rnd, len(out)))
        elif roll < 0.72:
            out.append(rnd.choice(_JSON_LINES))
        elif roll < 0.8:
            out.extend(rnd.choice(_TRACEBACKS))
        elif roll < 0.9:
            out.append(rnd.choice(library))
        else:
            out.append(rnd.choice(_MISC))
    return out


def _burst_lines() -> list[str]:
    # 502/504 runs with the time in the line itself (the pairs carry no timestamp).
    out = []
    for minute, count in ((1, 7), (2, 3), (10, 5), (11, 2), (30, 12)):
        for k in range(count):
            status = 502 if k % 3 else 504
            out.append(
                _CLF.format(ip="10.0.0.2", m=minute, s=k * 4, req="GET /api HTTP/1.1", status=status, size=1, ua="-")
            )
            out.append(
                _CLF.format(ip="45.1.2.3", m=minute, s=k * 4, req="GET /.env HTTP/1.1", status=502, size=1, ua="-")
            )
    return out


def cases() -> Iterator[tuple[str, Pairs, str | None, bool]]:
    """Every equivalence case: ``(name, pairs, kind, php_site)``."""
    for seed, rate, mode in ((7, 0.01, "none"), (1, 0.05, "dense"), (2, 0.2, "mixed"), (3, 0.5, "sparse")):
        rnd = random.Random(seed)
        lines = make_log(6000, error_rate=rate, seed=seed)
        yield f"bench_{seed}", [(_ts_mode(rnd, i, mode), x) for i, x in enumerate(lines)], None, False
    library = _library_lines()
    for kind in (None, "postgres", "python", "node", "java"):
        pairs = [(T0 + timedelta(seconds=i), x) for i, x in enumerate(library)]
        yield f"library_{kind or 'none'}", pairs, kind, False
    misc = [*_MISC, *_ODD_ACCESS, *_JSON_LINES, *(x for tb in _TRACEBACKS for x in tb)]
    yield "misc", [(None, x) for x in misc], None, False
    yield "misc_php", [(T0, x) for x in misc], "python", True
    yield "bursts", [(None, x) for x in _burst_lines()], "nginx", False
    yield "bursts_timed", [(T0 + timedelta(seconds=i * 2), x) for i, x in enumerate(_burst_lines())], None, False
    for seed, kind, php, mode in (
        (11, None, False, "none"),
        (12, "postgres", False, "dense"),
        (13, "python", True, "mixed"),
        (14, "nginx", False, "sparse"),
        (15, "java", True, "mixed"),
    ):
        rnd = random.Random(seed)
        yield f"mixed_{seed}", [(_ts_mode(rnd, i, mode), x) for i, x in enumerate(mixed_lines(seed, 8000))], kind, php


def snapshot(result: LogAnalysis) -> dict[str, Any]:
    """The result as JSON data; a library finding's meaning/action become ``"=pattern"`` when they are the
    pattern's own (they are copied from it), so the fixture stays small without checking less."""
    data = result.model_dump(mode="json")
    for finding in data["findings"]:
        pattern = PATTERNS_BY_ID.get(finding["pattern_id"])
        for field in ("meaning", "action"):
            if pattern is not None and finding[field] == getattr(pattern, field):
                finding[field] = "=pattern"
    return data


def run_case(pairs: Pairs, kind: str | None, php_site: bool) -> dict[str, Any]:
    """Analyse one case and snapshot it."""
    return snapshot(analyze_lines(pairs, kind=kind, php_site=php_site))


def record() -> None:
    """Rewrite every fixture from the current analyzer."""
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for name, pairs, kind, php in cases():
        path = FIXTURES / f"{name}.json"
        path.write_text(json.dumps(run_case(pairs, kind, php), sort_keys=True, separators=(",", ":")) + "\n")
        print(f"{path.name}: {len(pairs)} lines, {path.stat().st_size} bytes")


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit(__doc__)
    record()
