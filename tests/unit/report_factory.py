"""Builders of status/resources payloads and reports for the report tests (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dozor.collectors.status import ContainerState, ContainerStatus, HealthState, ServiceState
from dozor.outcome import HostStatus
from dozor.report.alerts import Alert, AlertCode, Severity
from dozor.report.build import build_fleet_report
from dozor.report.models import HostReport, ServiceSummary
from dozor.reports import DiagnosisReport

NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)


def container(
    service: str = "web",
    *,
    state: ContainerState = ContainerState.RUNNING,
    health: HealthState | None = None,
    exit_code: int | None = 0,
    oom: bool = False,
    restarts: int = 0,
    started: timedelta = timedelta(days=1),
    finished: timedelta | None = None,
    restart_policy: str = "always",
    mem_limit: int | None = None,
    project: str = "shop",
) -> ContainerStatus:
    """A container whose times are given as ages relative to NOW."""
    return ContainerStatus(
        id=f"{service:x<12}"[:12], name=f"{project}_{service}_1", project=project, service=service,
        image="busybox", state=state, health=health, exit_code=exit_code, oom_killed=oom, restart_count=restarts,
        created_at=NOW - timedelta(days=30), started_at=NOW - started,
        finished_at=NOW - finished if finished is not None else None, restart_policy=restart_policy,
        mem_limit=mem_limit,
    )


def service(c: ContainerStatus, declared: bool = True) -> ServiceState:
    return ServiceState(project=c.project or "shop", service=c.service, declared=declared, missing=False,
                        containers=[c])


def alert(host: str, service: str | None = "web", code: AlertCode = AlertCode.CRASH_LOOP,
          severity: Severity = Severity.CRITICAL, **kw: object) -> Alert:
    return Alert(severity=severity, code=code, host=host, project="shop" if service else None, service=service,
                 title=kw.pop("title", f"{service or host} {code.value}"), evidence=kw.pop("evidence", "evidence 3×"),
                 action=kw.pop("action", "do something"), last_seen=NOW, **kw)


def host_ok(name: str, alerts: list[Alert] | None = None, services: int = 3) -> HostReport:
    return HostReport(
        host=name, status=HostStatus.OK, collected_at=NOW, alerts=alerts or [],
        services=[ServiceSummary(project="shop", service=f"s{i}", state="running") for i in range(services)],
    )


def host_down(name: str) -> HostReport:
    from dozor.report.rules import unreachable_alert

    return HostReport(host=name, status=HostStatus.UNREACHABLE, reason="connection refused",
                      alerts=[unreachable_alert(name, HostStatus.UNREACHABLE, "connection refused", NOW)])


def fleet(hosts: list[HostReport]) -> DiagnosisReport:
    return DiagnosisReport.of(build_fleet_report(hosts, now=NOW))
