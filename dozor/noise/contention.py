"""Resource contention, from the stats dozor already reads: pure rules over collected payloads.

- ``cpu_throttled``: a container with a CPU quota was paused by it in at least ``THROTTLE_RATIO`` of its
  enforcement periods (Engine API ``throttling_data``, the same keys on cgroup v1 and v2; between two samples
  when the answer holds two, else since the container started — the evidence says which). Needs at least
  ``MIN_PERIODS`` periods since the start (two seconds under the quota), or ``MIN_SAMPLE`` between two samples.
  On the CLI path (docker stats does not show it) the same counters come from the container's cgroup
  ``cpu.stat`` (:mod:`dozor.collectors.cgroup_cpu`), since the container started.
- memory within 10% of the container's limit is the ``container_memory`` rule (``Thresholds.container_memory``,
  90% by default, in :mod:`dozor.report.rules`); :func:`memory_trend_alert` says what the container's history
  (:mod:`dozor.noise.memtrend`) shows: rising (a warning with the rate and the time left before the limit,
  critical when that is under ``IMMINENT``), steady for ``STEADY_SPAN`` or more below ``AT_LIMIT`` (info: a cache
  or a fixed-size heap does not page; at ``AT_LIMIT`` or above it stays a warning, the kernel is reclaiming),
  creeping, falling, no clear trend yet, or unknown (first sample; today's warning).
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
from dozor.model.timetext import ago, human_duration, ts
from dozor.noise.memtrend import STEADY_SPAN, MemoryTrend
from dozor.report.alerts import Alert, AlertCode, Severity

THROTTLE_RATIO = 0.25
MIN_PERIODS = 20
MIN_SAMPLE = 5
STORM_SERVICES = 3
IMMINENT = 1800.0
AT_LIMIT = 97.0


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


def _mib(n: float, sign: bool = False) -> str:
    x = n / 2**20
    return f"{x:{'+' if sign else ''}.{1 if abs(x) < 10 else 0}f} MiB".replace("-", "\u2212")


def _left(seconds: float) -> str:
    if seconds < 60:
        return "under a minute"
    if seconds < 7200:
        return f"~{seconds / 60:.0f} min"
    return f"~{seconds / 3600:.1f} h"


def _since(t: datetime | None, now: datetime) -> str:
    return f"{ts(t)} ({ago(t, now)})"


def _for(t: datetime | None, now: datetime) -> str:
    return human_duration((now - t).total_seconds()) if t is not None else "0s"


def memory_trend_alert(alert: Alert, trend: MemoryTrend | None, now: datetime) -> Alert:
    """A ``container_memory`` alert with what the container's memory history says (``trend`` None: no history
    was consulted, the alert is returned as it is)."""
    if trend is None:
        return alert
    name, pct = alert.service or alert.subject or "container", trend.percent
    severity, title, said = Severity.WARNING, alert.title, ""
    action = alert.action
    if trend.kind == "unknown":
        said = "trend unknown (first sample)" if trend.samples == 1 else \
            f"trend unknown (its {trend.samples - 1} earlier sample(s) are under 3 min old)"
    elif trend.kind == "rising":
        left = trend.seconds_left or 0.0
        severity = Severity.CRITICAL if left <= IMMINENT else Severity.WARNING
        title = f"{name} at {pct:.0f}% of its memory limit and rising"
        said = f"rising: {_mib(trend.change, True)} since {_since(trend.since, now)}; at this rate the limit in " \
               f"{_left(left)}"
        action = "Find what grows (a leak, an unbounded cache or queue) or raise its memory limit before the " \
                 "kernel OOM-kills it."
    elif trend.kind == "falling":
        said = f"falling: {_mib(trend.change, True)} since {_since(trend.since, now)}"
    elif trend.kind == "creeping":
        said = f"creeping up: {_mib(trend.change, True)} over the last {_for(trend.since, now)} ({trend.samples} " \
               f"samples); at this rate the limit in {_left(trend.seconds_left or 0.0)}"
    elif trend.kind == "steady":
        span = _for(trend.since, now)
        if pct >= AT_LIMIT:
            said = f"steady at {pct:.0f}% for {span}: at its limit, the kernel is reclaiming its memory and a spike " \
                   "will OOM-kill it"
        else:
            severity = Severity.INFO
            title = f"{name} steady at {pct:.0f}% of its memory limit"
            said = f"steady at {pct:.0f}% for {span} (within {_mib(trend.change)} over {trend.samples} samples): " \
                   "likely a cache or a fixed-size heap"
            action = "Nothing urgent while it stays flat; raise the limit if it needs room for spikes."
    else:  # flat, not for long enough
        span = _for(trend.since, now)
        said = f"no clear trend yet: within {_mib(trend.change)} for {span} (steady needs " \
               f"{STEADY_SPAN / 60:.0f} min)"
    return alert.model_copy(update={"severity": severity, "title": title, "evidence": f"{alert.evidence}; {said}",
                                    "action": action})


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


__all__ = [
    "AT_LIMIT",
    "IMMINENT",
    "MIN_PERIODS",
    "STORM_SERVICES",
    "THROTTLE_RATIO",
    "memory_trend_alert",
    "restart_storm_alerts",
    "throttling_alerts",
]
