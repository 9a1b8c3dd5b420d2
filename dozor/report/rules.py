"""Alert rules: pure functions from collected payloads, thresholds and an explicit ``now`` to alerts.

Decisions worth knowing:

- Crash loop = ``RestartCount >= restarts_in_window`` AND the last start (or exit) inside the restart
  window. The lifetime count alone says nothing: 5 restarts last month and 20 days of uptime is stable.
- OOM kill: critical while the container is not running; a warning when it was OOM-killed and restarted
  within the last day; older than that it is historical (info).
- Exit code 0 (or 143, SIGTERM) is a *stopped* container, not a crash: a WARNING when the service is
  declared in the inventory (declared services should run; a one-shot job that finished also lands
  here), INFO when it was only discovered. Any other exit code is critical.
- Healthy running containers raise nothing.
- A container at ``container_memory`` % of its limit or more: how it reads depends on its memory history when
  the caller consulted it (rising → warning, critical when the limit is under 30 min away; steady below 97% for
  30 min or more → info; no history yet → the warning, "trend unknown"): :func:`dozor.noise.contention.
  memory_trend_alert`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from dozor.analysis.analyzer import UNCLASSIFIED
from dozor.collectors.resources import DiskUsage, HostResources
from dozor.collectors.status import ContainerState, ContainerStatus, HealthState, ServiceState
from dozor.inventory.models import Thresholds
from dozor.model.timetext import ago, ts
from dozor.noise.contention import memory_trend_alert
from dozor.noise.memtrend import MemoryTrend, limited
from dozor.outcome import HostStatus
from dozor.report.alerts import Alert, AlertCode, Severity
from dozor.report.findings import LogFinding

OOM_RECENT = timedelta(hours=24)
HOST_MEMORY_CRITICAL = 98.0

_SIGNALS = {130: "SIGINT", 134: "SIGABRT", 137: "SIGKILL", 139: "SIGSEGV", 143: "SIGTERM"}


def _exit_text(code: int | None) -> str:
    if code is None:
        return "no exit code"
    sig = _SIGNALS.get(code)
    return f"exit {code} ({sig})" if sig else f"exit {code}"


def _last_exit(c: ContainerStatus) -> str:
    """``last exit 1 (...)``; while a container runs again Docker has reset its exit code to 0, so none is claimed."""
    if c.state is ContainerState.RUNNING:
        return f"running again (the engine keeps no exit code while it runs; last exit at {ts(c.finished_at)})"
    return f"last {_exit_text(c.exit_code)}"


def _latest(c: ContainerStatus) -> datetime | None:
    times = [t for t in (c.started_at, c.finished_at) if t is not None]
    return max(times) if times else None


def _base(host: str, s: ServiceState, c: ContainerStatus | None) -> dict[str, object]:
    multi = c is not None and len(s.containers) > 1
    return {"host": host, "project": s.project, "service": s.service, "subject": c.name if multi else None}


def is_crash_loop(c: ContainerStatus, thresholds: Thresholds, now: datetime) -> bool:
    """Restarts >= threshold and the last start/exit within the restart window."""
    last = _latest(c)
    window = timedelta(minutes=thresholds.restart_window_minutes)
    return c.restart_count >= thresholds.restarts_in_window and last is not None and now - last <= window


def container_alerts(
    host: str, s: ServiceState, c: ContainerStatus, thresholds: Thresholds, now: datetime
) -> list[Alert]:
    """Alerts for one container of a service (none for a healthy running one)."""
    out: list[Alert] = []
    base = _base(host, s, c)
    limit = f"; memory limit {c.mem_limit // 2**20} MiB" if c.mem_limit else ""
    crash = is_crash_loop(c, thresholds, now)
    if crash:
        out.append(Alert(
            severity=Severity.CRITICAL, code=AlertCode.CRASH_LOOP, count=c.restart_count,
            title=f"{s.service} is crash-looping",
            evidence=f"{c.restart_count} restarts, last start {ts(c.started_at)} ({ago(c.started_at, now)}), "
            f"{_last_exit(c)}, state {c.state.value}, restart policy {c.restart_policy or 'none'}",
            action="Read the service's last error lines (dozor logs SERVICE -e); fix the cause (config, "
            "dependency, image) — restarting it again will not help.",
            first_seen=c.created_at, last_seen=_latest(c), **base,
        ))
    if c.oom_killed:
        when = c.finished_at
        if c.state not in (ContainerState.RUNNING, ContainerState.PAUSED):
            sev, state = Severity.CRITICAL, f"not running ({c.state.value})"
        elif when is not None and now - when <= OOM_RECENT:
            sev, state = Severity.WARNING, f"restarted, up since {ts(c.started_at)}"
        else:
            sev, state = Severity.INFO, "historical; running since then"
        out.append(Alert(
            severity=sev, code=AlertCode.OOM_KILLED,
            title=f"{s.service} was OOM-killed" + ("" if sev is not Severity.INFO else " (historical)"),
            evidence=f"OOMKilled at {ts(when)} ({ago(when, now)}), {_exit_text(c.exit_code)}{limit}; {state}",
            action="Raise the memory limit (mem_limit / deploy.resources.limits.memory) or cut the service's "
            "memory use (e.g. shared_buffers, worker counts); check host memory.",
            last_seen=when, **base,
        ))
    if c.health == HealthState.UNHEALTHY:
        probe = (c.health_output or "").strip().splitlines()
        out.append(Alert(
            severity=Severity.CRITICAL, code=AlertCode.UNHEALTHY, count=max(1, c.health_failing_streak),
            title=f"{s.service} is unhealthy",
            evidence=f"healthcheck failing {c.health_failing_streak} times in a row, running since "
            f"{ts(c.started_at)}" + ("" if probe else "; the check printed nothing"),
            action="Run the healthcheck command by hand in the container (docker exec) and read the service's "
            "logs; check the dependency it probes.",
            last_seen=now, excerpt=probe[-1] if probe else None, **base,
        ))
    if c.state == ContainerState.RESTARTING and not crash:
        out.append(Alert(
            severity=Severity.WARNING, code=AlertCode.CONTAINER_RESTARTING, count=c.restart_count,
            title=f"{s.service} is restarting",
            evidence=f"{c.restart_count} restarts so far, last {_exit_text(c.exit_code)} at {ts(c.finished_at)}",
            action="Watch whether it comes up; if it keeps restarting read its logs.",
            last_seen=_latest(c), **base,
        ))
    if c.state == ContainerState.EXITED and not crash and not c.oom_killed:
        out.append(_exited(s, c, base, now))
    elif c.state == ContainerState.DEAD:
        out.append(Alert(
            severity=Severity.CRITICAL, code=AlertCode.CONTAINER_DEAD, title=f"{s.service} is dead",
            evidence=f"docker reports state dead, {_exit_text(c.exit_code)}"
            + (f", error: {c.error}" if c.error else ""),
            action="Remove and recreate it (docker compose up -d --force-recreate SERVICE); check the storage "
            "driver / disk if it happens again.",
            last_seen=c.finished_at, **base,
        ))
    elif c.state == ContainerState.CREATED:
        out.append(Alert(
            severity=Severity.WARNING, code=AlertCode.CONTAINER_CREATED, title=f"{s.service} was never started",
            evidence="state created" + (f", error: {c.error}" if c.error else ""),
            action="Start it (docker compose up -d SERVICE) and read the error if it fails.",
            last_seen=c.created_at, **base,
        ))
    elif c.state == ContainerState.PAUSED:
        out.append(Alert(
            severity=Severity.WARNING, code=AlertCode.CONTAINER_PAUSED, title=f"{s.service} is paused",
            evidence="state paused: its processes are frozen", action="docker unpause it if nobody meant this.",
            **base,
        ))
    return out


def _exited(s: ServiceState, c: ContainerStatus, base: dict[str, object], now: datetime) -> Alert:
    when = f"at {ts(c.finished_at)} ({ago(c.finished_at, now)})"
    err = f", error: {c.error}" if c.error else ""
    if c.exit_code in (0, 143):
        sev = Severity.WARNING if s.declared else Severity.INFO
        return Alert(
            severity=sev, code=AlertCode.CONTAINER_STOPPED, title=f"{s.service} is stopped",
            evidence=f"exited cleanly ({_exit_text(c.exit_code)}) {when}, restart policy "
            f"{c.restart_policy or 'none'}" + ("; declared in the inventory" if s.declared else ""),
            action="If it is a one-shot job this is expected (drop it from the inventory's services); "
            "otherwise start it: docker compose up -d SERVICE.",
            last_seen=c.finished_at, **base,
        )
    return Alert(
        severity=Severity.CRITICAL, code=AlertCode.CONTAINER_EXITED, title=f"{s.service} exited with an error",
        evidence=f"{_exit_text(c.exit_code)} {when}, restart policy {c.restart_policy or 'none'}{err}",
        action="Read its last log lines, fix the cause, then docker compose up -d SERVICE "
        "(consider restart: unless-stopped).",
        last_seen=c.finished_at, **base,
    )


def service_alerts(host: str, s: ServiceState, thresholds: Thresholds, now: datetime) -> list[Alert]:
    """Alerts for one service: missing when declared and absent, else its containers' alerts merged by code."""
    if s.missing:
        name = s.service or f"project {s.project}"
        return [Alert(
            severity=Severity.CRITICAL, code=AlertCode.SERVICE_MISSING, host=host, project=s.project,
            service=s.service, title=f"{name} is missing",
            evidence=f"declared in the inventory (project {s.project}) but no container carries its compose labels",
            action="Deploy it (docker compose up -d in the project directory), or remove it from the inventory.",
            last_seen=now,
        )]
    out: list[Alert] = []
    for c in s.containers:
        if c.oneoff:
            continue
        out.extend(container_alerts(host, s, c, thresholds, now))
    return out


