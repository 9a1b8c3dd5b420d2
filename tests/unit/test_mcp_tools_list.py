"""Snapshot of the MCP ``tools/list``: names, titles, descriptions, annotations, input and output schemas change
only on purpose; and its size stays bounded.

On a difference the test prints a unified diff. Regenerate after a reviewed change with
``DOZOR_UPDATE_SNAPSHOTS=1 pytest tests/unit/test_mcp_tools_list.py``.
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.types import ListToolsResult

from dozor.mcp.server import build_server

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SNAPSHOT = Path(__file__).resolve().parents[1] / "fixtures" / "mcp" / "tools_list.json"


TOOLS_LIST_MAX_CHARS = 20_000
"""Most characters of the whole ``tools/list`` answer as it travels (compact JSON): every client reads it on
every session, and most put it in the model's context."""


async def _result(tmp_path: Path, read_only: bool = False) -> ListToolsResult:
    inv = tmp_path / "fleet.toml"
    inv.write_text('[hosts.here]\naddress = "local"\n')
    async with Client(build_server(inventory=str(inv), read_only=read_only)) as c:
        return await c.list_tools()


async def _listing(tmp_path: Path, read_only: bool = False) -> list[dict[str, Any]]:
    tools = (await _result(tmp_path, read_only)).tools
    return [
        {
            "name": t.name,
            "title": t.title,
            "description": t.description,
            "annotations": t.annotations.model_dump(mode="json", by_alias=True, exclude_none=True)
            if t.annotations
            else None,
            "inputSchema": t.input_schema,
            "outputSchema": t.output_schema,
        }
        for t in sorted(tools, key=lambda t: t.name)
    ]


async def test_tools_list_matches_snapshot(tmp_path: Path) -> None:
    current = json.dumps(await _listing(tmp_path), indent=2, sort_keys=True) + "\n"
    if os.environ.get("DOZOR_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(current)
    expected = SNAPSHOT.read_text() if SNAPSHOT.exists() else ""
    if current != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True), current.splitlines(keepends=True), str(SNAPSHOT), "tools/list now"
            )
        )
        print(diff)
        pytest.fail(
            "MCP tools/list changed (diff above). Review it; if intended, regenerate with DOZOR_UPDATE_SNAPSHOTS=1.",
            pytrace=False,
        )


async def test_tools_list_is_small(tmp_path: Path) -> None:
    """The whole answer stays under 20k characters (it was ~97k with the domain models as output schemas)."""
    result = await _result(tmp_path)
    wire = result.model_dump_json(by_alias=True, exclude_none=True)
    sizes = {t.name: len(t.model_dump_json(by_alias=True, exclude_none=True)) for t in result.tools}
    print(f"\ntools/list: {len(wire)} characters; per tool: {sizes}")
    assert len(wire) <= TOOLS_LIST_MAX_CHARS, sizes
    for t in result.tools:
        assert t.output_schema is not None and len(json.dumps(t.output_schema)) < 2_000, t.name


async def test_names_and_descriptions_are_static_and_annotated(tmp_path: Path) -> None:
    tools = await _listing(tmp_path)
    for t in tools:
        assert t["description"] and len(t["description"]) < 600, t["name"]
        assert t["title"] and len(t["title"]) < 40, t["name"]
        hints = t["annotations"]
        assert hints is not None, t["name"]
        # All four hints explicit on every tool: the spec's defaults assume a destructive, non-idempotent tool.
        assert set(hints) == {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"}, t["name"]
        if t["name"] == "fleet_silence":  # changes dozor's own state (silences, acks), no host
            assert hints == {"readOnlyHint": False, "destructiveHint": False, "idempotentHint": False,
                             "openWorldHint": False}
            assert "@group" in json.dumps(t["inputSchema"]["properties"]["host"])
            continue
        assert hints["openWorldHint"] is True  # every other tool reaches remote hosts
        if t["name"] in ("server_restart", "server_deploy", "server_prune"):
            assert hints["destructiveHint"] is True and hints["readOnlyHint"] is False
        elif t["name"] == "server_exec":
            assert hints == {"readOnlyHint": False, "destructiveHint": False, "idempotentHint": True,
                             "openWorldHint": True}
        else:
            assert hints["readOnlyHint"] is True and hints["destructiveHint"] is False, t["name"]
            assert hints["idempotentHint"] is True, t["name"]
        host = json.dumps(t["inputSchema"]["properties"]["host"])
        if t["name"] in ("server_restart", "server_deploy", "server_prune"):
            assert "host" in t["inputSchema"]["required"] and "Exactly one host" in host
        else:
            assert "@group" in host and "host" not in t["inputSchema"].get("required", []), t["name"]
    read_only = {t["name"] for t in await _listing(tmp_path, read_only=True)}
    assert not read_only & {"server_restart", "server_deploy", "server_prune"}
    assert "fleet_silence" in read_only  # offered: listing works; each change is refused (and audited) per call
