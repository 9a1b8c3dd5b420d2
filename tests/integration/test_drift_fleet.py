"""Drift on the real fleet: project ``edge`` runs on web1 and web2, and web2's copy differs in exactly three
ways (image edge/proxy:2 with its own image ID, one more environment variable, mem_limit 64m vs 32m).

Both paths (Engine API and docker CLI) must say exactly that, and no environment value may appear in any
output: the planted values all contain the marker ``dzcanary``.
"""

from __future__ import annotations

import io
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from rich.console import Console
from typer.testing import CliRunner

from dozor.cli.app import app
from dozor.drift.models import DriftReport
from dozor.fleet import Fleet
from dozor.mcp.server import build_server
from dozor.render.drift_text import render_ai, render_terminal
from dozor.render.json_text import render_json
from tests.fleet.fleet import EDGE_CANARY, EDGE_IMAGES
from tests.integration.test_engine_api import inventory

pytestmark = [pytest.mark.integration, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def image_id(fleet: Any, host: str, image: str) -> str:
    return fleet.docker(host, "image", "inspect", "--format", "{{.Id}}", image).stdout.strip()


def expected_lines(fleet: Any) -> list[str]:
    new, old = image_id(fleet, "web2", EDGE_IMAGES["web2"]), image_id(fleet, "web1", EDGE_IMAGES["web1"])
    assert new != old  # edge/proxy:2 is its own image, not a second tag of the same one
    return [f"web2 differs from web1: image edge/proxy:2 vs 1 (id {new[7:19]} vs {old[7:19]}); "
            "mem_limit 64m vs 32m; env NEW_CHECKOUT only on web2"]


def terminal(report: DriftReport) -> str:
    buf = io.StringIO()
    Console(file=buf, width=220, highlight=False).print(render_terminal(report))
    return buf.getvalue()


@pytest.mark.parametrize("engine_api", [True, False], ids=["engine-api", "cli"])
async def test_edge_drifts_in_exactly_three_ways(fleet: Any, engine_api: bool) -> None:
    async with Fleet(inventory(fleet, engine_api=engine_api)) as f:
        report = await f.drift("@prod", project="edge")
        everything = await f.drift("@prod")
        stats = f.pool.stats()
    streams = sum(s["streams"] for s in stats.values())
    assert (streams > 0) is engine_api, stats  # the path asked for is the path taken
    assert [h.host for h in report.hosts if h.answered] == ["web1", "web2", "db1"]
    assert report.compared == ["edge/proxy"] and report.single_host == 0
    (d,) = report.drift
    assert (d.name, d.hosts) == ("edge/proxy", ["web1", "web2"])
    (group,) = d.groups
    assert [(x.field, x.name) for x in group.differences] == [("image", None), ("mem_limit", None),
                                                              ("env", "NEW_CHECKOUT")]
    assert [group.line] == expected_lines(fleet)
    assert report.exit_code == 1
    # The whole fleet: shop/web also runs on web1 and web2, configured alike; nothing else drifts.
    assert everything.compared == ["edge/proxy", "shop/web"]
    assert [x.name for x in everything.drift] == ["edge/proxy"]
    assert everything.drift[0] == d
    for text in (render_json(everything), render_ai(everything), terminal(everything),
                 everything.model_dump_json()):
        assert "NEW_CHECKOUT" in text and EDGE_CANARY not in text


def test_cli_outputs_hold_no_environment_value(fleet: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOZOR_INVENTORY", fleet.inventory)
    runner = CliRunner()
    outputs = {}
    for args in (["--host", "@prod", "drift"], ["--host", "@prod", "drift", "--ai"],
                 ["--json", "--host", "@prod", "drift"], ["--host", "@prod", "drift", "edge"],
                 ["--json", "--host", "web1,web2", "diagnose"], ["--host", "web1,web2", "diagnose", "--ai"]):
        r = runner.invoke(app, args)
        outputs[" ".join(args)] = r.output
        assert EDGE_CANARY not in r.output, args
    assert "env NEW_CHECKOUT only on web2" in outputs["--host @prod drift --ai"]
    data = json.loads(outputs["--json --host @prod drift"])
    assert data["exit_code"] == 1 and [d["service"] for d in data["drift"]] == ["proxy"]


async def test_mcp_fleet_drift(fleet: Any) -> None:
    async with Client(build_server(inventory=fleet.inventory, read_only=True)) as c:
        r = await c.call_tool("fleet_drift", {"host": "@prod", "project": "edge"})
    assert not r.is_error
    text = r.content[0].text
    assert expected_lines(fleet)[0] in text
    assert EDGE_CANARY not in text and EDGE_CANARY not in json.dumps(r.structured_content)
    (row,) = r.structured_content["drift"]
    assert (row["project"], row["service"], row["hosts"]) == ("edge", "proxy", ["web1", "web2"])
    assert row["differences"] == [expected_lines(fleet)[0]]


@pytest.mark.parametrize("engine_api", [True, False], ids=["engine-api", "cli"])
async def test_diagnose_says_the_failing_host_runs_another_configuration(fleet_mutable: Any, engine_api: bool) -> None:
    """edge's proxy stopped on web2 only: the diagnosis' alert about it names web2's drift."""
    fleet_mutable.docker("web2", "stop", "-t", "1", "edge_proxy_1")
    async with Fleet(inventory(fleet_mutable, engine_api=engine_api)) as f:
        report = await f.diagnose("web1,web2", log_lines=20)
        quick = await f.health("web1,web2")
    for r in (report, quick):
        (note,) = r.drift_notes
        assert (note.failing_hosts, note.healthy_hosts) == (["web2"], ["web1"])
        assert note.text == "proxy fails on web2 only (web1 fine); " + expected_lines(fleet_mutable)[0]
        alerts = [a for a in r.alerts if a.service == "proxy" and a.host == "web2"]
        assert alerts and alerts[0].evidence.endswith("; drift: " + note.text)
        assert EDGE_CANARY not in r.to_json() and EDGE_CANARY not in r.to_ai_prompt()
    assert not [a for a in report.alerts if a.service == "proxy" and a.host == "web1"]


def test_inventory_declares_edge_on_both_web_hosts(fleet: Any) -> None:
    data = tomllib.loads(Path(fleet.inventory).read_text())
    for host in ("web1", "web2"):
        assert {"name": "edge", "services": ["proxy"]}.items() <= {
            k: v for p in data["hosts"][host]["projects"] if p["name"] == "edge" for k, v in p.items()}.items()
