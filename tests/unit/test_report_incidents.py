"""Incidents: link rules on real-format lines (positives and near misses), and grouping into root cause + symptoms.

Alerts are made the way a diagnosis makes them: real-format log lines through the log analysis and the
alert rules; containers are ``ContainerStatus`` models as the status parser returns them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from dozor.collectors.status import ContainerState, ContainerStatus, ServiceState, env_peers, parse_depends_on
from dozor.inventory.models import Thresholds
from dozor.report.causes import PEER_PATTERNS, peers_named
from dozor.report.findings import analyze_service_lines
from dozor.report.incidents import fleet_incidents, host_incidents, service_links
from dozor.report.rules import log_alerts, status_alerts

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
TH = Thresholds()


@pytest.mark.parametrize("pattern", PEER_PATTERNS, ids=lambda p: p.id)
def test_peer_patterns_examples_and_near_misses(pattern) -> None:
    rx = re.compile(pattern.regex)
    for line, host in pattern.examples:
        m = rx.search(line)
        assert m is not None and m.group(1).lower() == host, (pattern.id, line)
    for line in pattern.near_misses:
        assert rx.search(line) is None, (pattern.id, line)


def test_peers_named_ignores_addresses_and_sockets() -> None:
    assert peers_named("Error: connect ECONNREFUSED 127.0.0.1:6379") == []
    assert peers_named('connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed') == []
    assert peers_named("GET /api/orders HTTP/1.1 500") == []


def test_environment_and_labels_name_dependencies_without_keeping_values() -> None:
    env = ["DATABASE_URL=postgres://store:hunter2@db:5432/store", "REDIS_HOST=cache", "LANG=C.UTF-8",
           "GREETING=hello", "BACKUP_SERVER=10.1.2.3"]
    assert env_peers(env) == ["db", "cache"]
    assert parse_depends_on("db:service_healthy:true,cache:service_started:false") == ["db", "cache"]
    assert parse_depends_on("") == []


def _container(service: str, *, state: ContainerState = ContainerState.RUNNING, restarts: int = 0,
               exit_code: int | None = None, peers: list[str] | None = None,
               depends_on: list[str] | None = None) -> ContainerStatus:
    return ContainerStatus(
        id=f"{service:0<12}"[:12], name=f"store_{service}_1", project="store", service=service,
        image=f"registry.example/{service}:1", state=state, restart_count=restarts, exit_code=exit_code,
        started_at=NOW - timedelta(seconds=30), finished_at=NOW - timedelta(seconds=40),
        restart_policy="always", peers=peers or [], depends_on=depends_on or [],
    )


def _log(service: str, lines: list[str], kind: str | None = None, start: datetime = NOW - timedelta(minutes=10)):
    stamped = [(start + timedelta(seconds=i), line) for i, line in enumerate(lines)]
    findings, _ = analyze_service_lines(stamped, kind=kind)
    return log_alerts("web1", "store", service, findings, TH, error_lines=len(lines), scanned_lines=len(lines),
                      first=stamped[0][0], last=stamped[-1][0])


PG = "2026-11-27 11:50:00.000 UTC [61] "
NGINX = "2026/11/27 11:51:00 [error] 29#29: *{n} "


def _chain():
    containers = [
        _container("db"),
        _container("orders", state=ContainerState.RESTARTING, restarts=14, exit_code=1,
                   peers=["db"]),
        _container("gateway"),
        _container("feed"),
    ]
    services = [ServiceState(project="store", service=c.service, declared=True, missing=False, containers=[c])
                for c in containers]
    alerts = status_alerts("web1", services, TH, NOW)
    alerts += _log("db", [PG + 'FATAL:  password authentication failed for user "store"'] * 25, "postgres",
                   start=NOW - timedelta(minutes=12))
    alerts += _log("orders", ['psycopg2.OperationalError: connection to server at "db" (172.18.0.2), port 5432 '
                              'failed: FATAL:  password authentication failed for user "store"'] * 25)
    alerts += _log("gateway", [NGINX.format(n=i) + "connect() failed (111: Connection refused) while connecting "
                               'to upstream, client: 10.0.0.9, server: shop, request: "GET / HTTP/1.1", '
                               'upstream: "http://orders:8000/", host: "shop.example"' for i in range(30)])
    kinds = {("store", "db"): "postgres", ("store", "gateway"): "nginx"}
    return containers, alerts, kinds


def test_a_dependency_chain_is_one_incident_with_the_upstream_as_root() -> None:
    containers, alerts, kinds = _chain()
    links = service_links("web1", alerts, containers, kinds)
    pairs = {(lk.service, lk.upstream, lk.rule) for lk in links}
    assert ("orders", "db", "depends_on") in pairs  # DATABASE_URL-style environment
    assert ("gateway", "orders", "named") in pairs  # upstream: "http://orders:8000/"
    incidents = host_incidents("web1", alerts, links)
    chain = [i for i in incidents if "orders" in i.services]
    assert len(chain) == 1
    inc = chain[0]
    assert inc.root_cause.service == "db" and inc.root_cause.subject == "postgres.auth_failed"
    assert inc.services == ["db", "orders", "gateway"]
    assert inc.summary.startswith("web1 store — db: ")
    assert inc.summary.index("orders") < inc.summary.index("gateway")
    assert {a.service for a in inc.problems} == {"db", "orders", "gateway"} and len(inc.symptoms) >= 3
    assert inc.severity.value == "critical"
    # every alert is in exactly one incident
    assert sorted(a.key for i in incidents for a in i.problems) == sorted(a.key for a in alerts)


def test_without_links_each_service_is_its_own_incident() -> None:
    _, alerts, _ = _chain()
    incidents = host_incidents("web1", alerts, [])
    roots = {i.root_cause.service for i in incidents}
    assert roots == {"db", "orders", "gateway"}
    orders = next(i for i in incidents if i.root_cause.service == "orders")
    # the log pattern says why; the crash loop it caused is a symptom of the same incident
    assert orders.root_cause.subject == "postgres.auth_failed"
    assert any(s.code == "crash_loop" for s in orders.symptoms)


def test_an_oom_kill_is_its_own_cause_and_other_log_errors_stay_symptoms() -> None:
    c = _container("db", state=ContainerState.EXITED, exit_code=137)
    c = c.model_copy(update={"oom_killed": True, "restart_policy": "no"})
    alerts = status_alerts("web1", [ServiceState(project="store", service="db", declared=True, missing=False,
                                                 containers=[c])], TH, NOW)
    alerts += _log("db", [PG + 'FATAL:  password authentication failed for user "app"'] * 3, "postgres")
    [inc] = host_incidents("web1", alerts, [])
    assert inc.root_cause.code == "oom_killed"
    assert "password" not in inc.summary and "OOM" in inc.summary
    assert any(s.subject == "postgres.auth_failed" for s in inc.symptoms)


def test_a_cause_that_started_after_the_symptom_ended_is_not_linked() -> None:
    containers, alerts, kinds = _chain()
    late = [a.model_copy(update={"first_seen": NOW + timedelta(hours=1), "last_seen": NOW + timedelta(hours=1)})
            if a.service == "orders" else a for a in alerts]
    links = service_links("web1", late, containers, kinds)
    incidents = host_incidents("web1", late, links)
    gateway = next(i for i in incidents if "gateway" in i.services)
    assert "orders" not in gateway.services


def test_a_client_error_of_a_backend_kind_links_to_that_backend() -> None:
    containers = [_container("worker"), _container("cache")]
    alerts = _log("worker", ["redis.exceptions.OutOfMemoryError: OOM command not allowed when used memory > "
                             "'maxmemory'."] * 5)
    alerts += _log("cache", ["1:M 27 Nov 2026 11:50:00.000 # WARNING: maxmemory reached, OOM command not allowed"]
                   * 2, "redis")
    kinds = {("store", "cache"): "redis"}
    links = service_links("web1", alerts, containers, kinds)
    assert [(lk.service, lk.upstream, lk.rule) for lk in links] == [("worker", "cache", "kind")]
    # near miss: two redis services, so the client error cannot say which one
    kinds2 = {("store", "cache"): "redis", ("store", "sessions"): "redis"}
    assert service_links("web1", alerts, [*containers, _container("sessions")], kinds2) == []


def test_a_peer_named_in_the_clients_own_lines_beats_a_guess_from_the_kind_of_its_errors() -> None:
    """redis-py's wording names the server it failed to reach (redis/connection.py _error_message); the only
    Redis the host shows to be one is another service: the named peer is the upstream, the guess is dropped."""
    containers = [_container("ibis"), _container("sable", state=ContainerState.RESTARTING, restarts=9, exit_code=1),
                  _container("gravel")]
    alerts = _log("ibis", ["redis.exceptions.ConnectionError: Error 111 connecting to sable:6379. Connection "
                           "refused."] * 5)
    alerts += _log("gravel", ["1:M 27 Nov 2026 11:50:00.000 # Can't save in background: fork: Cannot allocate "
                              "memory"] * 2, "redis")
    kinds = {("store", "gravel"): "redis"}
    links = service_links("web1", alerts, containers, kinds)
    assert [(lk.service, lk.upstream, lk.rule) for lk in links] == [("ibis", "sable", "named")]


def test_names_are_matched_to_services_on_the_host_only() -> None:
    containers = [_container("gateway"), _container("api")]
    alerts = _log("gateway", [NGINX.format(n=1) + "connect() failed (111: Connection refused) while connecting "
                              'to upstream, client: 10.0.0.9, server: shop, request: "GET / HTTP/1.1", '
                              'upstream: "http://payments.internal:8000/", host: "shop.example"'] * 3)
    assert service_links("web1", alerts, containers, {}) == []


def test_the_same_root_on_several_hosts_is_one_incident() -> None:
    per_host = []
    for host in ("web1", "web2", "web3"):
        containers = [_container("worker"), _container("cache")]
        alerts = [a.model_copy(update={"host": host}) for a in _log("worker", [
            "redis.exceptions.OutOfMemoryError: OOM command not allowed when used memory > 'maxmemory'."] * 5)]
        per_host += host_incidents(host, alerts, service_links(host, alerts, containers, {}))
    merged = fleet_incidents(per_host)
    assert len(merged) == 1 and merged[0].hosts == ["web1", "web2", "web3"]
    assert merged[0].summary.startswith("the same on 3 hosts")


def test_running_services_of_undeclared_projects_are_diagnosed_leftovers_are_not() -> None:
    from dozor.inventory.models import Inventory
    from dozor.report.diagnose import diagnosed_services

    inv = Inventory.model_validate({"hosts": {"h": {"address": "local", "projects": [
        {"name": "store", "services": ["orders"]}]}}})
    host = inv.resolve("h")
    orders = _container("orders")
    stray = _container("metrics").model_copy(update={"project": "monitoring", "name": "monitoring_metrics_1"})
    looping = _container("agent", state=ContainerState.RESTARTING, restarts=9).model_copy(
        update={"project": "ops", "name": "ops_agent_1"})
    old = _container("job", state=ContainerState.EXITED, exit_code=1).model_copy(
        update={"project": "gone", "name": "gone_job_1"})
    got = {(s.project, s.service, s.declared) for s in diagnosed_services([orders, stray, looping, old], host)}
    assert got == {("store", "orders", True), ("monitoring", "metrics", False), ("ops", "agent", False)}
