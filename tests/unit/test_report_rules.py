"""Alert rules: crash-loop window, OOM recency, stopped vs exited, healthy → nothing, thresholds from the inventory."""

from __future__ import annotations

from datetime import timedelta

from dozor.collectors.resources import ContainerResources, DiskUsage, HostResources, MemoryInfo
from dozor.collectors.status import ContainerState, HealthState, ServiceState
from dozor.inventory.models import Inventory, Thresholds
from dozor.outcome import HostStatus
from dozor.report.alerts import AlertCode, Severity
from dozor.report.findings import LogFinding
from dozor.report.models import ReportExit
from dozor.report.rules import log_alerts, resource_alerts, service_alerts, unreachable_alert
from tests.unit.report_factory import NOW, alert, container, fleet, host_down, host_ok, service

TH = Thresholds()


def codes(alerts):
    return {(a.code, a.severity) for a in alerts}


def test_healthy_running_containers_raise_nothing():
    for c in (container(), container(health=HealthState.HEALTHY), container(health=HealthState.STARTING)):
        assert service_alerts("h", service(c), TH, NOW) == []


def test_crash_loop_needs_recent_restarts():
    looping = container("worker", state=ContainerState.RESTARTING, exit_code=1, restarts=7,
                        started=timedelta(seconds=30), finished=timedelta(seconds=29))
    alerts = service_alerts("web1", service(looping), TH, NOW)
    assert codes(alerts) == {(AlertCode.CRASH_LOOP, Severity.CRITICAL)}
    a = alerts[0]
    assert (a.host, a.service, a.count) == ("web1", "worker", 7)
    assert "7 restarts" in a.evidence and "exit 1" in a.evidence
    # caught running again between two crashes: docker has reset ExitCode to 0, which must not read as a clean exit
    again = looping.model_copy(update={"state": ContainerState.RUNNING, "exit_code": 0})
    [b] = service_alerts("web1", service(again), TH, NOW)
    assert b.code is AlertCode.CRASH_LOOP and "exit 0" not in b.evidence and "keeps no exit code" in b.evidence


def test_lifetime_restarts_with_long_uptime_are_not_a_crash_loop():
    stable = container("worker", restarts=5, started=timedelta(days=20), finished=timedelta(days=20, seconds=5))
    assert service_alerts("web1", service(stable), TH, NOW) == []


def test_crash_loop_threshold_comes_from_the_inventory():
    inv = Inventory.model_validate({
        "defaults": {"thresholds": {"restarts_in_window": 10, "restart_window_minutes": 5}},
        "hosts": {"a": {"address": "local"}, "b": {"address": "local", "thresholds": {"restarts_in_window": 2}}},
    })
    c = container("worker", state=ContainerState.RESTARTING, exit_code=1, restarts=4,
                  started=timedelta(minutes=1), finished=timedelta(minutes=1))
    on_a = service_alerts("a", service(c), inv.resolve("a").thresholds, NOW)
    on_b = service_alerts("b", service(c), inv.resolve("b").thresholds, NOW)
    assert codes(on_a) == {(AlertCode.CONTAINER_RESTARTING, Severity.WARNING)}
    assert codes(on_b) == {(AlertCode.CRASH_LOOP, Severity.CRITICAL)}


def test_oom_killed_severity_follows_recency():
    down = container("db", state=ContainerState.EXITED, exit_code=137, oom=True, finished=timedelta(minutes=5),
                     restart_policy="no", mem_limit=16 * 2**20)
    recent = container("db", oom=True, exit_code=137, started=timedelta(hours=1), finished=timedelta(hours=1))
    old = container("db", oom=True, exit_code=137, started=timedelta(days=10), finished=timedelta(days=10))
    assert codes(service_alerts("db1", service(down), TH, NOW)) == {(AlertCode.OOM_KILLED, Severity.CRITICAL)}
    assert codes(service_alerts("db1", service(recent), TH, NOW)) == {(AlertCode.OOM_KILLED, Severity.WARNING)}
    assert codes(service_alerts("db1", service(old), TH, NOW)) == {(AlertCode.OOM_KILLED, Severity.INFO)}
    evidence = service_alerts("db1", service(down), TH, NOW)[0].evidence
    assert "137" in evidence and "16 MiB" in evidence and "not running" in evidence


def test_exit_zero_is_a_stopped_job_not_a_crash():
    job = container("backup", state=ContainerState.EXITED, exit_code=0, restart_policy="no",
                    finished=timedelta(hours=2))
    assert codes(service_alerts("db1", service(job), TH, NOW)) == {(AlertCode.CONTAINER_STOPPED, Severity.WARNING)}
    assert codes(service_alerts("db1", service(job, declared=False), TH, NOW)) == {
        (AlertCode.CONTAINER_STOPPED, Severity.INFO)}
    crashed = container("api", state=ContainerState.EXITED, exit_code=2, finished=timedelta(minutes=3))
    assert codes(service_alerts("h", service(crashed), TH, NOW)) == {(AlertCode.CONTAINER_EXITED, Severity.CRITICAL)}


def test_unhealthy_and_missing():
    sick = container("api", health=HealthState.UNHEALTHY)
    sick.health_failing_streak = 12
    sick.health_output = "curl: (7) Failed to connect"
    a = service_alerts("web2", service(sick), TH, NOW)
    assert codes(a) == {(AlertCode.UNHEALTHY, Severity.CRITICAL)}
    assert "12 times" in a[0].evidence and a[0].excerpt == "curl: (7) Failed to connect"
    missing = ServiceState(project="shop", service="cache", declared=True, missing=True)
    m = service_alerts("web2", missing, TH, NOW)
    assert codes(m) == {(AlertCode.SERVICE_MISSING, Severity.CRITICAL)} and m[0].service == "cache"


