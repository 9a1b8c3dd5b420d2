"""From dozor's domain results to the small MCP output models of ``dozor.mcp.models``, bounded.

The structured part of an answer is bounded like its text: summary fields come first and always stay;
lists are cut to a character budget and ``omitted`` says what was left out (with counts) and how to ask for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from dozor.collectors.status import ContainerStatus, PortMapping, ServiceState
from dozor.drift.models import DriftReport
from dozor.mcp.models import (
    ContainerRow,
    DeployRow,
    DriftOutput,
    DriftRow,
    ExecData,
    FleetOut,
    GroupRow,
    HostOut,
    IncidentRow,
    LogsData,
    ProblemRow,
    PruneData,
    ReportOutput,
    RestartData,
    RestartedRow,
    SecurityOutput,
    ServiceRow,
    StatusData,
    StatusOutput,
    StatusSummary,
    TimelineOutput,
    TimelineRow,
)
from dozor.mcp.shape import STRUCTURED_CAP
from dozor.model.problem import Problem
from dozor.ops.deploy import DeployReport, DeployState
from dozor.ops.exec import ExecOutput
from dozor.ops.prune import PruneReport
from dozor.ops.restart import RestartResult
from dozor.outcome import HostResult
from dozor.report.models import FleetReport
from dozor.report.timeline_models import Timeline
from dozor.runner.fleet_result import FleetResult
from dozor.runner.questions import HostContainers, ServiceLogs
from dozor.security.findings import SecurityReport

T = TypeVar("T")
P = TypeVar("P", bound=BaseModel)

STATUS_TEXT_FACTOR = 3
"""The service rows of a status answer take at most this many times the characters of its text."""

STATUS_MIN_BUDGET = 1_500
HOST_ENVELOPE = 40
"""Characters of one host's entry around its data (``{"host":…,"status":"ok","data":…}``)."""
DETAIL_CAP = 48_000
"""Most characters of per-container detail one server_status call returns (detail=true)."""

LIST_CAP = 32_000
"""Most characters of alerts/findings one report returns in structured content."""


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_defaults=True)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def size(value: Any) -> int:
    """Characters of ``value`` (a model, a list of models, plain data) as compact JSON (the way it travels)."""
    return len(json.dumps(_plain(value), separators=(",", ":"), default=str))


def _time(t: datetime | None) -> str | None:
    return t.isoformat(timespec="seconds") if t else None


def _host_out(h: HostResult[Any], data: Any = None) -> HostOut[Any]:
    return HostOut[Any](host=h.host, status=h.status.value, reason=h.reason, data=data)


def fleet_out(result: FleetResult[T], convert: Callable[[T], P], budget: int = STRUCTURED_CAP) -> FleetOut[P]:
    """Each host's payload converted; payloads past ``budget`` characters are left out and named in ``omitted``."""
    hosts: list[HostOut[Any]] = []
    dropped: list[str] = []
    used = 0
    for h in result.hosts:
        data = convert(h.data) if h.ok and h.data is not None else None
        cost = size(data) if data is not None else 0
        if data is not None and used + cost > budget:
            dropped.append(h.host)
            data = None
        used += cost if data is not None else 0
        hosts.append(_host_out(h, data))
    omitted = None
    if dropped:
        omitted = f"payloads of {len(dropped)} hosts (size cap): {', '.join(dropped[:20])}; ask for them by host"
    return FleetOut[Any](
        coverage=result.coverage,
        hosts=hosts,
        omitted=omitted,
    )


# -- status ---------------------------------------------------------------------------------------------


def _port(p: PortMapping) -> str:
    inner = f"{p.container_port}/{p.protocol}"
    return f"{p.host_ip or ''}:{p.host_port}->{inner}" if p.host_port else inner


def container_row(c: ContainerStatus) -> ContainerRow:
    """A container as the status detail shows it."""
    return ContainerRow(
        name=c.name,
        image=c.image,
        state=c.state.value,
        health=c.health.value if c.health else None,
        exit_code=c.exit_code,
        error=c.error or None,
        oom_killed=c.oom_killed,
        restart_count=c.restart_count,
        started_at=_time(c.started_at),
        ports=[_port(p) for p in c.ports],
    )


def _problem(c: ContainerStatus) -> str | None:
    bits = []
    if c.state.value != "running":
        bits.append(c.state.value + (f" (exit {c.exit_code})" if c.exit_code is not None else ""))
    if c.health is not None and c.health.value not in ("healthy", "starting"):
        bits.append(c.health.value)
    if c.oom_killed:
        bits.append("OOM-killed")
    if c.restart_count:
        bits.append(f"{c.restart_count} restarts")
    return ", ".join(bits) or None


