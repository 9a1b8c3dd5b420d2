"""``dozor report`` twice through the CLI, with a fault fixed in between: new, resolved, exit codes.

The test plants its own container (project ``dzcron`` on db1's engine) and removes it afterwards, so the
fleet's planted scenarios are never touched.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
import tomli_w
from typer.testing import CliRunner

from dozor.cli.app import app

pytestmark = pytest.mark.integration

PROJECT, SERVICE, NAME = "dzcron", "flaky", "dzcron-flaky-1"


def _plant(fleet, command: str) -> None:
    fleet.docker("db1", "rm", "-f", NAME, check=False)
    fleet.docker("db1", "run", "-d", "--name", NAME, "--network", "none",
                 "--label", f"com.docker.compose.project={PROJECT}", "--label", f"com.docker.compose.service={SERVICE}",
                 "--label", "com.docker.compose.container-number=1", fleet.image, "sh", "-c", command)


def _inventory(fleet, tmp_path: Path) -> Path:
    """The fleet's inventory with db1 declaring only our project (its planted faults stay out of the verdict)."""
    data = tomllib.loads(Path(fleet.inventory).read_text())
    data["hosts"]["db1"]["projects"] = [{"name": PROJECT, "services": [SERVICE]}]
    data["hosts"]["db1"]["diagnose_undeclared"] = False
    path = tmp_path / "fleet.toml"
    path.write_text(tomli_w.dumps(data))
    return path


def _report(inv: Path, state: Path, *args: str, host: str = "db1"):
    return CliRunner().invoke(app, ["--inventory", str(inv), "--host", host, "--no-progress", "report",
                                    "--state", str(state), *args])


def test_report_twice_with_a_fix_in_between(fleet, tmp_path):
    inv, state, prom = _inventory(fleet, tmp_path), tmp_path / "state.json", tmp_path / "dozor.prom"
    try:
        _plant(fleet, "echo 'ERROR: cannot open /data/queue: permission denied' >&2; exit 3")
        fleet.docker("db1", "wait", NAME)
        first = _report(inv, state, "--format", "json")
        assert first.exit_code == 2, first.output
        body = json.loads(first.output)
        new = {(c["host"], c["service"], c["code"]) for c in body["changes"]["new"]}
        assert ("db1", SERVICE, "container.exited") in new and {(h, s) for h, s, _ in new} == {("db1", SERVICE)}
        assert body["changes"]["resolved"] == [] and body["changes"]["previous_run"] is None

        _plant(fleet, "trap 'exit 0' TERM; while true; do sleep 1; done")  # the fix: it runs now
        second = _report(inv, state, "--format", "text")
        assert second.exit_code == 0, second.output
        assert f"0 new, {len(new)} resolved" in second.output and "RESOLVED:" in second.output
        assert f"db1 {PROJECT}/{SERVICE}" in second.output.split("RESOLVED:")[1]

        quiet = _report(inv, state, "--quiet", "--format", "prometheus", "--output", str(prom))
        assert quiet.exit_code == 0 and quiet.output == ""
        text = prom.read_text()
        assert 'dozor_host_up{host="db1",status="ok"} 1' in text and "dozor_last_run_timestamp_seconds" in text

        # db1 healthy, dead unreachable: exit 3; db1's alerts are not "resolved" by dead's silence
        mixed = _report(inv, state, "--format", "md", host="db1,dead")
        assert mixed.exit_code == 3, mixed.output
        assert "### New" in mixed.output and "dead" in mixed.output
    finally:
        fleet.docker("db1", "rm", "-f", NAME, check=False)