def _disk(pct: float, mount: str = "/") -> DiskUsage:
    return DiskUsage(filesystem="/dev/sda1", mount=mount, size=100, used=int(pct), available=100 - int(pct),
                     use_percent=pct)


def test_resource_thresholds():
    res = HostResources(disks=[_disk(50, "/boot"), _disk(88, "/"), _disk(97, "/var")],
                        memory=MemoryInfo(total=1000, available=50, used=950, used_percent=95.0))
    got = {(a.code, a.subject, a.severity) for a in resource_alerts("h", res, TH, NOW)}
    assert got == {(AlertCode.DISK_FULL, "/", Severity.WARNING), (AlertCode.DISK_FULL, "/var", Severity.CRITICAL),
                   (AlertCode.HOST_MEMORY, None, Severity.WARNING)}
    assert resource_alerts("h", res, Thresholds(disk_warning=99, disk_critical=99.5, host_memory=99), NOW) == []


def test_container_memory_only_when_limited():
    limited = container("db", mem_limit=100 * 2**20)
    free = container("web")
    res = HostResources(containers=[
        ContainerResources(id=limited.id, name=limited.name, cpu_percent=1, mem_usage=95 * 2**20,
                           mem_limit=100 * 2**20, mem_percent=95.0),
        ContainerResources(id=free.id, name=free.name, cpu_percent=1, mem_usage=95, mem_limit=100, mem_percent=95.0),
    ], memory=MemoryInfo(total=100, available=50, used=50, used_percent=50))
    got = resource_alerts("h", res, TH, NOW, [limited, free])
    assert [(a.code, a.service) for a in got] == [(AlertCode.CONTAINER_MEMORY, "db")]


def test_log_alerts_patterns_and_burst():
    findings = [
        LogFinding(pattern="postgres.auth_failed", severity="critical", meaning="Wrong password.", action="fix it",
                   count=4, first_seen=NOW - timedelta(minutes=9), last_seen=NOW, example='FATAL:  password …'),
        LogFinding(pattern="general.info", severity="info", count=100),
    ]
    # every error line is explained by a pattern: its own alert names them, no generic burst on top
    got = log_alerts("db1", "data", "db", findings, TH, error_lines=25, scanned_lines=200, last=NOW)
    assert [(a.code, a.subject, a.count) for a in got] == [(AlertCode.LOG_PATTERN, "postgres.auth_failed", 4)]
    # error lines no pattern explains still make a burst, counted as such
    other = LogFinding(pattern="unclassified", severity="info", count=21, last_seen=NOW, example="boom at step 3")
    got = log_alerts("db1", "data", "db", [*findings, other], TH, error_lines=25, scanned_lines=200, last=NOW)
    assert [(a.code, a.subject, a.count) for a in got] == [
        (AlertCode.LOG_PATTERN, "postgres.auth_failed", 4), (AlertCode.ERROR_BURST, None, 21)]
    assert "21 unexplained of 25 error lines" in got[1].evidence
    near = other.model_copy(update={"count": TH.error_burst - 1})
    assert log_alerts("db1", "data", "db", [near], TH, error_lines=40) == []


def test_unreachable_alert():
    a = unreachable_alert("dead", HostStatus.UNREACHABLE, "connection refused by 127.0.0.9:22", NOW)
    assert (a.code, a.severity, a.host) == (AlertCode.HOST_UNREACHABLE, Severity.CRITICAL, "dead")
    assert "refused" in a.evidence


def test_exit_codes_and_precedence():
    warn = alert("a", code=AlertCode.CONTAINER_STOPPED, severity=Severity.WARNING)
    info = alert("a", code=AlertCode.OOM_KILLED, severity=Severity.INFO)
    assert fleet([host_ok("a")]).exit_code == ReportExit.HEALTHY
    assert fleet([host_ok("a", [info])]).exit_code == ReportExit.HEALTHY
    assert not fleet([host_ok("a", [info])]).needs_attention
    assert fleet([host_ok("a", [warn])]).exit_code == ReportExit.WARNINGS
    assert fleet([host_ok("a", [warn]), host_down("z")]).exit_code == ReportExit.UNREACHABLE
    assert fleet([host_ok("a", [alert("a")]), host_down("z")]).exit_code == ReportExit.CRITICAL
    r = fleet([host_ok("a", [alert("a")]), host_down("z")])
    assert r.coverage == "1 of 2 hosts answered" and r.counts == {"critical": 2, "warning": 0, "info": 0}


def test_correlation_groups_the_same_problem_across_hosts():
    hosts = [host_ok(f"db{i}", [alert(f"db{i}", "db", AlertCode.LOG_PATTERN, subject="postgres.auth_failed",
                                      count=i)]) for i in range(1, 4)]
    hosts.append(host_ok("web1", [alert("web1", "web", AlertCode.LOG_PATTERN, subject="nginx.upstream")]))
    r = fleet(hosts)
    assert len(r.correlations) == 1
    c = r.correlations[0]
    assert c.hosts == ["db1", "db2", "db3"] and c.count == 6 and "postgres.auth_failed on 3 hosts" in c.title
