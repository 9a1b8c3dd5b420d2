"""Resource contention on the real fleet, through the CLI: CPU throttling on a host dozor reads with the docker CLI
(no Engine API: the counters come from the container's cgroup cpu.stat), and a container near its memory limit
and rising, then steady, across diagnoses.

Each test plants its own container (project ``dzcont`` on db1's engine) and removes it afterwards; db1 declares
only that project in the test's inventory, and the state directory is the test's own.
"""

from __future__ import annotations

import json
import time
import tomllib
from pathlib import Path

import pytest
import tomli_w
from typer.testing import CliRunner

from dozor.cli.app import app
from dozor.noise.memtrend import MEMTREND_FILE

pytestmark = pytest.mark.integration

PROJECT, SERVICE, NAME = "dzcont", "worker", "dzcont-worker-1"
LABELS = ["--label", f"com.docker.compose.project={PROJECT}", "--label", f"com.docker.compose.service={SERVICE}",
          "--label", "com.docker.compose.container-number=1"]


def _inventory(fleet, tmp_path: Path, *, engine_api: bool) -> Path:
    data = tomllib.loads(Path(fleet.inventory).read_text())
    data["defaults"]["state_dir"] = str(tmp_path / "state")
    db1 = data["hosts"]["db1"]
    db1["projects"] = [{"name": PROJECT, "services": [SERVICE]}]
    db1["diagnose_undeclared"] = False
    db1["engine_api"] = engine_api
    inv = tmp_path / "fleet.toml"
    inv.write_text(tomli_w.dumps(data))
    return inv


@pytest.fixture
def cleanup(fleet):
    fleet.docker("db1", "rm", "-f", NAME, check=False)
    try:
        yield
    finally:
        fleet.docker("db1", "rm", "-f", NAME, check=False)


def _resources(inv: Path, *args: str):
    return CliRunner().invoke(app, ["--inventory", str(inv), "--no-progress", "--host", "db1", *args, "resources"],
                              env={"COLUMNS": "250", "NO_COLOR": "1"})


def _diagnose(inv: Path, *args: str, ai: bool = False):
    return CliRunner().invoke(app, ["--inventory", str(inv), "--no-progress", "--host", "db1", *args, "diagnose",
                                    *(["--ai"] if ai else [])])


def test_cli_path_reports_cpu_throttling_from_the_cgroup(fleet, cleanup, tmp_path):
    """A busy loop under ``--cpus 0.1`` (ends by itself after 60 s), read over SSH with the docker CLI only."""
    inv = _inventory(fleet, tmp_path, engine_api=False)
    fleet.docker("db1", "run", "-d", "--name", NAME, "--network", "none", "--cpus", "0.1", *LABELS, fleet.image,
                 "sh", "-c", "timeout 60 sh -c 'while :; do :; done'")
    time.sleep(3.5)  # >= 20 enforcement periods of 100 ms
    out = _diagnose(inv, "--json")
    assert out.exit_code == 1, out.output
    body = json.loads(out.output)
    hit = [a for a in body["alerts"] if a["code"] == "cpu_throttled"]
    assert len(hit) == 1, [a["title"] for a in body["alerts"]]
    a = hit[0]
    assert (a["host"], a["project"], a["service"]) == ("db1", PROJECT, SERVICE)
    assert "CPU periods" in a["evidence"] and "since it started" in a["evidence"]
    assert "limit 0.1 CPUs" in a["evidence"]
    db1 = next(h for h in body["hosts"] if h["host"] == "db1")
    assert "cpu_throttling" not in (db1["resources"] or {}).get("section_errors", {})
    res = _resources(inv)  # dozor resources reads the same counters on this path, and its table says it
    assert res.exit_code == 0, res.output
    assert f"{NAME} is CPU-throttled by its quota" in res.output and "CPU periods" in res.output
    res = json.loads(_resources(inv, "--json").output)
    mine = [c for h in res["hosts"] for c in (h["data"] or {}).get("containers", []) if c["name"] == NAME]
    assert mine and mine[0]["cpu_throttling"]["throttled_periods"] > 0, mine

    fleet.docker("db1", "rm", "-f", NAME)  # the same service idle under a quota: read, not throttled
    fleet.docker("db1", "run", "-d", "--name", NAME, "--network", "none", "--cpus", "0.5", *LABELS, fleet.image,
                 "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done")
    time.sleep(3.5)
    quiet = json.loads(_diagnose(inv, "--json").output)
    assert not [x for x in quiet["alerts"] if x["code"] == "cpu_throttled"]


