"""gunicorn's own lines (``[2026-11-27 05:13:18 +0000] [1] [ERROR] ...``).

Its worker timeout and worker-killed lines predate this module and keep their ids
(``python.gunicorn_worker_timeout``, ``python.gunicorn_worker_killed``) in ``python``.
"""

from __future__ import annotations

from dozor.analysis.patterns.base import GUNICORN as G
from dozor.analysis.patterns.base import Pattern

GUNICORN: tuple[Pattern, ...] = (
    Pattern(
        id="gunicorn.worker_boot_failed",
        kind="gunicorn",
        category="startup",
        source="gunicorn gunicorn/arbiter.py",
        severity="critical",
        regex=r"Reason: (?:Worker failed to boot|App failed to load)\.",
        meaning="gunicorn's workers could not import or start the application, so the master shut down "
        "(the container exits, often in a restart loop).",
        action="Read the traceback just above it (a missing module or environment variable, a database "
        "unreachable at import time) and fix that.",
        examples=(
            G + "[ERROR] Reason: Worker failed to boot.",
            G + "[INFO] Reason: App failed to load.",
        ),
        near_misses=(G + "[INFO] Booting worker with pid: 7",),
    ),
    Pattern(
        id="gunicorn.exception_in_worker",
        kind="gunicorn",
        category="startup",
        source="gunicorn gunicorn/arbiter.py (spawn_worker)",
        severity="critical",
        regex=r"(?<=\[ERROR\] Exception) in worker process",
        meaning="A worker crashed while loading the application (the traceback follows).",
        action="Read the traceback after this line; the app fails at import time.",
        examples=(G + "[ERROR] Exception in worker process",),
        near_misses=(G + "[INFO] Worker exiting (pid: 7)",),
    ),
    Pattern(
        id="gunicorn.worker_exited",
        kind="gunicorn",
        category="crash",
        source="gunicorn gunicorn/arbiter.py (reap_workers)",
        severity="critical",
        regex=r"Worker \(pid:\d+\) exited with code \d+|Worker \(pid:\d+\) was sent \b(?:SIGSEGV|SIGABRT|SIGBUS)\b",
        meaning="A gunicorn worker died with an error exit code or a crash signal (code 3: it could not boot).",
        action="Look at the lines before it for the worker's traceback; a crash signal points at a native "
        "extension or memory corruption.",
        examples=(
            G + "[ERROR] Worker (pid:7) exited with code 3",
            G + "[ERROR] Worker (pid:8) was sent SIGSEGV!",
        ),
        near_misses=(G + "[INFO] Worker (pid:7) was sent SIGTERM!",),
    ),
    Pattern(
        id="gunicorn.bind_failed",
        kind="gunicorn",
        category="startup",
        source="gunicorn gunicorn/sock.py (create_sockets)",
        severity="critical",
        regex=r"Connection in use: \(|Can't connect to \('[^']*', \d+\)",
        meaning="gunicorn could not bind its address (another process holds the port, or it is a privileged "
        "port for a non-root user); it retries a few times, then exits.",
        action="Find the holder (ss -ltnp) or bind another port; inside a container, check nothing else in it "
        "starts on the same port.",
        examples=(
            G + "[ERROR] Connection in use: ('0.0.0.0', 8000)",
            G + "[ERROR] Can't connect to ('0.0.0.0', 80)",
        ),
        near_misses=(G + "[INFO] Listening at: http://0.0.0.0:8000 (1)",),
    ),
    Pattern(
        id="gunicorn.shutdown",
        kind="gunicorn",
        category="startup",
        source="gunicorn gunicorn/arbiter.py (signal handling)",
        severity="info",
        regex=r"Handling signal: \b(?:term|int|quit)$",
        meaning="gunicorn was asked to stop (docker stop, a deploy, or an orchestrator).",
        action="Nothing if planned; otherwise find who stopped the container (docker events).",
        examples=(G + "[INFO] Handling signal: term",),
        near_misses=(G + "[INFO] Handling signal: hup",),
    ),
)
