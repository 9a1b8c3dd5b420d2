"""``timeline``: what happened on the selected hosts in a window, one time-ordered list.

Per host, in parallel and on pooled connections: the engine's held event log (Engine API, else ``docker
events``), the containers' state (inspect: last start, last exit, OOM, restart count) and the deploy
records the host keeps; on the controller, the audit log's restarts, deploys and prunes of those hosts.
The pure parts (window, entries, crash-loop and flapping summaries, the bound) are
:mod:`dozor.report.timeline_build`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from dozor.collectors.events import EngineEvents
from dozor.collectors.status import ContainerStatus
from dozor.ops.audit import audit_path, read_audit
from dozor.ops.deploy import DeployState
from dozor.ops.deploy_history import read_deploy_history
from dozor.outcome import HostStatus
from dozor.report import timeline_build as tb
from dozor.report.timeline_models import HostCoverage, Timeline, TimelineEntry
from dozor.runner.docker import container_status
from dozor.runner.events import engine_events
from dozor.runner.fanout import HostContext, Progress
from dozor.runner.protocol import FleetRunner

MAX_LIMIT = 1000


class HostHistory(BaseModel):
    """What one host told: its engine events, its containers, its deploys; failed parts by name."""

    events: EngineEvents | None = None
    containers: list[ContainerStatus] = Field(default_factory=list)
    deploys: list[DeployState] = Field(default_factory=list)
    errors: dict[str, str] = Field(default_factory=dict)


async def host_history(ctx: HostContext) -> HostHistory:
    """The three host sources at once; a failed part is an error entry, all Docker parts failing raise."""
    events, containers, deploys = await asyncio.gather(
        engine_events(ctx), container_status(ctx), read_deploy_history(ctx), return_exceptions=True
    )
    for got in (events, containers, deploys):
        if isinstance(got, BaseException) and not isinstance(got, Exception):
            raise got  # cancellation
    if isinstance(events, Exception) and isinstance(containers, Exception):
        raise events
    out = HostHistory()
    for name, got in (("events", events), ("state", containers), ("deploys", deploys)):
        if isinstance(got, Exception):
            out.errors[name] = f"{type(got).__name__}: {got}"
    out.events = events if isinstance(events, EngineEvents) else None
    out.containers = containers if isinstance(containers, list) else []
    out.deploys = deploys if isinstance(deploys, list) else []
    return out


def host_entries(host: str, h: HostHistory, since: datetime, until: datetime) -> list[TimelineEntry]:
    """Entries of one host's sources inside the window (state facts the events already say are left out)."""
    held = h.events.events if h.events else []
    return [*tb.engine_entries(host, held, since, until), *tb.state_entries(host, h.containers, since, until, held),
            *tb.deploy_entries(host, h.deploys, since, until)]


def coverage(host: str, h: HostHistory | None, since: datetime, reason: str | None,
             status: HostStatus = HostStatus.OK) -> HostCoverage:
    """How far back the host could tell."""
    if h is None:
        return HostCoverage(host=host, answered=False, status=status, reason=reason or "")
    ev = h.events
    cov = HostCoverage(host=host, answered=True, status=status, errors=dict(h.errors))
    if ev is not None:
        cov.events_source, cov.events_held, cov.events_from, cov.host_time = ev.source, ev.held, ev.held_from, \
            ev.host_time
        cov.gap = tb.coverage_gap(ev.held, ev.held_from, since)
    return cov


async def timeline(
    runner: FleetRunner,
    host: str | None = None,
    *,
    since: str | None = "1h",
    until: str | None = None,
    services: Sequence[str] | None = None,
    limit: int = tb.DEFAULT_LIMIT,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> Timeline:
    """Events of the selected hosts between ``since`` and ``until`` (see :meth:`dozor.fleet.Fleet.timeline`)."""
    if not 1 <= int(limit) <= MAX_LIMIT:
        raise ValueError(f"limit must be 1..{MAX_LIMIT}")
    start, end = tb.window(since, until, now or datetime.now(UTC))
    wanted = [s for s in (services or []) if s]
    result = await runner.run(host_history, host, name="timeline", progress=progress)
    entries: list[TimelineEntry] = []
    hosts: list[HostCoverage] = []
    for r in result.hosts:
        data = r.data if r.ok else None
        if data is not None:
            entries += host_entries(r.host, data, start, end)
        hosts.append(coverage(r.host, data, start, r.reason, r.status))
    audit = read_audit(audit_path(runner.inventory.defaults.state_dir))
    entries += tb.audit_entries(audit, [r.host for r in result.hosts], start, end)
    entries = tb.summarise(tb.keep_services(entries, wanted))
    kept, omitted = tb.bound(entries, int(limit))
    return Timeline(since=start, until=end, selector=host, services=wanted, limit=int(limit), entries=kept,
                    total=len(entries), omitted=omitted, hosts=hosts)


__all__ = ["HostHistory", "host_entries", "host_history", "timeline"]
