"""``dozor metrics``: the fleet's diagnosis as a Prometheus ``/metrics`` endpoint (one per shard, docs/scale.md).

A scrape never waits for hosts: the exporter diagnoses its hosts every ``interval`` seconds on pooled
connections, and ``/metrics`` answers from the last finished run (the series of ``dozor report --format
prometheus``, :mod:`dozor.render.report_prometheus`), plus how the runs go (``dozor_run_duration_seconds``,
``dozor_run_failures_total``, ``dozor_shard_info``). The first run finishes before the port opens, so a fleet
that cannot be asked at all (too low a file limit) stops the command instead of serving nothing.

Read-only: GET ``/metrics`` only, no tool, no mutation. The access rule is the HTTP MCP server's
(:mod:`dozor.mcp.serving`): a bearer token (``--token-file`` or ``DOZOR_MCP_TOKEN``), Host header checks against
DNS rebinding; ``--no-auth`` drops the token only on a loopback address.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from dozor.errors import ServeError
from dozor.mcp.access import bearer_ok, host_names, is_loopback, load_token
from dozor.render.report_prometheus import ReportCollector, exposition

if TYPE_CHECKING:
    from dozor.fleet import Fleet
    from dozor.reports import DiagnosisReport

DEFAULT_PORT = 9477


class MetricsExporter:
    """Diagnoses ``fleet`` (the hosts of ``selector``) every ``interval`` seconds; keeps the last report for scrapes."""

    def __init__(self, fleet: Fleet, *, selector: str | None = None, interval: float = 60.0,
                 quick: bool = False) -> None:
        self.fleet = fleet
        self.selector = selector
        self.interval = interval
        self.quick = quick
        self.report: DiagnosisReport | None = None
        self.duration = 0.0
        self.failures = 0
        self.last_error = ""

    async def refresh(self) -> DiagnosisReport:
        """One run (``health`` with ``quick``, else the full diagnosis); the report is kept for scrapes."""
        started = time.monotonic()
        if self.quick:
            report = await self.fleet.health(self.selector)
        else:
            report = await self.fleet.diagnose(self.selector)
        self.duration = time.monotonic() - started
        self.report = report
        return report

    async def run_forever(self) -> None:
        """Refresh every ``interval`` seconds after the previous run ended; a failed run keeps the last report."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.refresh()
            except Exception as exc:  # the exporter outlives a bad run; the counter and stderr say so
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                print(f"dozor metrics: run failed, serving the previous one: {self.last_error}", file=sys.stderr)

    def collect(self) -> Iterator[Metric]:
        """The exporter's own series (the registry's second collector)."""
        shard = GaugeMetricFamily("dozor_shard_info", "The inventory shard this exporter owns (all: the whole "
                                  "inventory).", labels=["shard"])
        shard.add_metric([self.fleet.inventory.shard or "all"], 1.0)
        yield shard
        yield GaugeMetricFamily("dozor_run_duration_seconds", "How long the last run took.", value=self.duration)
        yield CounterMetricFamily("dozor_run_failures", "Runs that failed (the previous report stays served).",
                                  value=self.failures)

    def registry(self) -> CollectorRegistry:
        """The last report's metrics and the exporter's own."""
        registry = CollectorRegistry(auto_describe=False)
        if self.report is not None:
            registry.register(ReportCollector(self.report))
        registry.register(self)
        return registry


def parse_listen(listen: str) -> tuple[str, int]:
    """``127.0.0.1:9477``, ``[::1]:9477`` or ``:9477`` (loopback) → (address, port); raises ``ServeError``."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ServeError(f"--listen {listen!r}: expected ADDRESS:PORT, e.g. 127.0.0.1:{DEFAULT_PORT}")
    host = host.strip("[]") or "127.0.0.1"
    return host, int(port)


def build_app(exporter: MetricsExporter, *, token: str | None, bind: str, allowed_hosts: list[str]) -> Any:
    """The Starlette app: GET ``/metrics`` behind the bearer token (None: no token) and the Host check."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    expected = token.encode() if token is not None else None

    async def metrics(request: Request) -> Response:
        if expected is not None and not bearer_ok(request.headers.get("authorization"), expected):
            return PlainTextResponse("a bearer token is required\n", status_code=401,
                                     headers={"WWW-Authenticate": 'Bearer realm="dozor"'})
        body, content_type = exposition(exporter.registry(), request.headers.get("accept"))
        return Response(body, media_type=content_type)

    return Starlette(routes=[Route("/metrics", metrics, methods=["GET"])],
                     middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=host_names(bind, allowed_hosts))])


def access_token(bind: str, token_file: str | None, no_auth: bool) -> str | None:
    """The bearer token (the MCP server's rule), or None with ``no_auth`` on a loopback address."""
    if no_auth:
        if not is_loopback(bind):
            raise ServeError(f"--no-auth is only allowed on a loopback address, not {bind}: anyone who reaches "
                             "the port would read the fleet's state; use a bearer token (--token-file)")
        return None
    return load_token(token_file)


async def serve_metrics(fleet: Fleet, *, selector: str | None, bind: str, port: int, token: str | None,
                        allowed_hosts: list[str], interval: float, quick: bool) -> None:
    """Bind, run the first diagnosis, then serve ``/metrics`` and refresh every ``interval`` seconds until stopped.

    The address is bound first (a port in use fails at once, as ``ServeError``), listened on after the first run.
    """
    import uvicorn

    sock = _bind(bind, port)
    exporter = MetricsExporter(fleet, selector=selector, interval=interval, quick=quick)
    try:
        async with fleet:
            await exporter.refresh()
            app = build_app(exporter, token=token, bind=bind, allowed_hosts=allowed_hosts)
            server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
            loop_task = asyncio.ensure_future(exporter.run_forever())
            try:
                await server.serve(sockets=[sock])
            finally:
                loop_task.cancel()
                await asyncio.gather(loop_task, return_exceptions=True)
    finally:
        sock.close()


def _bind(bind: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((bind, port))
    except OSError as exc:
        sock.close()
        raise ServeError(f"cannot listen on {bind}:{port}: {exc.strerror or exc}") from None
    return sock


__all__ = ["DEFAULT_PORT", "MetricsExporter", "access_token", "build_app", "parse_listen", "serve_metrics"]