def status_alerts(host: str, services: Iterable[ServiceState], thresholds: Thresholds, now: datetime) -> list[Alert]:
    """Every service's alerts on one host."""
    out: list[Alert] = []
    for s in services:
        out.extend(service_alerts(host, s, thresholds, now))
    return out


def resource_alerts(
    host: str,
    res: HostResources,
    thresholds: Thresholds,
    now: datetime,
    containers: Sequence[ContainerStatus] = (),
    trends: Mapping[str, MemoryTrend] | None = None,
) -> list[Alert]:
    """Disk (space and inodes), host memory, and containers near their memory limit.

    ``trends`` (``host|container name`` → its memory trend, :mod:`dozor.noise.memtrend`): the history of each
    container near its limit decides how it reads (rising, steady…: :func:`dozor.noise.contention.
    memory_trend_alert`); None when no history was consulted (the alert as it always read).
    """
    out: list[Alert] = []
    for d in res.disks:
        for what, pct in (("space", d.use_percent), ("inodes", d.inode_use_percent)):
            if pct is None or pct < thresholds.disk_warning:
                continue
            crit = pct >= thresholds.disk_critical
            free = f", {d.available / 2**30:.1f} GiB free" if what == "space" else ""
            out.append(Alert(
                severity=Severity.CRITICAL if crit else Severity.WARNING, code=AlertCode.DISK_FULL, host=host,
                subject=d.mount if what == "space" else f"inodes {d.mount}",
                title=f"disk {d.mount} {what} {pct:.0f}% used",
                evidence=f"{d.mount} ({d.filesystem}) {what} at {pct:.1f}%{free}; threshold "
                f"{thresholds.disk_critical if crit else thresholds.disk_warning:g}%",
                action="Free space: docker system df, docker image prune, rotate/limit container logs "
                "(log-opts max-size), clean old backups." if what == "space" else
                "Find directories with many small files (find / -xdev -type d -size +1M) and clean them.",
                last_seen=now,
            ))
    m = res.memory
    if m is not None and m.used_percent >= thresholds.host_memory:
        crit = m.used_percent >= max(HOST_MEMORY_CRITICAL, thresholds.host_memory)
        out.append(Alert(
            severity=Severity.CRITICAL if crit else Severity.WARNING, code=AlertCode.HOST_MEMORY, host=host,
            title=f"host memory {m.used_percent:.0f}% used",
            evidence=f"{m.available / 2**20:.0f} MiB available of {m.total / 2**20:.0f} MiB; threshold "
            f"{thresholds.host_memory:g}%",
            action="Find the biggest containers (dozor resources); set memory limits; add RAM or swap.",
            last_seen=now,
        ))
    by_id = {c.id[:12]: c for c in containers}
    by_name = {c.name: c for c in containers}
    for cr in res.containers:
        st = by_id.get(cr.id[:12]) or by_name.get(cr.name)
        if not limited(cr, st, res) or cr.mem_percent is None or cr.mem_percent < thresholds.container_memory:
            continue
        alert = Alert(
            severity=Severity.WARNING, code=AlertCode.CONTAINER_MEMORY, host=host,
            project=st.project if st else None, service=(st.service if st else None) or cr.name,
            title=f"{(st.service if st else None) or cr.name} at {cr.mem_percent:.0f}% of its memory limit",
            evidence=f"{(cr.mem_usage or 0) / 2**20:.0f} MiB of {(cr.mem_limit or 0) / 2**20:.0f} MiB "
            f"({cr.mem_percent:.1f}%); threshold {thresholds.container_memory:g}%",
            action="Raise its memory limit or find the leak before the kernel OOM-kills it.",
            last_seen=now,
        )
        if trends is not None:
            trend = trends.get(f"{host}|{st.name if st else cr.name}") or \
                MemoryTrend("unknown", cr.mem_usage or 0, cr.mem_limit or 0)  # consulted, nothing recorded
            alert = memory_trend_alert(alert, trend, now)
        elif cr.memory_trend is not None:  # the answer carries it (dozor resources)
            alert = memory_trend_alert(alert, cr.memory_trend, now)
        out.append(alert)
    return out