def _fill(fleet, kib: int, name: str) -> None:
    """Grow a tmpfs file in the container by ``kib`` KiB (tmpfs pages count against its memory limit)."""
    fleet.docker("db1", "exec", NAME, "sh", "-c", f"head -c {kib * 1024} /dev/zero > /dev/shm/{name}")


def _shift(state: Path, seconds: int) -> None:
    """Move every recorded sample ``seconds`` into the past: the minutes between two diagnoses, without waiting
    them (the samples' usages are the real ones)."""
    path = state / MEMTREND_FILE
    data = json.loads(path.read_text())
    for s in data["series"].values():
        s["points"] = [[t - seconds, u, lim] for t, u, lim in s["points"]]
    path.write_text(json.dumps(data))


def _memory_alert(out) -> dict:
    assert out.exit_code in (1, 2, 0), out.output
    body = json.loads(out.output)
    hit = [a for a in body["alerts"] if a["code"] == "container_memory" and a["service"] == SERVICE]
    assert len(hit) == 1, [a["title"] for a in body["alerts"]]
    return hit[0]


def test_memory_near_the_limit_rising_then_steady(fleet, cleanup, tmp_path):
    """A 100 MiB container (no swap) filling tmpfs: first diagnosis near the limit (trend unknown), a second after
    it grew (rising, with the time left), then flat for long enough (steady: info, not a warning)."""
    inv = _inventory(fleet, tmp_path, engine_api=True)
    state = tmp_path / "state"
    fleet.docker("db1", "run", "-d", "--name", NAME, "--network", "none", "-m", "100m", "--memory-swap", "100m",
                 "--shm-size", "128m", *LABELS, fleet.image, "sh", "-c",
                 "trap 'exit 0' TERM; while true; do sleep 1; done")
    _fill(fleet, 91 * 1024, "a")  # 91 MiB of 100 (+ the shell's): measured 91.6%
    first = _memory_alert(_diagnose(inv, "--json"))
    assert first["severity"] == "warning" and first["evidence"].endswith("trend unknown (first sample)")
    assert first["host"] == "db1" and first["project"] == PROJECT

    _shift(state, 300)
    _fill(fleet, 3 * 1024, "b")  # +3 MiB: 3% of the limit (the noise measured: under 0.5 MiB)
    rising = _memory_alert(_diagnose(inv, "--json"))
    assert "and rising" in rising["title"], rising
    assert "rising: +" in rising["evidence"] and "(5m ago); at this rate the limit in ~" in rising["evidence"]
    assert rising["severity"] == "critical"  # ~5 MiB left at ~3 MiB per 5 min: the limit within 30 min
    text = _diagnose(inv, ai=True).output  # a moment later: its sample replaces the previous one
    assert "and rising" in text and "rising: +" in text and "db1" in text
    table = _resources(inv).output  # dozor resources judges its sample against the same history
    assert "and rising" in table and "rising: +" in table, table
    res = json.loads(_resources(inv, "--json").output)
    [trend] = [c["memory_trend"] for h in res["hosts"] for c in (h["data"] or {}).get("containers", [])
               if c["name"] == NAME]
    assert trend["kind"] == "rising" and trend["change"] > 2 * 2**20, trend

    for i in range(4):  # flat for an hour, sampled every 15 min
        _shift(state, 900)
        later = _memory_alert(_diagnose(inv, "--json"))
        if i == 2:  # flat for 45 min, but 3 MiB up within the hour: still rising, not steady
            assert later["severity"] != "info" and "rising: +" in later["evidence"], later
    assert later["severity"] == "info", later
    assert "steady at " in later["evidence"] and "likely a cache or a fixed-size heap" in later["evidence"]
    recorded = json.loads((state / MEMTREND_FILE).read_text())["series"]
    assert list(recorded) == [f"db1|{NAME}"] and len(recorded[f"db1|{NAME}"]["points"]) == 6
