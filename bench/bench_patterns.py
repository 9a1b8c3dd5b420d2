"""Throughput of the pattern matcher and the log analyzer on a generated realistic log.

Run: .venv/bin/python bench/bench_patterns.py [lines]   (default 200,000 lines)

The log mixes what a small Docker host produces: proxy access lines (mostly 2xx,
some 404/502, a few scanner probes), app INFO lines, JSON logs, postgres and
redis chatter, ~3% error lines from the pattern library, and tracebacks.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable

from dozor.analysis import PATTERNS, analyze_lines, match_line

_PATHS = ("/", "/api/orders", "/api/orders/1234", "/static/app.3f2a9c.js", "/login", "/api/users/42/profile")
_PROBES = ("/wp-login.php", "/.env", "/.git/config", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php")
_UA = '"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"'


def _access(rng: random.Random, i: int) -> str:
    roll = rng.random()
    path = rng.choice(_PROBES) if roll < 0.03 else rng.choice(_PATHS)
    status = 404 if roll < 0.03 else rng.choice((200,) * 20 + (304, 301, 404, 502))
    ip = f"203.0.113.{i % 250}"
    return (
        f'{ip} - - [27/Nov/2026:05:{i // 60 % 60:02d}:{i % 60:02d} +0000] "GET {path} HTTP/1.1" '
        f'{status} {rng.randint(100, 90000)} "https://example.com/" {_UA}'
    )


def _app(rng: random.Random, i: int) -> str:
    return rng.choice(
        (
            f"2026-11-27 05:13:{i % 60:02d},{i % 1000:03d} INFO app.api: handled GET /orders user={i} "
            f"in {rng.randint(2, 900)}ms status=200",
            f'INFO:     172.18.0.{i % 200}:{40000 + i % 20000} - "GET /healthz HTTP/1.1" 200 OK',
            f'{{"level":"info","ts":"2026-11-27T05:13:18.{i % 1000:03d}Z","msg":"job finished",'
            f'"job_id":"{i:08x}","duration_ms":{rng.randint(1, 5000)},"error_count":0}}',
            f"2026-11-27T05:13:18.{i % 1000:03d}Z DEBUG cache hit key=user:{i} ttl=300",
            f"[2026-11-27 05:13:18 +0000] [7] [INFO] Booting worker with pid: {i % 300}",
        )
    )


def _postgres(rng: random.Random, i: int) -> str:
    return rng.choice(
        (
            f"2026-11-27 05:13:18.{i % 1000:03d} UTC [{i % 500}] LOG:  checkpoint starting: time",
            f"2026-11-27 05:13:18.{i % 1000:03d} UTC [{i % 500}] LOG:  checkpoint complete: wrote "
            f"{i % 90} buffers (0.0%); 0 WAL file(s) added, 0 removed, 1 recycled; write=0.101 s",
            f"2026-11-27 05:13:18.{i % 1000:03d} UTC [{i % 500}] LOG:  connection received: "
            f"host=172.18.0.5 port={40000 + i % 20000}",
        )
    )


def _redis(rng: random.Random, i: int) -> str:
    return rng.choice(
        (
            f"1:M 27 Nov 2026 05:13:18.{i % 1000:03d} * 100 changes in 300 seconds. Saving...",
            f"1:M 27 Nov 2026 05:13:18.{i % 1000:03d} * Background saving started by pid {i % 900}",
            f"{i % 900}:C 27 Nov 2026 05:13:18.{i % 1000:03d} * DB saved on disk",
        )
    )


_TRACEBACK = (
    "Traceback (most recent call last):",
    '  File "/app/main.py", line 12, in handler',
    "    conn = connect()",
    '  File "/usr/local/lib/python3.12/site-packages/psycopg/connection.py", line 119, in connect',
    "    raise last_ex.with_traceback(None)",
    'psycopg.OperationalError: connection failed: connection to server at "172.18.0.2", port 5432 '
    "failed: Connection refused",
)


def generate(n: int, seed: int = 7) -> list[str]:
    """``n`` lines of a realistic mixed log."""
    rng = random.Random(seed)
    errors = [e for p in PATTERNS for e in p.examples]
    out: list[str] = []
    i = 0
    while len(out) < n:
        i += 1
        roll = rng.random()
        if roll < 0.40:
            out.append(_access(rng, i))
        elif roll < 0.72:
            out.append(_app(rng, i))
        elif roll < 0.84:
            out.append(_postgres(rng, i))
        elif roll < 0.967:
            out.append(_redis(rng, i))
        elif roll < 0.997:
            out.append(rng.choice(errors))
        else:
            out.extend(_TRACEBACK)
    return out[:n]


def _best(fn: Callable[[], object], runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    lines = generate(n)
    pairs = [(None, line) for line in lines]

    def match_all() -> None:
        for line in lines:
            match_line(line)

    matched = sum(1 for line in lines if match_line(line) is not None)
    t_match = _best(match_all)
    t_analyze = _best(lambda: analyze_lines(pairs, kind=None))
    result = analyze_lines(pairs, kind=None)
    print(
        f"lines: {n:,}  matched by a pattern: {matched:,}  findings: {len(result.findings)}  "
        f"scanner requests: {result.scanners.requests:,}"
    )
    print(f"match_line:    {n / t_match:>12,.0f} lines/s  ({t_match:.2f} s)")
    print(f"analyze_lines: {n / t_analyze:>12,.0f} lines/s  ({t_analyze:.2f} s)")


if __name__ == "__main__":
    main()
