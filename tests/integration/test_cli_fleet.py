"""The CLI against the real test fleet: fleet-wide status, selectors, logs -e, resources, hosts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

DOZOR = [sys.executable, "-m", "dozor"]


def dozor(fleet: Any, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOZOR_INVENTORY": fleet.inventory, "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("DOZOR_HOST", None)
    return subprocess.run(
        [*DOZOR, *args], capture_output=True, text=True, env=env, timeout=timeout, stdin=subprocess.DEVNULL
    )


def by_host(out: str) -> dict[str, Any]:
    data = json.loads(out)
    return {h["host"]: h for h in data["hosts"]}


def test_fleet_wide_status_reports_dead_hosts_as_data(fleet: Any) -> None:
    r = dozor(fleet, "--json", "status")
    assert r.returncode == 3, r.stderr  # some hosts did not answer
    result = json.loads(r.stdout)
    hosts = by_host(r.stdout)
    assert list(hosts) == ["web1", "web2", "db1", "app1", "dead", "blackhole"]
    assert hosts["dead"]["status"] == "unreachable"
    assert hosts["blackhole"]["status"] == "timeout"
    for name in ("web1", "web2", "db1", "app1"):
        assert hosts[name]["status"] == "ok"
    # The fan-out returned within the connect timeout (3 s in the test inventory) plus a small margin:
    # the black hole costs one connect timeout and delays nobody else.
    assert result["duration"] < 3 + 2, result["duration"]
    assert hosts["blackhole"]["duration"] < 3 + 1.5
    assert all(hosts[n]["duration"] < 3 for n in ("web1", "web2", "db1", "app1", "dead"))

    def svc(host: str, service: str) -> dict[str, Any]:
        return next(s for s in hosts[host]["data"]["services"] if s["service"] == service)

    worker = svc("web1", "worker")["containers"][0]
    assert worker["restart_count"] >= 2 and worker["restart_policy"] == "always"
    assert svc("web2", "api")["containers"][0]["health"] == "unhealthy"
    assert svc("web2", "cache")["missing"] is True
    db = svc("db1", "db")["containers"][0]
    assert db["oom_killed"] is True and db["exit_code"] == 137 and db["state"] == "exited"
    assert svc("web1", "web")["containers"][0]["health"] == "healthy"


def test_status_table_for_people(fleet: Any) -> None:
    r = dozor(fleet, "--host", "@prod", "status")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "web1" in out and "web2" in out and "db1" in out and "dead" not in out
    assert "missing" in out and "unhealthy" in out and "OOM" in out
    assert "3 of 3 hosts answered" in out


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("web1", ["web1"]),
        ("web*", ["web1", "web2"]),
        ("@web", ["web1", "web2"]),
        ("@eu", ["web1", "db1"]),
        ("web1,db1", ["web1", "db1"]),
        ("web*:!web2", ["web1"]),
        ("@eu:&@web", ["web1"]),
        ("@prod:!@db", ["web1", "web2"]),
    ],
)
def test_host_selector_forms(fleet: Any, selector: str, expected: list[str]) -> None:
    r = dozor(fleet, "--json", "--host", selector, "status")
    assert r.returncode == 0, r.stderr
    assert list(by_host(r.stdout)) == expected


def test_unknown_host_is_an_error_with_suggestions(fleet: Any) -> None:
    r = dozor(fleet, "--host", "web3", "status")
    assert r.returncode == 2
    assert "web3" in r.stderr and "web1" in r.stderr


def test_logs_errors_only_returns_only_error_lines_of_that_service(fleet: Any) -> None:
    r = dozor(fleet, "--json", "--host", "web1", "logs", "worker", "-e", "-n", "500")
    assert r.returncode == 0, r.stderr
    host = by_host(r.stdout)["web1"]
    logs = host["data"]["logs"]
    texts = [line["text"] for line in logs["lines"]]
    assert texts, logs
    assert all("error" in t.lower() or "traceback" in t.lower() or "exception" in t.lower() for t in texts), texts
    assert logs["filtered"] is True
    assert logs["total_lines"] > logs["matched_lines"]
    assert logs["container_name"].startswith("shop_worker")
    # Exactly the form from the brief works too (tables for people).
    r2 = dozor(fleet, "--host", "web1", "logs", "worker", "-e")
    assert r2.returncode == 0 and "ERROR" in r2.stdout


def test_logs_fleet_wide_skips_hosts_without_the_service(fleet: Any) -> None:
    r = dozor(fleet, "--json", "--host", "@prod", "logs", "web", "-n", "5")
    assert r.returncode == 0, r.stderr
    hosts = by_host(r.stdout)
    assert set(hosts) == {"web1", "web2"}  # db1 declares no `web` service
    assert all(h["data"]["found"] for h in hosts.values())


def test_resources(fleet: Any) -> None:
    r = dozor(fleet, "--json", "--host", "db1", "resources")
    assert r.returncode == 0, r.stderr
    data = by_host(r.stdout)["db1"]["data"]
    assert data["cpus"] >= 1 and data["memory"]["total"] > 0
    assert any(d["mount"] == "/" for d in data["disks"])
    assert {c["name"] for c in data["containers"]} >= {"data_db-ok_1"}


def test_hosts_check(fleet: Any) -> None:
    r = dozor(fleet, "--json", "hosts", "--check")
    assert r.returncode == 3
    rows = {h["name"]: h for h in json.loads(r.stdout)["hosts"]}
    assert rows["web1"]["reachable"] is True and rows["dead"]["reachable"] is False
    assert rows["web2"]["tags"] == ["web", "us"]
    assert rows["db1"]["compose"] == "v1" and rows["db1"]["docker"]


def test_bad_inventory_names_file_and_key(fleet: Any, tmp_path: Path) -> None:
    bad = tmp_path / "fleet.toml"
    bad.write_text('[hosts.web1]\naddress = "127.0.0.2"\nport = 70000\n')
    env = {**os.environ, "DOZOR_INVENTORY": str(bad)}
    r = subprocess.run([*DOZOR, "status"], capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 2
    assert str(bad) in r.stderr and "hosts.web1.port" in r.stderr


def test_a_clean_run_writes_nothing_on_stderr(fleet: Any) -> None:
    """No import-time warnings (asyncssh's DSA deprecation under cryptography 46+) and no progress when piped."""
    env = {**os.environ, "DOZOR_INVENTORY": fleet.inventory, "NO_COLOR": "1"}
    env.pop("PYTHONWARNINGS", None)
    r = subprocess.run([*DOZOR, "--json", "--host", "web1", "status"], capture_output=True, text=True, env=env,
                       timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 0 and json.loads(r.stdout)["hosts"][0]["status"] == "ok"
    assert r.stderr == ""