def docker_data_disk(res: HostResources) -> DiskUsage | None:
    """The filesystem holding Docker's data root (the longest mount containing it), else the one at ``/``."""
    root = res.docker_df.data_root if res.docker_df is not None else None
    root = root or "/"

    def holds(mount: str) -> bool:
        return mount == "/" or root == mount or root.startswith(mount.rstrip("/") + "/")

    candidates = [d for d in res.disks if holds(d.mount)]
    return max(candidates, key=lambda d: len(d.mount)) if candidates else None


def docker_reclaimable_alerts(host: str, res: HostResources, thresholds: Thresholds, now: datetime) -> list[Alert]:
    """A warning when Docker could free a large share of the free space where its data lives.

    Both must hold: reclaimable >= ``docker_reclaimable`` % of that filesystem's free space, and
    >= ``docker_reclaimable_min_gib`` GiB (a few MB on a nearly full disk is not worth a warning).
    """
    df = res.docker_df
    disk = docker_data_disk(res)
    if df is None or disk is None:
        return []
    share = 100.0 * df.reclaimable / disk.available if disk.available > 0 else float("inf")
    if df.reclaimable < thresholds.docker_reclaimable_min_gib * 2**30 or share < thresholds.docker_reclaimable:
        return []
    parts = [f"{label} {e.reclaimable / 1e9:.1f} GB" for label, e in (
        ("images", df.images), ("containers", df.containers), ("volumes", df.volumes),
        ("build cache", df.build_cache)) if e.reclaimable]
    where = f"{disk.mount} (holds {df.data_root})" if df.data_root else disk.mount
    return [Alert(
        severity=Severity.WARNING, code=AlertCode.DOCKER_RECLAIMABLE, host=host, subject=disk.mount,
        title=f"{df.reclaimable / 1e9:.1f} GB reclaimable by `dozor prune`",
        evidence=f"docker system df: {', '.join(parts)} reclaimable; {where} has {disk.available / 1e9:.1f} GB "
        f"free, so {share:.0f}% of it could be freed; threshold {thresholds.docker_reclaimable:g}% "
        f"and {thresholds.docker_reclaimable_min_gib:g} GiB",
        action=f"Preview with `dozor --host {host} prune` (stopped containers, dangling images, build cache; "
        "--images-all for every unused image, --volumes for unused anonymous volumes), then confirm.",
        last_seen=now,
    )]


