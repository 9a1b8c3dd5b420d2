"""The test fleet itself: each SSH host reaches its own engine, and the scenarios are as planted."""

from __future__ import annotations

import json
import socket
import tomllib
from pathlib import Path

import pytest

from tests.fleet import FleetInfo, docker_cli, scenario_problems

pytestmark = pytest.mark.integration

# Container names, per host: compose v1's, and v2's on app1.
EXPECTED = {
    "web1": {"shop_web_1", "shop_worker_1", "edge_proxy_1"},
    "web2": {"shop_web_1", "shop_api_1", "jobs_worker_1", "jobs_gateway_1", "jobs_billing_1", "jobs_feed_1",
             "edge_proxy_1"},
    "db1": {"data_db_1", "data_backup_1", "data_db-ok_1", "store_ledger_1", "store_orders_1", "store_front_1"},
    "app1": {"notes-web-1", "notes-api-1", "notes-migrate-1"},
}


def inspect(fleet: FleetInfo, host: str, container: str) -> dict:
    return json.loads(fleet.docker(host, "inspect", container).stdout)[0]


@pytest.mark.parametrize("host", sorted(EXPECTED))
def test_ssh_docker_ps_shows_only_own_engine(fleet: FleetInfo, host: str) -> None:
    out = fleet.ssh(host, "docker ps -a --format '{{.Names}}'").stdout.split()
    assert set(out) == EXPECTED[host]


def test_ssh_env_has_clean_home_and_own_docker_host(fleet: FleetInfo) -> None:
    h = fleet.host("web2")
    env = dict(line.split("=", 1) for line in fleet.ssh("web2", "env").stdout.splitlines() if "=" in line)
    assert env["DOCKER_HOST"] == h.docker_host
    assert env["HOME"] == h.home


def test_compose_v1_over_ssh_sees_the_project(fleet: FleetInfo) -> None:
    h = fleet.host("web1")
    out = fleet.ssh("web1", f"cd {h.projects['shop']} && docker-compose -p shop ps --services").stdout.split()
    assert sorted(out) == ["web", "worker"]


def test_db_was_oom_killed(fleet: FleetInfo) -> None:
    st = inspect(fleet, "db1", "data_db_1")["State"]
    assert st["OOMKilled"] is True
    assert st["ExitCode"] == 137
    logs = fleet.docker("db1", "logs", "data_db_1")
    assert 'FATAL:  password authentication failed for user "app"' in logs.stdout + logs.stderr


def test_backup_exited_cleanly(fleet: FleetInfo) -> None:
    st = inspect(fleet, "db1", "data_backup_1")["State"]
    assert (st["Status"], st["ExitCode"]) == ("exited", 0)


def test_api_unhealthy_web_healthy(fleet: FleetInfo) -> None:
    assert inspect(fleet, "web2", "shop_api_1")["State"]["Health"]["Status"] == "unhealthy"
    assert inspect(fleet, "web2", "shop_web_1")["State"]["Health"]["Status"] == "healthy"
    assert inspect(fleet, "web1", "shop_web_1")["State"]["Health"]["Status"] == "healthy"


def test_worker_crash_loops_with_errors(fleet: FleetInfo) -> None:
    c = inspect(fleet, "web1", "shop_worker_1")
    assert c["RestartCount"] >= 2
    assert c["HostConfig"]["RestartPolicy"]["Name"] == "always"
    logs = docker_cli(fleet.host("web1"), "logs", "--tail", "20", "shop_worker_1")
    text = logs.stdout + logs.stderr
    assert "ERROR connection refused to db:5432" in text
    assert "Traceback (most recent call last):" in text


def test_declared_cache_service_is_absent(fleet: FleetInfo) -> None:
    names = fleet.docker("web2", "ps", "-a", "--format", "{{.Names}}").stdout.split()
    assert not any("cache" in n for n in names)


def test_all_scenarios_as_planted(fleet: FleetInfo) -> None:
    assert scenario_problems(fleet) == []


def test_inventory_loads_in_dozor(fleet: FleetInfo) -> None:
    from dozor.inventory.models import Inventory

    inv = Inventory.model_validate(tomllib.loads(Path(fleet.inventory).read_text()))
    assert set(inv.hosts) == {"web1", "web2", "db1", "app1", "dead", "blackhole"}
    web1 = inv.resolve("web1")
    assert (web1.address, web1.port, web1.user) == (fleet.host("web1").address, fleet.host("web1").port, "root")
    assert web1.tags == ["web", "eu"]
    assert "prod" in web1.groups
    assert [s for p in inv.hosts["web2"].projects for s in p.services] == [
        "web", "api", "cache", "worker", "gateway", "billing", "feed", "proxy"]
    assert inv.resolve("blackhole").port == fleet.blackhole_port
    app1 = inv.resolve("app1")
    assert app1.user == fleet.host("app1").user != "root" and "prod" not in app1.groups


def test_dead_address_refuses(fleet: FleetInfo) -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((fleet.dead_address, fleet.dead_port), timeout=2).close()


def test_blackhole_accepts_but_never_speaks(fleet: FleetInfo) -> None:
    with socket.create_connection((fleet.blackhole_address, fleet.blackhole_port), timeout=2) as s:
        s.settimeout(0.5)
        with pytest.raises(TimeoutError):
            s.recv(1)


def test_wrong_host_key_is_refused_by_openssh(fleet: FleetInfo, tmp_path: Path) -> None:
    kh = fleet.known_hosts_with_wrong_key("db1", tmp_path / "known_hosts")
    bad = fleet.ssh("db1", "true", check=False, known_hosts=kh)
    assert bad.returncode == 255
    assert "REMOTE HOST IDENTIFICATION HAS CHANGED" in bad.stderr
    assert fleet.ssh("web1", "true", known_hosts=kh).returncode == 0
