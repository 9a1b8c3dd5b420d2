"""CPython tracebacks and exceptions."""

from __future__ import annotations

from dozor.analysis.patterns.base import Pattern

PYTHON: tuple[Pattern, ...] = (
    Pattern(
        id="python.traceback",
        kind="python",
        category="traceback",
        source="cpython Python/traceback.c",
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
        source="cpython Python/import.c",
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
        source="gunicorn gunicorn/arbiter.py",
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
        source="gunicorn gunicorn/arbiter.py",
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
        source="cpython Python/pythonrun.c (print_exception)",
        severity="warning",
        regex=r"^(?!(?:java|javax|jakarta|org|com|kotlin|scala|sun)\.)"  # JVM packages: java.exception's
        r"(?:(?:[a-z_]\w*\.)*_?[A-Z]\w*(?:Error|Exception|Exit|Interrupt)(?::\s.*)?$"
        r"|(?:[a-z_]\w*\.)*(?:errors|exceptions|exc)\.[A-Z]\w*:\s.+$)",
        meaning="A Python exception line (the last line of a traceback).",
        action="Read the message; the frames above it point at the failing code.",
        examples=(
            "KeyError: 'user_id'",
            "django.core.exceptions.ImproperlyConfigured: SECRET_KEY must not be empty",
        ),
        near_misses=('    raise ValueError("bad input")', "INFO ValueError handling enabled",
                     "org.apache.kafka.common.errors.TimeoutException: Topic orders not present in metadata after "
                     "60000 ms.", "java.io.IOException: Connection to 2 was disconnected before the response was read"),
        generic=True,
    ),
)
