"""``GET /metrics`` on ``dozor serve --transport http --watch``: the live state as Prometheus metrics, from memory.

A scrape asks no host: it reads what the engine event streams keep current (:mod:`dozor.live`), applies the same
quick-diagnosis rules as ``dozor health`` and ``dozor watch`` (container state, health, restarts; silences from
the state directory), and writes the series of ``dozor metrics`` (:mod:`dozor.render.report_prometheus`) plus
each host's freshness. The full diagnosis (logs, resources) stays with ``dozor metrics``, which runs it on a timer.

The access rule is the MCP endpoint's: the same bearer token, and the Host header among the names the listener
accepts (DNS rebinding). Nothing but GET.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from dozor.live.freshness import FreshKind, Freshness
from dozor.live.problems import health_report
from dozor.mcp.access import bearer_ok, host_ok
from dozor.mcp.server import DozorServer
from dozor.mcp.state import ServerState
from dozor.render.report_prometheus import exposition, report_metrics
from dozor.report.models import FleetReport


def live_report(state: ServerState, now: datetime | None = None) -> tuple[FleetReport, dict[str, Freshness]]:
    """The quick diagnosis of every watched host from the live state (no host asked), silences applied."""
    assert state.live is not None
    when = now or datetime.now(UTC)
    hosts = state.fleet.select(None)
    result, fresh = state.live.status(hosts)
    report = health_report(result, hosts, when)
    from dozor.noise.apply import apply_noise

    return apply_noise(report, state.fleet.state_dir, state.fleet.inventory), fresh


def freshness_metrics(fresh: Mapping[str, Freshness]) -> Iterator[Metric]:
    """``dozor_host_fresh{host,kind}`` (1 for the host's current kind) and since when it holds."""
    kinds = GaugeMetricFamily("dozor_host_fresh", "What each host's state rests on: live (event stream open), "
                              "resuming (stream lost), polled, unreachable, starting; 1 for the current kind.",
                              labels=["host", "kind"])
    since = GaugeMetricFamily("dozor_host_fresh_since_timestamp_seconds", "Since when (live, resuming, "
                              "unreachable, starting) or when (polled) the host's state holds, unix time.",
                              labels=["host", "kind"])
    for host, f in sorted(fresh.items()):
        for kind in FreshKind:
            kinds.add_metric([host, kind.value], 1.0 if f.kind is kind else 0.0)
        since.add_metric([host, f.kind.value], f.at.timestamp())
    yield kinds
    yield since
    live = sum(1 for f in fresh.values() if f.kind is FreshKind.LIVE)
    yield GaugeMetricFamily("dozor_hosts_live", "Hosts whose event stream is open.", value=live)


class LiveCollector(Collector):
    """The live state's metrics, computed at each scrape."""

    def __init__(self, state: ServerState) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        """The quick diagnosis's series and each host's freshness."""
        report, fresh = live_report(self.state)
        yield from report_metrics(report)
        yield from freshness_metrics(fresh)


def add_metrics_route(server: DozorServer, *, token: str, hosts: list[str]) -> None:
    """Serve ``GET /metrics`` on ``server``'s HTTP app: bearer ``token`` required, Host among ``hosts``."""
    expected = token.encode()

    @server.custom_route("/metrics", methods=["GET"])
    async def metrics(request: Request) -> Response:
        if not host_ok(request.headers.get("host"), hosts):
            return PlainTextResponse("Invalid Host header\n", status_code=421)
        if not bearer_ok(request.headers.get("authorization"), expected):
            return PlainTextResponse("a bearer token is required\n", status_code=401,
                                     headers={"WWW-Authenticate": 'Bearer realm="dozor"'})
        state = server.current_state()
        if state is None or state.live is None:
            return PlainTextResponse("the live state is not running\n", status_code=503)
        registry = CollectorRegistry(auto_describe=False)
        registry.register(LiveCollector(state))
        body, content_type = exposition(registry, request.headers.get("accept"))
        return Response(body, media_type=content_type)


__all__ = ["LiveCollector", "add_metrics_route", "freshness_metrics", "live_report"]