def service_row(s: ServiceState, detail: bool) -> ServiceRow:
    """A service's counts and problem in words; its containers only with ``detail``."""
    running = sum(1 for c in s.containers if c.state.value == "running")
    health = sorted({c.health.value for c in s.containers if c.health is not None})
    problems = [f"{c.name}: {p}" for c in s.containers if (p := _problem(c))]
    problem = "missing (declared, no container)" if s.missing else "; ".join(problems) or None
    if problem is None and s.containers and running == 0:
        problem = "no container running"
    return ServiceRow(
        project=s.project,
        service=s.service,
        running=running,
        total=len(s.containers),
        health="/".join(health) or None,
        problem=problem,
        missing=s.missing,
        undeclared=not s.declared,
        containers=[container_row(c) for c in s.containers] if detail else [],
    )


def _status_data(hc: HostContainers, detail: bool) -> StatusData:
    rows = [service_row(s, detail) for s in hc.services]
    rows.sort(key=lambda r: r.problem is None)  # problems first, order kept otherwise
    return StatusData(
        services_total=len(rows),
        problem_services=sum(1 for r in rows if r.problem),
        services=rows,
    )


def status_output(result: FleetResult[HostContainers], text_chars: int, detail: bool = False) -> StatusOutput:
    """Status bounded like its text: every host keeps its counts; service rows stop at ``3 × text`` characters
    (per-container detail, on request, at ``DETAIL_CAP``); the hosts left without rows are named in ``omitted``."""
    budget = DETAIL_CAP if detail else max(STATUS_MIN_BUDGET, STATUS_TEXT_FACTOR * text_chars)
    hosts: list[HostOut[StatusData]] = []
    cut: list[str] = []
    cut_services = 0
    datas = {h.host: _status_data(h.data, detail) for h in result.hosts if h.ok and h.data is not None}
    bares = {name: d.model_copy(update={"services": []}) for name, d in datas.items()}
    # every host keeps its counts: what they take comes off the rows' budget first
    used = sum(size(b) + len(name) + HOST_ENVELOPE for name, b in bares.items())
    for h in result.hosts:
        data = datas.get(h.host)
        if data is None:
            hosts.append(HostOut[StatusData](host=h.host, status=h.status.value, reason=h.reason))
            continue
        cost = size(data.services)
        if used + cost > budget:
            cut.append(h.host)
            cut_services += len(data.services)
            data = bares[h.host]
        else:
            used += cost
        hosts.append(HostOut[StatusData](host=h.host, status="ok", data=data))
    answered = [h.data for h in hosts if h.data is not None]
    containers = [c for h in result.hosts if h.ok and h.data is not None for c in h.data.containers]
    notes = []
    if cut:
        notes.append(
            f"service rows of {len(cut)} hosts ({cut_services} services; counts kept): {', '.join(cut[:20])}"
            + (" …" if len(cut) > 20 else "")
            + " — ask with a narrower host selector"
        )
    if not detail:
        notes.append(f"per-container detail ({len(containers)} containers): call again with detail=true and a host")
    return StatusOutput(
        coverage=result.coverage,
        summary=StatusSummary(
            hosts=len(hosts),
            answered=len(answered),
            services=sum(d.services_total for d in answered),
            problem_services=sum(d.problem_services for d in answered),
            containers=len(containers),
            running=sum(1 for c in containers if c.state.value == "running"),
        ),
        hosts=hosts,
        omitted="; ".join(notes) or None,
    )


# -- logs -----------------------------------------------------------------------------------------------


def logs_data(s: ServiceLogs) -> LogsData:
    """A service's log lines, one string each (timestamp first when known)."""
    if s.logs is None:
        return LogsData(found=s.found)
    lines = [(f"{_time(ln.timestamp)} " if ln.timestamp else "") + ln.text for ln in s.logs.lines]
    return LogsData(
        found=s.found,
        container=s.logs.container_name,
        lines=lines,
        truncated=s.logs.truncated,
        matched=s.logs.matched_lines if s.logs.filtered else None,
    )


# -- reports --------------------------------------------------------------------------------------------


def problem_row(p: Problem) -> ProblemRow:
    """An alert or finding without its untrusted excerpt (the text answer fences it)."""
    return ProblemRow(
        severity=p.severity.value,
        code=str(p.code),
        host=p.host,
        project=p.project,
        service=p.service,
        title=p.title,
        evidence=p.evidence,
        action=p.action,
        count=p.count,
        change=p.change,
    )


def _bounded(rows: Sequence[ProblemRow], budget: int) -> tuple[list[ProblemRow], int]:
    kept: list[ProblemRow] = []
    used = 0
    for r in rows:
        cost = size(r)
        if used + cost > budget:
            break
        kept.append(r)
        used += cost
    return kept, len(rows) - len(kept)


def _failures(hosts: Sequence[Any]) -> list[str]:
    return [f"{h.host}: {h.status.value}" + (f" — {h.reason}" if h.reason else "") for h in hosts if not h.answered]


def report_output(report: FleetReport) -> ReportOutput:
    """A diagnosis: counts and incidents first, then alerts most urgent first, cut at ``LIST_CAP`` characters."""
    alerts = sorted(report.all_problems(), key=lambda p: p.sort_key())
    rows, left = _bounded([problem_row(a) for a in alerts], LIST_CAP)
    incidents = [
        IncidentRow(
            id=i.id,
            severity=i.severity.value,
            summary=i.summary,
            hosts=i.hosts,
            services=i.services,
            symptoms=len(i.symptoms),
        )
        for i in report.incidents
    ]
    return ReportOutput(
        mode=report.mode,
        coverage=report.coverage,
        counts=report.counts,
        exit_code=report.exit_code,
        incidents=incidents,
        alerts=rows,
        drift=[n.text for n in report.drift_notes],
        not_answered=_failures(report.hosts),
        omitted=f"{left} less urgent alerts (size cap): narrow the host selector" if left else None,
    )


