"""uvicorn's own lines (``ERROR:    ...``, the level padded to nine columns)."""

from __future__ import annotations

from dozor.analysis.patterns.base import Pattern

UVICORN: tuple[Pattern, ...] = (
    Pattern(
        id="uvicorn.asgi_exception",
        kind="uvicorn",
        category="exception",
        source="uvicorn uvicorn/protocols/http/h11_impl.py, uvicorn/protocols/http/httptools_impl.py",
        severity="warning",
        regex=r"Exception in ASGI application",
        meaning="A request raised an unhandled exception in the application: the client got a 500 (the "
        "traceback follows).",
        action="Read the traceback after this line; many per minute on one route is a bug or a failing "
        "dependency.",
        examples=("ERROR:    Exception in ASGI application",),
        near_misses=('INFO:     172.18.0.1:40000 - "GET /healthz HTTP/1.1" 200 OK',),
    ),
    Pattern(
        id="uvicorn.app_import_failed",
        kind="uvicorn",
        category="startup",
        source="uvicorn uvicorn/importer.py, uvicorn/config.py (load)",
        severity="critical",
        regex=r"(?<=Error )loading ASGI app\.",
        meaning="uvicorn could not import the application named on its command line and exited.",
        action="Check the module:attribute given to uvicorn and the working directory (WORKDIR) it runs in.",
        examples=(
            'ERROR:    Error loading ASGI app. Could not import module "main".',
            'ERROR:    Error loading ASGI app. Attribute "app" not found in module "main".',
        ),
        near_misses=("INFO:     Started server process [1]",),
    ),
    Pattern(
        id="uvicorn.startup_failed",
        kind="uvicorn",
        category="startup",
        source="uvicorn uvicorn/lifespan/on.py",
        severity="critical",
        regex=r"Application startup failed\. Exiting\.",
        meaning="The application's startup (lifespan) code raised, so uvicorn exited: usually a database or "
        "configuration it needs at startup.",
        action="Read the error just above (a connection refused to the database, a missing setting) and fix it; "
        "make the service wait for its dependencies.",
        examples=("ERROR:    Application startup failed. Exiting.",),
        near_misses=("INFO:     Application startup complete.",),
    ),
    Pattern(
        id="uvicorn.bind_failed",
        kind="uvicorn",
        category="startup",
        source="cpython Lib/asyncio/base_events.py (create_server), logged by uvicorn uvicorn/server.py",
        severity="critical",
        regex=r"(?<=error) while attempting to bind on address",
        meaning="uvicorn could not bind its address (the port is in use or not allowed) and exited.",
        action="Find the holder (ss -ltnp) or use another port.",
        examples=(
            "ERROR:    [Errno 98] error while attempting to bind on address ('0.0.0.0', 8000): address already "
            "in use",
        ),
        near_misses=("INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)",),
    ),
    Pattern(
        id="uvicorn.invalid_request",
        kind="uvicorn",
        category="http",
        source="uvicorn uvicorn/protocols/http/httptools_impl.py, uvicorn/protocols/http/h11_impl.py",
        severity="info",
        regex=r"Invalid HTTP request received\.",
        meaning="A client sent bytes that are not HTTP (scanners, or TLS sent to a plain-HTTP port).",
        action="Nothing for scanners; if your own proxy causes it, check it speaks plain HTTP to this port.",
        examples=("WARNING:  Invalid HTTP request received.",),
        near_misses=('INFO:     172.18.0.1:40000 - "GET / HTTP/1.1" 404 Not Found',),
    ),
    Pattern(
        id="uvicorn.shutdown_timeout",
        kind="uvicorn",
        category="startup",
        source="uvicorn uvicorn/server.py (shutdown)",
        severity="warning",
        regex=r"Cancel \d+ running task\(s\), timeout graceful shutdown exceeded",
        meaning="At shutdown, requests still running after the graceful timeout were cancelled (their "
        "clients got errors).",
        action="Raise --timeout-graceful-shutdown (and docker stop's timeout) or shorten long requests.",
        examples=("ERROR:    Cancel 3 running task(s), timeout graceful shutdown exceeded",),
        near_misses=("INFO:     Waiting for application shutdown.",),
    ),
)
