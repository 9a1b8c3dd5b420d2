"""Pure builders: collected payloads + thresholds + ``now`` → ``HostReport`` / ``FleetReport``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, Field

from dozor.collectors.resources import HostResources
from dozor.collectors.status import ContainerState, ContainerStatus, ServiceState
from dozor.drift.config import ServiceConfig
from dozor.inventory.models import Thresholds
from dozor.model.timetext import ts
from dozor.noise.contention import restart_storm_alerts, throttling_alerts
from dozor.noise.memtrend import MemoryTrend
from dozor.outcome import HostResult
from dozor.report.alerts import Alert, AlertCode
from dozor.report.correlate import correlate
from dozor.report.findings import ServiceLogSummary
from dozor.report.incidents import fleet_incidents, host_incidents, service_links
from dozor.report.models import FleetReport, HostReport, ResourceSummary, ServiceSummary
from dozor.report.rules import (
    docker_reclaimable_alerts,
    log_alerts,
    resource_alerts,
    status_alerts,
    unreachable_alert,
)

# Worst first: the state a multi-container service is summarised by.
_STATE_ORDER = ["dead", "restarting", "exited", "created", "paused", "removing", "running"]


class HostDiagnosis(BaseModel):
    """What the diagnose operation collected on one host."""

    collected_at: datetime
    containers: list[ContainerStatus] = Field(default_factory=list)
    services: list[ServiceState] = Field(default_factory=list)
    resources: HostResources | None = None
    resources_error: str | None = None
    logs: list[ServiceLogSummary] = Field(default_factory=list)
    kinds: dict[str, str] = Field(default_factory=dict, description="project/service -> detected kind.")
    configs: list[ServiceConfig] = Field(
        default_factory=list, description="Compose containers' compared configuration (drift; no env values)."
    )


def summarize_service(s: ServiceState, kind: str | None = None) -> ServiceSummary:
    """One line per service: its worst container's state."""
    if s.missing or not s.containers:
        return ServiceSummary(project=s.project, service=s.service, state="missing", declared=s.declared, kind=kind)
    worst = min(s.containers, key=lambda c: _STATE_ORDER.index(c.state.value) if c.state.value in _STATE_ORDER
                else 0)
    return ServiceSummary(
        project=s.project, service=s.service, state=worst.state.value,
        health=worst.health.value if worst.health else None,
        exit_code=worst.exit_code if worst.state != ContainerState.RUNNING else None,
        restarts=max(c.restart_count for c in s.containers), containers=len(s.containers),
        image=worst.image, kind=kind, declared=s.declared,
    )


def summarize_resources(res: HostResources | None, error: str | None = None) -> ResourceSummary | None:
    """Headline numbers of a resources payload."""
    if res is None:
        return ResourceSummary(error=error) if error else None
    disk = max(res.disks, key=lambda d: d.use_percent, default=None)
    return ResourceSummary(
        disk_percent=disk.use_percent if disk else None, disk_mount=disk.mount if disk else None,
        memory_percent=res.memory.used_percent if res.memory else None,
        load1=res.load.load1 if res.load else None, cpus=res.cpus, error=error,
        section_errors=dict(res.section_errors),
    )


