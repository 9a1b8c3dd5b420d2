"""Error-pattern analysis throughput over a large, realistic, mostly healthy log (one core).

``python -m bench.log_throughput [LINES] [--profile]`` prints JSON ``{"lines", "cpu", "lines_per_s", "matched",
"path"}``. Uses ``dozor.analysis.analyze_lines`` (the whole analysis: matching + clustering) when it exists,
else ``dozor.analysis.matcher.match_line`` per line; ``path`` says which one ran. ``--profile`` then runs
the analysis once more under cProfile and prints where the time went (to stderr).
"""

from __future__ import annotations

import cProfile
import json
import pstats
import random
import sys
import time

_HEALTHY = [
    '10.0.{a}.{b} - - [01/Jan/2026:10:{m:02d}:{s:02d} +0000] "GET /api/v1/products/{n} HTTP/1.1" 200 {size} "-" '
    '"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"',
    '10.0.{a}.{b} - - [01/Jan/2026:10:{m:02d}:{s:02d} +0000] "POST /api/v1/orders HTTP/1.1" 201 {size} '
    '"https://shop.example.com/cart" "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X)"',
    '{{"time":"2026-01-01T10:{m:02d}:{s:02d}.123Z","level":"info","msg":"request handled","path":"/v1/orders/{n}",'
    '"status":200,"duration_ms":{size}}}',
    "2026-01-01 10:{m:02d}:{s:02d}.421 UTC [{n}] LOG:  checkpoint complete: wrote {size} buffers (0.1%); "
    "0 WAL file(s) added, 0 removed, 1 recycled",
    "2026-01-01T10:{m:02d}:{s:02d}Z INFO  worker[{a}] processed job id={n} queue=emails in {size}ms",
    "[2026-01-01 10:{m:02d}:{s:02d}] DEBUG cache hit key=user:{n}:profile ttl={size}",
    "2026-01-01T10:{m:02d}:{s:02d}Z WARN  slow query took {size}ms: SELECT * FROM orders WHERE id = $1",
    "1:M 01 Jan 2026 10:{m:02d}:{s:02d}.001 * Background saving terminated with success",
]
_ERRORS = [
    '2026-01-01 10:{m:02d}:{s:02d}.001 UTC [{n}] FATAL:  password authentication failed for user "app"',
    "2026-01-01T10:{m:02d}:{s:02d}Z ERROR upstream connect error: connection refused to payments:443",
    "Traceback (most recent call last):",
    '  File "/app/worker.py", line {a}, in handle',
    "ConnectionRefusedError: [Errno 111] Connection refused",
    "2026/01/01 10:{m:02d}:{s:02d} [error] 29#29: *{n} connect() failed (111: Connection refused) while "
    'connecting to upstream, client: 10.0.{a}.{b}, server: _, request: "GET / HTTP/1.1"',
    "panic: runtime error: invalid memory address or nil pointer dereference",
    "java.lang.OutOfMemoryError: Java heap space",
    "1:M 01 Jan 2026 10:{m:02d}:{s:02d}.001 # Can't save in background: fork: Cannot allocate memory",
    "2026-01-01T10:{m:02d}:{s:02d}Z ERROR no space left on device while writing /data/segment-{n}",
]


def make_log(lines: int, error_rate: float = 0.01, seed: int = 7) -> list[str]:
    """A deterministic log: access/app/db lines with ``error_rate`` error lines mixed in."""
    rnd = random.Random(seed)
    out = []
    for i in range(lines):
        tpl = rnd.choice(_ERRORS) if rnd.random() < error_rate else rnd.choice(_HEALTHY)
        out.append(tpl.format(a=i % 250, b=(i * 7) % 250, m=(i // 60) % 60, s=i % 60, n=i, size=(i * 37) % 5000))
    return out


def profile(lines: list[str], top: int = 20) -> None:
    """Print the ``top`` functions by own time of one analysis of ``lines`` to stderr."""
    from dozor.analysis import analyze_lines

    pairs = [(None, x) for x in lines]
    profiler = cProfile.Profile()
    profiler.runcall(analyze_lines, pairs)
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(top)


def measure(lines: list[str]) -> dict:
    """CPU seconds to analyse ``lines`` once (after one warm-up pass on a slice, to compile regexes)."""
    try:
        from dozor.analysis import analyze_lines  # type: ignore[attr-defined]

        def run(ls: list[str]) -> int:
            res = analyze_lines([(None, x) for x in ls], kind=None)
            fs = getattr(res, "findings", None) or (res.get("findings") if isinstance(res, dict) else []) or []
            return sum(int(getattr(f, "count", 1) or 1) for f in fs)

        path = "dozor.analysis.analyze_lines"
    except ImportError:
        from dozor.analysis.matcher import match_line

        def run(ls: list[str]) -> int:
            return sum(1 for x in ls if match_line(x) is not None)

        path = "dozor.analysis.matcher.match_line (analyze_lines not in this build)"
    run(lines[:2000])
    t = time.process_time()
    matched = run(lines)
    cpu = time.process_time() - t
    return {"lines": len(lines), "cpu": cpu, "lines_per_s": len(lines) / cpu, "matched": matched, "path": path}


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--profile"]
    n = int(args[0]) if args else 200_000
    log = make_log(n)
    print(json.dumps(measure(log)))
    if "--profile" in sys.argv[1:]:
        profile(log)
