"""The diagnosis: one operation per host (status + resources at once, then every service's log), one report.

Per host, on one pooled connection:

1. ``status`` and ``resources`` run concurrently (a resources failure is noted, not fatal);
2. EVERY container of every selected service gets its recent log tail read, errors only (running ones:
   the last ``log_lines`` lines of the last ``log_window``; stopped and crashed ones: their last
   ``log_lines``), all in one exchange (``dozor.runner.tails``: pipelined Engine API requests on one
   socket stream, or one remote script), capped per container and per host, suspicious services first.
   Each service's lines are analysed with the pattern library; a service whose image and name reveal
   no kind gets the kind its log shows (nginx error lines, PostgreSQL ``FATAL:``, Redis errors...);
3. pure rules turn all of it into alerts (``dozor.report.rules``).

``quick=True`` (``dozor health``) runs step 1's status only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dozor.collectors.base import CollectorError
from dozor.collectors.log_tails import ContainerTail
from dozor.collectors.logs import is_error_line
from dozor.collectors.status import (
    ContainerState,
    ContainerStatus,
    HealthState,
    ServiceState,
    container_from_inspect,
    match_declared,
)
from dozor.drift.config import configs_from_inspect
from dozor.drift.notes import diagnosis_drift
from dozor.inventory.models import ResolvedHost
from dozor.noise.memtrend import memory_samples, observe_memory
from dozor.noise.models import NoiseSummary
from dozor.report.build import HostDiagnosis, build_fleet_report, build_host_report
from dozor.report.findings import (
    ServiceLogSummary,
    analyze_service_lines,
    detect_service_kind,
    detect_service_kind_from_log,
)
from dozor.report.models import FleetReport, HostReport
from dozor.report.rules import log_alerts, unreachable_alert
from dozor.runner.docker import diagnosis_inputs, inspect_containers
from dozor.runner.fanout import HostContext, Progress
from dozor.runner.protocol import FleetRunner
from dozor.runner.questions import logs as service_logs
from dozor.runner.tails import (
    DEFAULT_HOST_MAX_BYTES,
    DEFAULT_LINES,
    DEFAULT_MAX_BYTES,
    DEFAULT_WINDOW,
    read_tails,
)

LOG_MAX_BYTES = DEFAULT_MAX_BYTES
LAST_OUTPUT_LINES = 3
LAST_OUTPUT_CHARS = 300
RECENT = timedelta(hours=24)


def looks_unhealthy(s: ServiceState, now: datetime) -> bool:
    """Worth reading the logs of: not running, unhealthy, restarting, or OOM-killed / restarted in the last day."""
    for c in s.containers:
        if c.state != ContainerState.RUNNING or c.health == HealthState.UNHEALTHY:
            return True
        if c.oom_killed and c.finished_at is not None and now - c.finished_at <= RECENT:
            return True
        if c.restart_count and c.started_at is not None and now - c.started_at <= RECENT:
            return True
    return False


def log_containers(s: ServiceState) -> list[ContainerStatus]:
    """The containers of a service whose tails are read: all of them (``compose run`` one-offs only when
    the service has nothing else)."""
    regular = [c for c in s.containers if not c.oneoff]
    return regular or list(s.containers)


def counts_as_error(text: str) -> bool:
    """An error line for the ``error_burst`` count: matches the error filter once the phrases that report
    an ABSENCE of errors (``errors=0``, ``0 errors``, ``on_error``) are blanked out."""
    from dozor.analysis.analyzer import without_benign

    return is_error_line(text) and is_error_line(without_benign(text))


def service_summary(
    s: ServiceState, kind: str | None, tails: Sequence[ContainerTail], *, kind_source: str | None = None
) -> ServiceLogSummary:
    """One service's log summary from its containers' tails (lines of several containers merged by time)."""
    errors = [t.error for t in tails if t.error]
    lines = [line for t in tails for line in t.lines]
    if len(tails) > 1:
        lines.sort(key=lambda x: (x.timestamp is None, x.timestamp or datetime.min.replace(tzinfo=UTC)))
    read = [t for t in tails if not t.error]
    if errors and not read:
        return ServiceLogSummary(project=s.project, service=s.service or "", kind=kind, kind_source=kind_source,
                                 error="; ".join(dict.fromkeys(errors)), containers=len(tails))
    stamps = [line.timestamp for line in lines if line.timestamp is not None]
    error = None
    try:
        findings, scanners = analyze_service_lines(((line.timestamp, line.text) for line in lines), kind=kind)
    except Exception as exc:  # a bug in the analysis must not cost the host its status alerts
        findings, scanners, error = [], 0, f"log analysis failed: {type(exc).__name__}: {exc}"
    totals = [t.total_lines for t in read if t.total_lines is not None]
    stopped = [t for t in read if t.last]
    last = [line.text.strip()[:LAST_OUTPUT_CHARS] for line in stopped[-1].last if line.text.strip()] if stopped \
        else []
    return ServiceLogSummary(
        last_output=last[-LAST_OUTPUT_LINES:],
        error=error, project=s.project, service=s.service or "", kind=kind, kind_source=kind_source,
        scanned_lines=sum(totals) if totals else None,
        error_lines=sum(1 for line in lines if counts_as_error(line.text)),
        first_seen=min(stamps, default=None), last_seen=max(stamps, default=None),
        findings=findings, scanner_requests=scanners, containers=len(tails),
        bytes_read=sum(t.bytes_read for t in tails), truncated=any(t.truncated or t.skipped for t in tails),
    )


async def read_service_logs(
    ctx: HostContext, states: Sequence[ServiceState], kinds: dict[str, str], now: datetime, *,
    lines: int, window: timedelta | None, max_bytes: int, host_max_bytes: int,
) -> list[ServiceLogSummary]:
    """Every service's recent log, read in one exchange with the host, analysed per service.

    Suspicious services come first, so the host's byte budget reaches them before the others. A service
    whose image and name reveal no kind gets the kind its log content shows (``kinds`` is updated).
    """
    present = [s for s in states if s.service and s.containers]
    present.sort(key=lambda s: not looks_unhealthy(s, now))
    per_service = {id(s): log_containers(s) for s in present}
    order = [c for s in present for c in per_service[id(s)]]
    try:
        tails = await read_tails(ctx, order, lines=lines, window=window, max_bytes=max_bytes,
                                 host_max_bytes=host_max_bytes)
    except (CollectorError, ValueError) as exc:
        return [ServiceLogSummary(project=s.project, service=s.service or "", kind=kinds.get(_key(s)),
                                  error=str(exc)) for s in present]
    out = []
    for s in present:
        mine = [tails.get(c.id) or ContainerTail(container_id=c.id, error="no answer for this container")
                for c in per_service[id(s)]]
        kind, source = kinds.get(_key(s)), "image" if _key(s) in kinds else None
        if kind is None:
            kind = detect_service_kind_from_log(line.text for t in mine for line in t.lines)
            if kind is not None:
                kinds[_key(s)], source = kind, "log"
        out.append(service_summary(s, kind, mine, kind_source=source))
    return out


def _key(s: ServiceState) -> str:
    return f"{s.project}/{s.service}"


_LIVE = (ContainerState.RUNNING, ContainerState.RESTARTING)


def diagnosed_services(containers: Sequence[ContainerStatus], host: ResolvedHost) -> list[ServiceState]:
    """The host's declared services, plus every RUNNING (or restarting) service of a project it does not
    declare (unless the host sets ``diagnose_undeclared = false``): a crash loop or an error-filled log is a
    fault whatever the inventory lists. Stopped containers of undeclared projects (leftovers of removed
    stacks) are not diagnosed."""
    states = match_declared(containers, host.projects, include_undeclared=host.diagnose_undeclared)
    declared = {p.name for p in host.projects}
    return [s for s in states if not declared or s.project in declared
            or any(c.state in _LIVE for c in s.containers)]


def diagnosis_operation(
    *, services: Sequence[str] | None = None, log_lines: int = DEFAULT_LINES, quick: bool = False,
    log_window: timedelta | None = DEFAULT_WINDOW,
    log_max_bytes: int = DEFAULT_MAX_BYTES, log_host_max_bytes: int = DEFAULT_HOST_MAX_BYTES,
):
    """The per-host operation (exposed for tests and other front ends).

    Every running container of every selected service has its recent tail read (the last ``log_lines``
    lines of the last ``log_window``); stopped and crashed ones their last ``log_lines``.
    """

    async def op(ctx: HostContext) -> HostDiagnosis:
        raw: list[dict] = []
        if quick:
            raw = await inspect_containers(ctx)
            containers = [container_from_inspect(c) for c in raw]
            res = res_err = None
        else:
            containers, res, res_err = await diagnosis_inputs(ctx, keep=raw)
        configs = configs_from_inspect(ctx.host.name, raw)  # what drift compares; no environment value
        del raw
        now = datetime.now(UTC)
        states = diagnosed_services(containers, ctx.host)
        if services:
            states = [s for s in states if s.service in services]
            containers = [c for c in containers if c.service in services]
            configs = [c for c in configs if c.service in services]
        kinds: dict[str, str] = {}
        for s in states:
            if s.containers:
                kind = detect_service_kind(s.containers[0].image, s.service or "")
                if kind:
                    kinds[_key(s)] = kind
        logs: list[ServiceLogSummary] = []
        if not quick and log_lines > 0:
            logs = await read_service_logs(ctx, states, kinds, now, lines=log_lines, window=log_window,
                                           max_bytes=log_max_bytes, host_max_bytes=log_host_max_bytes)
        return HostDiagnosis(collected_at=now, containers=containers, services=states, resources=res,
                             resources_error=res_err, logs=logs, kinds=kinds, configs=configs)

    return op


async def diagnose(
    fleet: FleetRunner,
    host: str | None = None,
    *,
    services: Sequence[str] | None = None,
    log_lines: int = DEFAULT_LINES,
    quick: bool = False,
    progress: Progress | None = None,
    log_window: timedelta | None = DEFAULT_WINDOW,
    log_max_bytes: int = DEFAULT_MAX_BYTES,
    log_host_max_bytes: int = DEFAULT_HOST_MAX_BYTES,
    state_dir: str | Path | None = None,
) -> FleetReport:
    """Diagnose the selected hosts (all by default): status, resources, every service's recent log → report.

    ``state_dir``: where the containers' memory history is kept (``dozor.noise.memtrend``): each memory sample is
    judged against it (rising, steady…) and recorded. None: no history (a container near its limit reads as it
    always did).
    """
    op = diagnosis_operation(services=services, log_lines=log_lines, quick=quick,
                             log_window=log_window, log_max_bytes=log_max_bytes,
                             log_host_max_bytes=log_host_max_bytes)
    chosen = fleet.select(host)
    result = await fleet.run(op, host, name="health" if quick else "diagnose", hosts=chosen, progress=progress)
    now = datetime.now(UTC)
    thresholds = {h.name: h.thresholds for h in chosen}
    trends, warning = None, None
    if state_dir is not None and not quick:
        samples = [s for r in result.hosts if r.ok and r.data is not None and r.data.resources is not None
                   for s in memory_samples(r.host, r.data.resources, r.data.containers, r.data.collected_at)]
        trends, warning = observe_memory(state_dir, samples, now)
    reports = [build_host_report(r, thresholds[r.host], now, trends) for r in result.hosts]
    reports, notes = diagnosis_drift(reports, (c for r in result.hosts if r.ok and r.data for c in r.data.configs))
    report = build_fleet_report(reports, now=now, selector=host, mode="health" if quick else "diagnose")
    update: dict[str, object] = {"drift_notes": notes} if notes else {}
    if warning:
        update["noise"] = NoiseSummary(warning=warning)
    return report.model_copy(update=update) if update else report


async def analyze(
    fleet: FleetRunner, service: str, host: str | None = None, *, lines: int = 1000, project: str | None = None,
    progress: Progress | None = None,
) -> FleetReport:
    """Deep log analysis of one service on every selected host where it runs (all lines, not only errors)."""
    kind = detect_service_kind("", service)
    result = await service_logs(fleet, service, host, lines=lines, project=project, progress=progress)
    now = datetime.now(UTC)
    reports: list[HostReport] = []
    for r in result.hosts:
        if not r.ok or r.data is None:
            reports.append(HostReport(host=r.host, status=r.status, reason=r.reason, duration=r.duration,
                                      alerts=[unreachable_alert(r.host, r.status, r.reason, now)]))
            continue
        if not r.data.found or r.data.logs is None:
            continue
        lg = r.data.logs
        th = fleet.inventory.resolve(r.host).thresholds
        stamps = [x.timestamp for x in lg.lines if x.timestamp is not None]
        findings, scanners = analyze_service_lines(((x.timestamp, x.text) for x in lg.lines), kind=kind)
        summary = ServiceLogSummary(
            project=project, service=service, kind=kind, scanned_lines=lg.total_lines,
            error_lines=sum(1 for x in lg.lines if is_error_line(x.text)),
            first_seen=min(stamps, default=None), last_seen=max(stamps, default=None),
            findings=findings, scanner_requests=scanners,
        )
        alerts = log_alerts(r.host, project, service, findings, th, error_lines=summary.error_lines,
                            scanned_lines=summary.scanned_lines, first=summary.first_seen, last=summary.last_seen)
        reports.append(HostReport(host=r.host, status=r.status, duration=r.duration, collected_at=now,
                                  alerts=alerts, logs=[summary]))
    return build_fleet_report(reports, now=now, selector=host, mode="analyze")


__all__ = ["analyze", "counts_as_error", "diagnose", "diagnosis_operation", "log_containers", "looks_unhealthy",
           "read_service_logs", "service_summary"]