def build_host_report(result: HostResult[HostDiagnosis], thresholds: Thresholds, now: datetime,
                      trends: Mapping[str, MemoryTrend] | None = None) -> HostReport:
    """Turn one host's outcome into its report, alerts included; ``trends``: the containers' memory trends
    (``host|container name``; None: no history consulted), for the ``container_memory`` rule."""
    if not result.ok or result.data is None:
        return HostReport(
            host=result.host, status=result.status, reason=result.reason, duration=result.duration,
            alerts=[unreachable_alert(result.host, result.status, result.reason, now)],
        )
    d = result.data
    alerts = status_alerts(result.host, d.services, thresholds, now)
    alerts += restart_storm_alerts(result.host, d.services, thresholds, now)
    if d.resources is not None:
        alerts += resource_alerts(result.host, d.resources, thresholds, now, d.containers, trends)
        alerts += docker_reclaimable_alerts(result.host, d.resources, thresholds, now)
        alerts += throttling_alerts(result.host, d.resources, d.containers, d.configs, now)
    for lg in d.logs:
        alerts += log_alerts(
            result.host, lg.project, lg.service, lg.findings, thresholds,
            error_lines=lg.error_lines, scanned_lines=lg.scanned_lines, first=lg.first_seen, last=lg.last_seen,
        )
    alerts = _merge(with_log_evidence(alerts, d.logs))
    kinds = {(s.project, s.service): kind for s in d.services if s.service
             and (kind := d.kinds.get(f"{s.project}/{s.service}"))}
    return HostReport(
        host=result.host, status=result.status, duration=result.duration, collected_at=d.collected_at,
        services=[summarize_service(s, d.kinds.get(f"{s.project}/{s.service}")) for s in d.services],
        alerts=alerts, logs=d.logs, resources=summarize_resources(d.resources, d.resources_error),
        links=service_links(result.host, alerts, d.containers, kinds),
    )


_PRIMARY = (AlertCode.CRASH_LOOP, AlertCode.OOM_KILLED, AlertCode.CONTAINER_EXITED, AlertCode.UNHEALTHY,
            AlertCode.CONTAINER_DEAD, AlertCode.CONTAINER_RESTARTING)
MAX_EVIDENCE_FINDINGS = 3


def with_log_evidence(alerts: list[Alert], logs: Sequence[ServiceLogSummary]) -> list[Alert]:
    """Append what the logs said to each service's main status alert ("db OOM-killed … logs: 2× auth failed")."""
    by_service = {(lg.project, lg.service): lg for lg in logs if lg.findings or lg.last_output}
    done: set[tuple[str | None, str | None]] = set()
    out: list[Alert] = []
    for a in alerts:
        lg = by_service.get((a.project, a.service))
        if lg is None or a.code not in _PRIMARY or (a.project, a.service) in done:
            out.append(a)
            continue
        done.add((a.project, a.service))
        if not lg.findings:  # nothing a pattern knows: what it printed last is still the best clue
            out.append(a.model_copy(update={
                "evidence": f"{a.evidence}; last output: {lg.last_output[-1][:160]}",
                "excerpt": a.excerpt or "\n".join(lg.last_output),
            }))
            continue
        known = [f for f in lg.findings if f.pattern != "unclassified"] or lg.findings
        top = sorted(known, key=lambda f: (f.severity.rank, -f.count))[:MAX_EVIDENCE_FINDINGS]
        said = ", ".join(f"{f.count}× {f.pattern} (last {ts(f.last_seen)})" for f in top)
        out.append(a.model_copy(update={
            "evidence": f"{a.evidence}; logs: {said}",
            "excerpt": a.excerpt or top[0].example,
        }))
    return out


def _merge(alerts: Sequence[Alert]) -> list[Alert]:
    """Same key twice on one host (e.g. two replicas of a service) → one alert with the counts summed, worded as
    the most urgent of them (a rising replica is not hidden behind a steady one)."""
    out: dict[str, Alert] = {}
    for a in alerts:
        prev = out.get(a.key)
        keep = prev if prev is not None and prev.severity.rank <= a.severity.rank else a
        out[a.key] = a if prev is None else keep.model_copy(update={"count": prev.count + a.count})
    return list(out.values())


def build_fleet_report(
    hosts: Sequence[HostReport], *, now: datetime, selector: str | None = None, mode: str = "diagnose"
) -> FleetReport:
    """Merge host reports, correlating the same problem across hosts."""
    per_host = [i for h in hosts for i in host_incidents(h.host, h.alerts, h.links)]
    return FleetReport(
        generated_at=now, selector=selector, mode=mode, hosts=list(hosts), incidents=fleet_incidents(per_host),
        correlations=correlate(a for h in hosts for a in h.alerts),
    )


__all__ = ["HostDiagnosis", "build_fleet_report", "build_host_report", "summarize_resources", "summarize_service"]