def log_alerts(
    host: str,
    project: str | None,
    service: str,
    findings: Sequence[LogFinding],
    thresholds: Thresholds,
    *,
    error_lines: int | None = None,
    scanned_lines: int | None = None,
    first: datetime | None = None,
    last: datetime | None = None,
) -> list[Alert]:
    """One ``log_pattern`` alert per critical/warning finding, plus ``error_burst`` when error lines that no
    pattern explains pile up (lines a pattern explains are already named by its own alert)."""
    out: list[Alert] = []
    for f in findings:
        if f.severity is Severity.INFO:
            continue
        out.append(Alert(
            severity=f.severity, code=AlertCode.LOG_PATTERN, host=host, project=project,
            service=service, subject=f.pattern, count=f.count,
            title=f"{f.meaning.rstrip('.')}" if f.meaning else f.pattern,
            evidence=f"{f.count}× {f.pattern} in the logs, first {ts(f.first_seen)}, last {ts(f.last_seen)}",
            action=f.action or "Read the service's logs around the last occurrence.",
            first_seen=f.first_seen, last_seen=f.last_seen, excerpt=f.example,
        ))
    unexplained = sum(f.count for f in findings if f.pattern == UNCLASSIFIED)
    if error_lines is not None and unexplained >= thresholds.error_burst:
        of = f" of the last {scanned_lines} lines" if scanned_lines else ""
        out.append(Alert(
            severity=Severity.WARNING, code=AlertCode.ERROR_BURST, host=host, project=project, service=service,
            count=unexplained, title=f"{service} logs {unexplained} error lines no known pattern explains",
            evidence=f"{unexplained} unexplained of {error_lines} error lines{of}, from {ts(first)} to {ts(last)}; "
            f"threshold {thresholds.error_burst}",
            action="Read them: dozor analyze SERVICE (clustered) or dozor logs SERVICE -e.",
            first_seen=first, last_seen=last,
        ))
    return out