def security_output(report: SecurityReport) -> SecurityOutput:
    """A security review: counts and groups first, then findings most urgent first, cut at ``LIST_CAP``."""
    findings = sorted(report.all_problems(), key=lambda f: f.sort_key())
    rows, left = _bounded([problem_row(f) for f in findings], LIST_CAP)
    return SecurityOutput(
        coverage=report.coverage,
        counts=report.counts,
        groups=[
            GroupRow(check=str(g.check), severity=g.severity.value, title=g.title, hosts=g.hosts, count=g.count)
            for g in report.groups
        ],
        findings=rows,
        not_answered=_failures(report.hosts),
        omitted=f"{left} less urgent findings (size cap): narrow the host selector" if left else None,
    )


# -- operations -----------------------------------------------------------------------------------------


def exec_data(e: ExecOutput) -> ExecData:
    """A command's output."""
    return ExecData(argv=e.argv, exit_status=e.exit_status, output=e.output, truncated=e.truncated)


def restart_data(r: RestartResult) -> RestartData:
    """A restart's containers and health."""
    return RestartData(
        project=r.project,
        service=r.service,
        healthy=r.healthy,
        containers=[
            RestartedRow(
                name=c.name,
                state=c.state.value,
                health=c.health.value if c.health else None,
                started_at=_time(c.started_at),
                restarted=c.restarted,
            )
            for c in r.containers
        ],
        output=r.output,
    )


def deploy_row(d: DeployReport | DeployState) -> DeployRow:
    """A deploy's state."""
    return DeployRow(
        id=d.id,
        project=d.project,
        status=str(d.status),
        step=d.step,
        exit_code=d.exit_code,
        healthy=getattr(d, "healthy", None),
        started_at=_time(d.started_at),
        finished_at=_time(d.finished_at),
        detail=getattr(d, "detail", ""),
        log_tail=d.log_tail,
    )


def deploy_states(states: list[DeployState]) -> list[DeployRow]:
    """Every deploy state of a host."""
    return [deploy_row(s) for s in states]


def prune_data(p: PruneReport) -> PruneData:
    """Counts by kind and bytes, not the item list."""
    items = p.result.removed if p.acted and p.result is not None else (p.preview.items if p.preview else [])
    by_kind: dict[str, int] = {}
    for item in items:
        by_kind[str(item.kind)] = by_kind.get(str(item.kind), 0) + 1
    if p.acted:
        freed = p.result.space_freed_bytes if p.result else 0
    else:
        freed = p.preview.reclaimable_bytes if p.preview else 0
    return PruneData(
        acted=p.acted,
        items=len(items),
        by_kind=by_kind,
        bytes=freed,
        notes=p.preview.notes if p.preview and not p.acted else [],
    )


def timeline_output(t: Timeline) -> TimelineOutput:
    """The timeline: coverage first, then entries newest kept when over ``LIST_CAP`` characters."""
    rows = [
        TimelineRow(time=_time(e.time) or "", host=e.host, kind=e.kind.value, detail=e.detail, service=e.service,
                    container=e.container, count=e.count, last=_time(e.last))
        for e in t.entries
    ]
    kept: list[TimelineRow] = []
    used = 0
    for row in reversed(rows):  # the newest matter most: the window's end is "now"
        used += size(row)
        if used > LIST_CAP:
            break
        kept.append(row)
    kept.reverse()
    left = t.omitted + len(rows) - len(kept)
    return TimelineOutput(
        since=_time(t.since) or "",
        until=_time(t.until) or "",
        total=t.total,
        entries=kept,
        gaps=[f"{h.host}: {h.gap}" for h in t.hosts if h.gap],
        not_answered=[f"{h.host}: {h.status.value}" + (f" — {h.reason}" if h.reason else "")
                      for h in t.hosts if not h.answered],
        omitted=f"{left} older entries: narrow since/host/service" if left else None,
    )


def drift_output(report: DriftReport) -> DriftOutput:
    """Drift: one row per differing service, each group of hosts as one sentence, cut at ``LIST_CAP``."""
    rows = [DriftRow(project=d.project, service=d.service, hosts=d.hosts, differences=[g.line for g in d.groups])
            for d in report.drift]
    kept: list[DriftRow] = []
    used = 0
    for row in rows:
        used += size(row)
        if used > LIST_CAP:
            break
        kept.append(row)
    left = len(rows) - len(kept)
    return DriftOutput(
        compared=len(report.compared),
        single_host=report.single_host,
        drift=kept,
        not_answered=_failures(report.hosts),
        omitted=f"{left} more drifting services (size cap): ask per project" if left else None,
    )
