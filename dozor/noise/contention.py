"""Resource contention, from the stats dozor already reads: pure rules over collected payloads.

- ``cpu_throttled``: a container with a CPU quota was paused by it in at least ``THROTTLE_RATIO`` of its
  enforcement periods (Engine API ``throttling_data``, the same keys on cgroup v1 and v2; between two samples
  when the answer holds two, else since the container started — the evidence says which). Needs at least
  ``MIN_PERIODS`` periods since the start (two seconds under the quota), or ``MIN_SAMPLE`` between two samples.
  The docker CLI does not show throttling: on the CLI path this rule has nothing to read and raises nothing.
- memory within 10% of the container's limit is the existing ``container_memory`` rule
  (``Thresholds.container_memory``, 90% by default), in :mod:`dozor.report.rules`.
- ``restart_storm``: at least ``STORM_SERVICES`` services of one compose project on one host were restarted by
  the engine (restart count above zero, last start inside the restart window): the cause is likely shared
  (the host, a dependency, a deploy gone wrong), not each service's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from dozor.collectors.resources import HostResources
from dozor.collectors.status import ContainerStatus, ServiceState
from dozor.drift.config import ServiceConfig
from dozor.inventory.models import Thresholds
from dozor.model.timetext import ago, human_duration
from dozor.report.alerts import Alert, AlertCode, Severity

THROTTLE_RATIO = 0.25
MIN_PERIODS = 20
MIN_SAMPLE = 5
STORM_SERVICES = 3


def _paused(seconds: float) -> str:
    return f"{seconds:.1f}s" if seconds < 60 else human_duration(seconds)


def throttling_alerts(host: str, res: HostResources, containers: Sequence[ContainerStatus],
                      configs: Sequence[ServiceConfig], now: datetime) -> list[Alert]:
    """One ``cpu_throttled`` warning per container paused by its CPU quota in >= 25% of its periods."""
    by_id = {c.id[:12]: c for c in containers}
    by_name = {c.name: c for c in containers}
    cpus = {c.container: c.cpus for c in configs if c.cpus}
    out: list[Alert] = []
    for cr in res.containers:
        t = cr.cpu_throttling
        if t is None or t.ratio < THROTTLE_RATIO or t.periods < (MIN_SAMPLE if t.window == "sample" else MIN_PERIODS):
            continue
        st = by_id.get(cr.id[:12]) or by_name.get(cr.name)
        name = (st.service if st else None) or cr.name
        limit = cpus.get(st.name if st else cr.name)
        when = ("in the engine's last sample (~1 s)" if t.window == "sample" else
                f"since it started {ago(st.started_at, now)}" if st and st.started_at else "since it started")
        out.append(Alert(
            severity=Severity.WARNING, code=AlertCode.CPU_THROTTLED, host=host,
            project=st.project if st else None, service=name, subject=None if st else cr.name,
            count=t.throttled_periods,
            title=f"{name} is CPU-throttled by its quota",
            evidence=f"throttled in {t.throttled_periods} of {t.periods} CPU periods ({100 * t.ratio:.0f}%) {when}, "
            f"{_paused(t.throttled_seconds)} paused in all"
            + (f"; limit {limit:g} CPUs" if limit else "") + f"; threshold {100 * THROTTLE_RATIO:.0f}%",
            action="Raise its CPU limit (cpus: / deploy.resources.limits.cpus) or find what keeps it busy; "
            "latency rises while it waits for the next period.",
            last_seen=now,
        ))
    return out


def restart_storm_alerts(host: str, services: Sequence[ServiceState], thresholds: Thresholds,
                         now: datetime) -> list[Alert]:
    """One ``restart_storm`` warning per project where >= ``STORM_SERVICES`` services restarted in the window."""
    window = timedelta(minutes=thresholds.restart_window_minutes)
    by_project: dict[str, list[tuple[str, ContainerStatus]]] = {}
    totals: dict[str, int] = {}
    for s in services:
        if not s.service or s.missing:
            continue
        totals[s.project] = totals.get(s.project, 0) + 1
        recent = [c for c in s.containers if not c.oneoff and c.restart_count > 0 and c.started_at is not None
                  and now - c.started_at <= window]
        if recent:
            by_project.setdefault(s.project, []).append((s.service, max(recent, key=lambda c: c.restart_count)))
    out: list[Alert] = []
    for project, hit in sorted(by_project.items()):
        if len(hit) < STORM_SERVICES:
            continue
        hit.sort(key=lambda x: -x[1].restart_count)
        starts = [c.started_at for _, c in hit if c.started_at is not None]
        out.append(Alert(
            severity=Severity.WARNING, code=AlertCode.RESTART_STORM, host=host, project=project,
            count=sum(c.restart_count for _, c in hit),
            title=f"restart storm in {project}: {len(hit)} of {totals[project]} services restarted",
            evidence=", ".join(f"{name} {c.restart_count} restarts (last start {ago(c.started_at, now)})"
                               for name, c in hit[:8])
            + f"; all within the last {thresholds.restart_window_minutes:g} min",
            action="Look for a shared cause first: host memory/OOM kills (dozor timeline), a dependency they all "
            "use, a deploy; then each service's last error lines.",
            first_seen=min(starts, default=None), last_seen=max(starts, default=None),
        ))
    return out


__all__ = ["MIN_PERIODS", "STORM_SERVICES", "THROTTLE_RATIO", "restart_storm_alerts", "throttling_alerts"]
