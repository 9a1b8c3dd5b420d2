"""Diagnosis with no blind spots: faults only a RUNNING service's log shows are named, on both paths.

web2's ``jobs`` project (tests/fleet/fleet.py) runs services with unrevealing names and images and no
healthcheck: ``worker`` (Redis OOM client errors), ``gateway`` (nginx upstream refused), ``billing``
(Python tracebacks) and ``feed`` (benign noise that must stay silent). The old diagnosis read none of
their logs. Each path must name every fault with host and service, on one SSH connection per host.
"""

from __future__ import annotations

import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest

from dozor.fleet import Fleet
from dozor.inventory.models import Inventory
from dozor.report.alerts import AlertCode, Severity

pytestmark = pytest.mark.integration

LIVE = ("web1", "web2", "db1")


def inventory(fleet: Any, **defaults: Any) -> Inventory:
    data = tomllib.loads(Path(fleet.inventory).read_text())
    data["defaults"]["state_dir"] = tempfile.mkdtemp(prefix="dozor-state-", dir=fleet.dir)
    data["defaults"].update(defaults)
    return Inventory.model_validate(data)


@pytest.fixture(params=[True, False], ids=["engine_api", "cli"])
async def diagnosed(fleet: Any, request: pytest.FixtureRequest):
    async with Fleet(inventory(fleet, engine_api=request.param)) as f:
        report = await f.diagnose("@prod")
        stats = f.pool.stats()
    return request.param, report, stats


async def test_a_dependency_chain_is_one_incident_rooted_upstream(diagnosed) -> None:
    """db1's store project: ledger (PostgreSQL) rejects orders' password, orders crash-loops, front answers 502."""
    _, report, _ = diagnosed
    store = [i for i in report.incidents if i.project == "store" and "db1" in i.hosts]
    assert len(store) == 1, [i.summary for i in report.incidents]
    inc = store[0]
    assert inc.root_cause.service == "ledger" and inc.root_cause.subject == "postgres.auth_failed", inc.summary
    assert inc.services == ["ledger", "orders", "front"], inc.summary
    codes = {(s.service, s.code) for s in inc.symptoms}
    assert ("orders", AlertCode.CRASH_LOOP) in codes and ("front", AlertCode.LOG_PATTERN) in codes, codes
    subjects = {s.subject for s in inc.symptoms if s.service == "front"}
    assert {"nginx.upstream_refused", "http.5xx_burst"} <= subjects, subjects
    rules = {(lk.service, lk.upstream): lk.rule for lk in inc.links}
    assert rules.get(("orders", "ledger")) in ("depends_on", "named", "kind") and ("front", "orders") in rules, rules
    assert inc.severity is Severity.CRITICAL
    text = report.to_ai_prompt()
    assert "db1 store — ledger: " in text and text.index("→ orders") < text.index("→ front"), text


def _log_alerts(report, host: str, service: str) -> dict[str, Any]:
    return {a.subject: a for a in report.alerts if a.host == host and a.service == service
            and a.code is AlertCode.LOG_PATTERN}


async def test_faults_only_the_logs_show_are_named(diagnosed) -> None:
    api, report, stats = diagnosed
    keys = "; ".join(a.key for a in report.alerts)
    worker = _log_alerts(report, "web2", "worker")
    assert "redis.oom" in worker, keys
    assert worker["redis.oom"].severity is Severity.CRITICAL and worker["redis.oom"].project == "jobs"
    assert "OOM command not allowed" in (worker["redis.oom"].excerpt or "")

    gateway = _log_alerts(report, "web2", "gateway")
    assert "nginx.upstream_refused" in gateway, keys
    assert gateway["nginx.upstream_refused"].severity is Severity.CRITICAL
    assert "while connecting to upstream" in (gateway["nginx.upstream_refused"].excerpt or "")

    billing = _log_alerts(report, "web2", "billing")
    assert billing and all(a.severity in (Severity.WARNING, Severity.CRITICAL) for a in billing.values()), keys
    assert any("ZeroDivisionError" in (a.excerpt or "") for a in billing.values()), keys

    # the kinds the log content revealed (names and images say nothing)
    kinds = {s.service: s.kind for s in report.host("web2").logs if s.project == "jobs"}
    assert kinds["gateway"] == "nginx" and kinds["billing"] == "python", kinds
    assert kinds["worker"] != "redis", kinds  # a Redis client is not Redis

    # the old faults are still named
    assert any(a.host == "web1" and a.service == "worker" and a.code is AlertCode.CRASH_LOOP for a in report.alerts)
    assert any(a.host == "db1" and a.service == "db" and a.code is AlertCode.LOG_PATTERN for a in report.alerts)

    for host in LIVE:
        assert stats[host]["connects"] == 1, (host, stats[host])
        if api:
            assert stats[host]["streams"] >= 2, (host, stats[host])  # status/resources + the log tails
        else:
            assert stats[host]["streams"] == 0, (host, stats[host])


async def test_benign_noise_and_healthy_services_stay_silent(diagnosed) -> None:
    _, report, _ = diagnosed
    for host, service in (("web2", "feed"), ("web1", "web"), ("web2", "web"), ("db1", "db-ok")):
        assert [a.key for a in report.alerts if a.host == host and a.service == service] == []
    feed = next(s for s in report.host("web2").logs if s.service == "feed")
    assert feed.error is None and feed.error_lines == 0 and not feed.findings
    # every running service was read, not a chosen few
    read = {(s.project, s.service) for s in report.host("web2").logs}
    assert {("jobs", "worker"), ("jobs", "gateway"), ("jobs", "billing"), ("jobs", "feed"), ("shop", "web"),
            ("shop", "api")} <= read
    assert all(s.bytes_read > 0 for s in report.host("web2").logs if s.project == "jobs")


async def test_a_stopped_service_says_what_it_printed_last_error_word_or_not(diagnosed) -> None:
    """db1's backup printed 'done' and exited: no error word, yet its last output is kept, on both paths;
    running services keep none (their tail is the window's error lines)."""
    _, report, _ = diagnosed
    logs = {(s.project, s.service): s for s in report.host("db1").logs}
    assert set(logs[("data", "backup")].last_output) == {"done"}  # one line per run it had
    assert logs[("data", "db-ok")].last_output == []
    # The OOM-killed database's last words come with the OOM alert's evidence.
    assert logs[("data", "db")].last_output
    # A crash loop keeps them whether it is between two deaths (running) or waiting to restart.
    worker = next(s for s in report.host("web1").logs if (s.project, s.service) == ("shop", "worker"))
    assert worker.last_output and len(worker.last_output) <= 3


async def test_caps_are_reported(fleet: Any) -> None:
    for api in (True, False):
        async with Fleet(inventory(fleet, engine_api=api)) as f:
            report = await f.diagnose("web2", log_max_bytes=1024, log_host_max_bytes=4096)
        logs = {s.service: s for s in report.host("web2").logs}
        assert logs["gateway"].truncated or logs["worker"].truncated, (api, logs)
        assert sum(1 for s in logs.values() if s.truncated) >= 2, api
