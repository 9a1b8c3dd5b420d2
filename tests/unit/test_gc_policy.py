"""The CLI's garbage-collection policy, in fresh interpreters (it changes process-wide state)."""

from __future__ import annotations

import subprocess
import sys

_PROBE = """
import gc, json, sys
from dozor.cli import gc_policy
steps = sys.argv[1].split(",") if sys.argv[1] else []
for step in steps:
    getattr(gc_policy, step)()
print(json.dumps({"enabled": gc.isenabled(), "threshold": gc.get_threshold()[0], "frozen": gc.get_freeze_count()}))
"""


def _probe(*steps: str) -> dict:
    import json

    out = subprocess.run([sys.executable, "-c", _PROBE, ",".join(steps)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_without_pause_nothing_changes() -> None:
    """Tests and the Python API call run_fleet/serve code paths without ``main``: their GC is left alone."""
    base = _probe()
    assert _probe("one_shot") == base
    assert _probe("long_running") == base
    assert base["enabled"] and base["frozen"] == 0


def test_cli_one_shot_freezes_start_up_and_collects_only_as_a_safety_net() -> None:
    from dozor.cli.gc_policy import ONE_SHOT_THRESHOLD

    assert _probe("pause")["enabled"] is False
    after = _probe("pause", "one_shot")
    assert after["enabled"] is True
    assert after["threshold"] == ONE_SHOT_THRESHOLD
    assert after["frozen"] > 1_000  # what was loaded so far


def test_server_gets_the_default_collector_back() -> None:
    base = _probe()
    after = _probe("pause", "long_running")
    assert after["enabled"] is True
    assert after["threshold"] == base["threshold"]
    assert after["frozen"] > 1_000


def test_the_real_cli_runs_a_command_with_the_policy_applied(tmp_path) -> None:
    """``python -m dozor`` goes through ``main``: a command that asks the fleet runs with the start-up frozen."""
    inv = tmp_path / "fleet.toml"
    inv.write_text('[hosts.nowhere]\naddress = "127.0.9.9"\nport = 1\n')
    code = (
        "import gc, atexit, sys\n"
        "def show():\n"
        "    sys.stderr.write(f'@@gc {gc.isenabled()} {gc.get_threshold()[0]} {gc.get_freeze_count()}\\n')\n"
        "atexit.register(show)\n"
        "import runpy\n"
        f"sys.argv = ['dozor', '--inventory', {str(inv)!r}, '--json', 'status']\n"
        "runpy.run_module('dozor', run_name='__main__')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    line = next(x for x in out.stderr.splitlines() if x.startswith("@@gc"))
    _, enabled, threshold, frozen = line.split()
    assert out.returncode == 3, out.stderr  # the host did not answer: exit 3
    assert enabled == "True"
    assert int(threshold) == 200_000
    assert int(frozen) > 50_000  # typer, pydantic, asyncssh and dozor's modules
