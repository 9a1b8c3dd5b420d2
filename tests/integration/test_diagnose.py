"""Diagnosis on the real test fleet: every planted fault named with host, service and evidence; healthy = silent."""

from __future__ import annotations

import pytest

from dozor.fleet import Fleet
from dozor.render.report_ai import estimate_tokens
from dozor.report.alerts import AlertCode, Severity
from dozor.report.models import FleetReport, ReportExit

pytestmark = pytest.mark.integration

HEALTHY = [("web1", "web"), ("web2", "web"), ("db1", "db-ok"), ("app1", "web"), ("app1", "api")]


@pytest.fixture
async def report(fleet) -> FleetReport:
    async with Fleet.load(fleet.inventory) as f:
        return await f.diagnose()


def one(report: FleetReport, host: str, service: str | None, code: AlertCode):
    found = [a for a in report.alerts if a.host == host and a.service == service and a.code is code]
    assert found, f"no {code.value} alert for {host} {service}: " + "; ".join(a.key for a in report.alerts)
    return found[0]


async def test_every_planted_fault_is_named(report):
    crash = one(report, "web1", "worker", AlertCode.CRASH_LOOP)
    assert crash.severity is Severity.CRITICAL and "restarts" in crash.evidence
    # restarting: the last exit code; running again: the engine has reset it, so none is claimed (never "exit 0")
    assert "exit 1" in crash.evidence or "keeps no exit code" in crash.evidence, crash.evidence
    assert crash.count >= 2 and crash.last_seen is not None

    api = one(report, "web2", "api", AlertCode.UNHEALTHY)
    assert api.severity is Severity.CRITICAL and "healthcheck failing" in api.evidence

    cache = one(report, "web2", "cache", AlertCode.SERVICE_MISSING)
    assert "declared" in cache.evidence

    oom = one(report, "db1", "db", AlertCode.OOM_KILLED)
    assert oom.severity is Severity.CRITICAL and "137" in oom.evidence and "not running" in oom.evidence
    # the postgres auth failure read from the db's logs, as its own alert and as evidence of the OOM alert
    auth = [a for a in report.alerts if a.host == "db1" and a.service == "db" and a.code is AlertCode.LOG_PATTERN
            and a.subject and "auth" in a.subject and "postgres" in a.subject]
    assert auth and auth[0].count >= 2 and "password authentication failed" in (auth[0].excerpt or "")
    assert "postgres" in oom.evidence and "auth" in oom.evidence

    for host, status in (("dead", "unreachable"), ("blackhole", "timeout")):
        down = one(report, host, None, AlertCode.HOST_UNREACHABLE)
        assert down.severity is Severity.CRITICAL and status in down.title

    backup = one(report, "db1", "backup", AlertCode.CONTAINER_STOPPED)
    assert backup.severity is Severity.WARNING and "exit 0" in backup.evidence

    migrate = one(report, "app1", "migrate", AlertCode.CONTAINER_EXITED)  # app1: compose v2, non-root user
    assert "exit 1" in migrate.evidence and "DuplicateColumn" in (migrate.excerpt or "")

    assert report.coverage == "4 of 6 hosts answered"
    assert report.needs_attention and report.exit_code == ReportExit.CRITICAL


async def test_healthy_services_raise_no_alert(report):
    for host, service in HEALTHY:
        assert [a.key for a in report.alerts if a.host == host and a.service == service] == []
        summary = next(s for s in report.host(host).services if s.service == service)
        assert summary.state == "running" and summary.health == "healthy"
    # no host-level resource alert on a test machine with room to spare is expected either
    assert all(a.service for a in report.alerts if a.host in ("web1", "web2", "db1", "app1"))


async def test_ai_text_names_every_fault_and_stays_small(report):
    text = report.to_ai_prompt()
    for needle in ("web1 shop/worker", "crash-looping", "web2 shop/api", "unhealthy", "web2 shop/cache", "missing",
                   "db1 data/db", "OOM-killed", "password authentication failed", "app1 notes", "migrate",
                   "dead", "blackhole"):
        assert needle in text, needle
    for host, service in HEALTHY:
        assert f"{host} shop/{service} —" not in text and f"{host} data/{service} —" not in text
    print(f"\n[AI text for the test fleet: {len(text)} chars ≈ {estimate_tokens(text)} tokens]\n{text}")
    # 11 incidents (4 hosts answering, 2 not) at about 200 tokens each at most.
    assert estimate_tokens(text) < 2300


async def test_health_is_status_only(fleet):
    async with Fleet.load(fleet.inventory) as f:
        quick = await f.health()
    assert quick.mode == "health"
    assert all(not h.logs and h.resources is None for h in quick.hosts)
    one(quick, "web1", "worker", AlertCode.CRASH_LOOP)
    one(quick, "db1", "db", AlertCode.OOM_KILLED)
    assert not [a for a in quick.alerts if a.code in (AlertCode.LOG_PATTERN, AlertCode.ERROR_BURST)]


async def test_analyze_one_service(fleet):
    async with Fleet.load(fleet.inventory) as f:
        rep = await f.analyze("db", "db1", project="data")
    [host] = rep.hosts
    [logs] = host.logs
    assert any("auth" in x.pattern for x in logs.findings)
    assert any(a.code is AlertCode.LOG_PATTERN for a in rep.alerts)


@pytest.fixture
def failing_proxy(fleet_mutable):
    """An nginx-named compose service on web1 that logs access lines only, a third of them 502s."""
    import os
    import time

    name = f"proxy-{os.getpid()}"
    lines = "; ".join(
        f"echo '10.0.0.{i} - - [27/Nov/2026:10:00:00 +0000] \"GET /api/orders/{i} HTTP/1.1\" "
        f"{502 if i % 3 == 0 else 200} 157 \"-\" \"curl/8.0\"'"
        for i in range(1, 31)
    )
    fleet_mutable.docker("web1", "run", "-d", "--name", name, "--network", "none",
                         "--label", "com.docker.compose.project=shop", "--label", "com.docker.compose.service=nginx",
                         fleet_mutable.image, "sh", "-c", f"{lines}; sleep 600")
    try:
        deadline = time.monotonic() + 30
        while "GET /api/orders/30" not in fleet_mutable.docker("web1", "logs", name, check=False).stdout:
            assert time.monotonic() < deadline, "the proxy did not log"
            time.sleep(0.2)
        yield name
    finally:
        fleet_mutable.docker("web1", "rm", "-f", name, check=False)


async def test_a_healthy_proxy_answering_502s_is_reported(fleet, failing_proxy):
    """Running and without an error word in its log, the proxy's 502 burst still reaches the report."""
    async with Fleet.load(fleet.inventory) as f:
        report = await f.diagnose("web1")
    alerts = [a for a in report.alerts if a.service == "nginx" and a.code is AlertCode.LOG_PATTERN]
    subjects = {a.subject: a for a in alerts}
    assert "http.5xx_burst" in subjects, [a.key for a in report.alerts]
    assert subjects["http.5xx_burst"].severity is Severity.CRITICAL
    assert subjects["general.http_bad_gateway"].count == 10
    assert "502" in (subjects["general.http_bad_gateway"].excerpt or "")
