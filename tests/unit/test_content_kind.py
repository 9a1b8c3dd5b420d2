"""The service kind recognised from what its log says (``detect_kind_from_log``): real-format positives and
near misses. The lines are the software's own formats (docker's timestamp prefix already split off)."""

from __future__ import annotations

import pytest

from dozor.analysis import analyze_lines
from dozor.analysis.patterns import detect_kind_from_log

NGINX = [
    "2026/11/27 05:13:18 [notice] 1#1: start worker processes",
    "2026/11/27 05:13:19 [error] 29#29: *1 connect() failed (111: Connection refused) while connecting to upstream, "
    'client: 10.0.0.5, server: shop.example, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:8000/"',
]
POSTGRES = [
    '2026-11-27 05:13:18.123 UTC [42] FATAL:  password authentication failed for user "app"',
    '2026-11-27 05:13:18.123 UTC [42] DETAIL:  Connection matched pg_hba.conf line 100: "host all all all md5"',
    "2026-11-27 05:13:19.001 UTC [1] LOG:  database system is ready to accept connections",
]
REDIS_SERVER = [
    "1:C 27 Nov 2026 05:13:18.123 * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
    "1:M 27 Nov 2026 05:13:18.125 * Ready to accept connections tcp",
]
REDIS_CLIENT = ["redis.exceptions.OutOfMemoryError: OOM command not allowed when used memory > 'maxmemory'."]
PYTHON = [
    "Traceback (most recent call last):",
    '  File "/app/billing/charge.py", line 88, in charge',
    "ZeroDivisionError: division by zero",
]
JAVA = [
    'Exception in thread "main" java.lang.IllegalStateException: no datasource',
    "\tat com.shop.App.main(App.java:42)",
    "\tat java.base/java.lang.Thread.run(Thread.java:833)",
]
NODE = [
    "TypeError: Cannot read properties of undefined (reading 'id')",
    "    at handler (/app/src/routes/cart.js:17:22)",
    "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
]
GO = ["panic: runtime error: invalid memory address or nil pointer dereference", "goroutine 1 [running]:"]
MONGO = [
    '{"t":{"$date":"2026-11-27T05:13:18.123+00:00"},"s":"I",  "c":"NETWORK",  "id":23015, "msg":"Listening on"}',
    '{"t":{"$date":"2026-11-27T05:13:18.200+00:00"},"s":"E",  "c":"STORAGE",  "id":22435, "msg":"WiredTiger error"}',
]


@pytest.mark.parametrize(("lines", "kind"), [
    (NGINX, "nginx"), (POSTGRES, "postgres"), (REDIS_SERVER, "redis"), (REDIS_CLIENT, None),
    (PYTHON, "python"), (JAVA, "java"), (NODE, "node"), (GO, "go"), (MONGO, "mongodb"),
])
def test_kind_from_real_log_lines(lines: list[str], kind: str) -> None:
    assert detect_kind_from_log(lines) == kind


@pytest.mark.parametrize("lines", [
    [],
    ["2026-12-07T06:19:00Z INFO feed: poll done items=120 errors=0 failed=0 error=0 retries=0"],
    ['10.0.0.1 - - [27/Nov/2026:05:13:18 +0000] "GET /feed.xml HTTP/1.1" 200 5120 "-" "Feedly/1.0"'] * 5,
    ["connecting to nginx at proxy:80", "nginx upstream configured"],  # mentions, not nginx's format
    ["LOG: starting", "ERROR: could not parse config"],  # one space, no [pid]: not PostgreSQL
    ["no traceback available for job 12", "Traceback printing disabled"],
    ["2026/11/27 05:13:18 [error] 29#29: *1 connect() failed"],  # a single nginx line is not enough
    ["panic: 0 panics so far"],  # a single panic-looking line is not enough
    ["redis: connected to redis:6379, used memory 1.2M"],
])
def test_near_misses_detect_nothing(lines: list[str]) -> None:
    assert detect_kind_from_log(lines) is None


def test_server_format_wins_over_quoted_client_errors() -> None:
    # an nginx fronting a Python app that quotes one traceback header: nginx's own lines dominate
    assert detect_kind_from_log([*NGINX, *NGINX, "Traceback (most recent call last):"]) == "nginx"


def test_patterns_of_any_kind_match_without_a_kind() -> None:
    """The redis client error and nginx's upstream error are found in a service of unknown kind."""
    lines = [(None, REDIS_CLIENT[0]), (None, NGINX[1])]
    found = {f.pattern_id for f in analyze_lines(lines, kind=None).findings}
    assert {"redis.oom", "nginx.upstream_refused"} <= found