def unreachable_alert(host: str, status: HostStatus, reason: str, now: datetime) -> Alert:
    """A host that did not answer: critical, since nothing on it could be checked."""
    action = {
        HostStatus.AUTH_FAILED: "Check the SSH user and key in the inventory (ssh -v HOST).",
        HostStatus.HOSTKEY_UNKNOWN: "Verify and add the host key (ssh-keyscan, compare fingerprints).",
        HostStatus.HOSTKEY_MISMATCH: "The host key CHANGED: verify the server before trusting the new key.",
        HostStatus.DOCKER_UNAVAILABLE: "Start Docker on the host (systemctl status docker) or fix socket rights.",
        HostStatus.ERROR: "dozor could not read this host's answer; run the same command with --json and "
        "report the reason if it looks like a dozor bug.",
    }.get(status, "Check the host is up and its SSH port reachable (ping, ssh -v, firewall).")
    title = {
        HostStatus.DOCKER_UNAVAILABLE: "Docker engine not reachable on the host",
        HostStatus.ERROR: "host could not be checked",
        HostStatus.TIMEOUT: "host did not answer in time",
        HostStatus.REFUSED: "host refused the operation",
    }.get(status, "host did not answer") + f" ({status.value})"
    return Alert(
        severity=Severity.CRITICAL, code=AlertCode.HOST_UNREACHABLE, host=host,
        title=title, evidence=reason or status.value, action=action,
        last_seen=now,
    )


__all__ = [
    "container_alerts",
    "docker_data_disk",
    "docker_reclaimable_alerts",
    "is_crash_loop",
    "log_alerts",
    "resource_alerts",
    "service_alerts",
    "status_alerts",
    "unreachable_alert",
]
