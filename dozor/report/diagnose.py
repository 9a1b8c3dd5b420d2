"""The diagnosis: one operation per host (status + resources at once, then a few log tails), one report.

Per host, on one pooled connection:

1. ``status`` and ``resources`` run concurrently (a resources failure is noted, not fatal);
2. services that look unhealthy (not running, unhealthy, restarting, OOM-killed recently, crash-looping)
   and then services of a known kind (postgres, nginx…) get an errors-only log tail, analysed with the
   pattern library — at most ``max_log_fetches`` of them per host, suspicious ones first;
3. pure rules turn all of it into alerts (``dozor.report.rules``).

``quick=True`` (``dozor health``) runs step 1's status only.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from dozor.collectors.base import CollectorError
from dozor.collectors.logs import ERROR_REGEX, LOGS, LogResult
from dozor.collectors.status import ContainerState, HealthState, ServiceState, match_declared
from dozor.report.build import HostDiagnosis, build_fleet_report, build_host_report
from dozor.report.findings import ServiceLogSummary, analyze_service_lines, detect_service_kind
from dozor.report.models import FleetReport, HostReport
from dozor.report.rules import log_alerts, unreachable_alert
from dozor.runner.docker import container_status, diagnosis_inputs
from dozor.runner.fanout import HostContext, Progress
from dozor.runner.protocol import FleetRunner
from dozor.runner.questions import logs as service_logs

MAX_LOG_FETCHES = 6
LOG_FETCH_CONCURRENCY = 3
LOG_MAX_BYTES = 256 * 1024
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


def pick_log_services(
    services: Sequence[ServiceState], kinds: dict[str, str], now: datetime, limit: int = MAX_LOG_FETCHES
) -> list[ServiceState]:
    """Services to tail: unhealthy-looking ones first, then known kinds; at most ``limit``."""
    present = [s for s in services if s.service and s.containers]
    bad = [s for s in present if looks_unhealthy(s, now)]
    known = [s for s in present if s not in bad and f"{s.project}/{s.service}" in kinds]
    return (bad + known)[:limit]


def _summary(s: ServiceState, kind: str | None, result: LogResult) -> ServiceLogSummary:
    stamps = [line.timestamp for line in result.lines if line.timestamp is not None]
    error = None
    try:
        findings, scanners = analyze_service_lines(((line.timestamp, line.text) for line in result.lines), kind=kind)
    except Exception as exc:  # a bug in the analysis must not cost the host its status alerts
        findings, scanners, error = [], 0, f"log analysis failed: {type(exc).__name__}: {exc}"
    return ServiceLogSummary(error=error,
        project=s.project, service=s.service or "", kind=kind, scanned_lines=result.total_lines,
        error_lines=result.matched_lines if result.matched_lines is not None else len(result.lines),
        first_seen=min(stamps, default=None), last_seen=max(stamps, default=None),
        findings=findings, scanner_requests=scanners,
    )


async def _service_logs(ctx: HostContext, s: ServiceState, kind: str | None, lines: int) -> ServiceLogSummary:
    assert s.service is not None
    try:
        argv = LOGS.argv(s.service, project=s.project, tail=lines, errors_only=True, max_bytes=LOG_MAX_BYTES)
        result = LOGS.parse(await ctx.run(argv))
    except (CollectorError, ValueError) as exc:
        return ServiceLogSummary(project=s.project, service=s.service, kind=kind, error=str(exc))
    return _summary(s, kind, result)


def diagnosis_operation(
    *, services: Sequence[str] | None = None, log_lines: int = 200, quick: bool = False,
    max_log_fetches: int = MAX_LOG_FETCHES,
):
    """The per-host operation (exposed for tests and other front ends)."""

    async def op(ctx: HostContext) -> HostDiagnosis:
        if quick:
            containers = await container_status(ctx)
            res = res_err = None
        else:
            containers, res, res_err = await diagnosis_inputs(ctx)
        now = datetime.now(UTC)
        states = match_declared(containers, ctx.host.projects)
        if services:
            states = [s for s in states if s.service in services]
            containers = [c for c in containers if c.service in services]
        kinds: dict[str, str] = {}
        for s in states:
            if s.containers:
                kind = detect_service_kind(s.containers[0].image, s.service or "")
                if kind:
                    kinds[f"{s.project}/{s.service}"] = kind
        logs: list[ServiceLogSummary] = []
        if not quick and log_lines > 0:
            gate = asyncio.Semaphore(min(LOG_FETCH_CONCURRENCY, ctx.host.max_channels))

            async def one(s: ServiceState) -> ServiceLogSummary:
                async with gate:
                    return await _service_logs(ctx, s, kinds.get(f"{s.project}/{s.service}"), log_lines)

            chosen = pick_log_services(states, kinds, now, max_log_fetches)
            logs = list(await asyncio.gather(*(one(s) for s in chosen)))
        return HostDiagnosis(collected_at=now, containers=containers, services=states, resources=res,
                             resources_error=res_err, logs=logs, kinds=kinds)

    return op


async def diagnose(
    fleet: FleetRunner,
    host: str | None = None,
    *,
    services: Sequence[str] | None = None,
    log_lines: int = 200,
    quick: bool = False,
    max_log_fetches: int = MAX_LOG_FETCHES,
    progress: Progress | None = None,
) -> FleetReport:
    """Diagnose the selected hosts (all by default): status, resources, logs of suspicious services → report."""
    op = diagnosis_operation(services=services, log_lines=log_lines, quick=quick, max_log_fetches=max_log_fetches)
    chosen = fleet.select(host)
    result = await fleet.run(op, host, name="health" if quick else "diagnose", hosts=chosen, progress=progress)
    now = datetime.now(UTC)
    thresholds = {h.name: h.thresholds for h in chosen}
    reports = [build_host_report(r, thresholds[r.host], now) for r in result.hosts]
    return build_fleet_report(reports, now=now, selector=host, mode="health" if quick else "diagnose")


async def analyze(
    fleet: FleetRunner, service: str, host: str | None = None, *, lines: int = 1000, project: str | None = None,
    progress: Progress | None = None,
) -> FleetReport:
    """Deep log analysis of one service on every selected host where it runs (all lines, not only errors)."""
    err = re.compile(ERROR_REGEX, re.IGNORECASE)
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
            error_lines=sum(1 for x in lg.lines if err.search(x.text)),
            first_seen=min(stamps, default=None), last_seen=max(stamps, default=None),
            findings=findings, scanner_requests=scanners,
        )
        alerts = log_alerts(r.host, project, service, findings, th, error_lines=summary.error_lines,
                            scanned_lines=summary.scanned_lines, first=summary.first_seen, last=summary.last_seen)
        reports.append(HostReport(host=r.host, status=r.status, duration=r.duration, collected_at=now,
                                  alerts=alerts, logs=[summary]))
    return build_fleet_report(reports, now=now, selector=host, mode="analyze")


__all__ = ["analyze", "diagnose", "diagnosis_operation", "looks_unhealthy", "pick_log_services"]
