"""fleet_silence over MCP (in memory, no host needed): add, list, expire; refused and audited in read-only mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from dozor.mcp.server import build_server
from dozor.ops.audit import read_audit

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _inventory(tmp_path: Path) -> str:
    inv = tmp_path / "fleet.toml"
    inv.write_text(f'[defaults]\nstate_dir = "{tmp_path / "state"}"\n'
                   '[hosts.web1]\naddress = "local"\n[hosts.web2]\naddress = "local"\n')
    return str(inv)


async def test_add_list_expire(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOZOR_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    async with Client(build_server(inventory=_inventory(tmp_path))) as c:
        added = await c.call_tool("fleet_silence", {"action": "add", "host": "web1", "match": "service=worker",
                                                    "duration": "2h", "note": "known leak"})
        assert not added.is_error, added.content
        sid = added.structured_content["done"].split()[1]
        assert added.structured_content["silences"][0].startswith(f"{sid} host=web1 service=worker until ")
        bad = await c.call_tool("fleet_silence", {"action": "add", "match": "service=*", "duration": "2h",
                                                  "note": "x"})
        assert bad.is_error and "would match every problem" in bad.content[0].text
        endless = await c.call_tool("fleet_silence", {"action": "add", "match": "service=api", "note": "x"})
        assert endless.is_error and "needs an end" in endless.content[0].text
        gone = await c.call_tool("fleet_silence", {"action": "expire", "id": sid})
        assert not gone.is_error and gone.structured_content.get("silences", []) == []
    actors = {r["actor"] for r in read_audit(tmp_path / "audit.jsonl")}
    assert all(a.startswith("mcp:") for a in actors)


async def test_read_only_refuses_changes_and_audits_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOZOR_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    async with Client(build_server(inventory=_inventory(tmp_path), read_only=True)) as c:
        refused = await c.call_tool("fleet_silence", {"action": "add", "match": "service=worker", "duration": "2h",
                                                      "note": "x"})
        assert refused.is_error and "read-only" in refused.content[0].text
        listed = await c.call_tool("fleet_silence", {"action": "list"})
        assert not listed.is_error and "no active silences" in listed.content[0].text
    log = read_audit(tmp_path / "audit.jsonl")
    assert [r["outcome"] for r in log if r["phase"] == "after"] == ["refused"]
    assert not (tmp_path / "state" / "noise.json").exists()
