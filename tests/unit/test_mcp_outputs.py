"""The MCP structured outputs are bounded like their text: a synthetic 200-host fleet built from recorded status
payloads (``tests/fixtures/collectors/status``), no network."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from dozor.collectors.status import ContainerStatus, match_declared
from dozor.mcp.calls import answer
from dozor.mcp.outputs import DETAIL_CAP, status_output
from dozor.mcp.shape import TEXT_CAP, compact_schema
from dozor.outcome import HostResult, HostStatus
from dozor.render.payload_text import status_text
from dozor.runner.fleet_result import FleetResult
from dozor.runner.questions import HostContainers

STATUS = Path(__file__).resolve().parents[1] / "fixtures" / "collectors" / "status"


def _recorded(case: str) -> list[ContainerStatus]:
    fx = json.loads((STATUS / f"{case}.json").read_text())
    return [ContainerStatus.model_validate(c) for c in fx["expected"]["result"]]


def _fleet(n: int) -> FleetResult[HostContainers]:
    """``n`` hosts answering with recorded payloads (every 10th with all containers), every 25th unreachable."""
    payloads = {case: _recorded(case) for case in ("compose_scenarios", "all_containers")}
    hosts: list[HostResult[HostContainers]] = []
    for i in range(n):
        name = f"host{i:03d}"
        if i % 25 == 24:
            hosts.append(HostResult(host=name, status=HostStatus.UNREACHABLE, reason="connection refused"))
            continue
        containers = payloads["all_containers" if i % 10 == 0 else "compose_scenarios"]
        data = HostContainers(
            collected_at=datetime(2026, 11, 27, 6, 0, tzinfo=UTC),
            containers=containers,
            services=match_declared(containers, []),
        )
        hosts.append(HostResult(host=name, status=HostStatus.OK, data=data, duration=0.2))
    return FleetResult(operation="status", hosts=hosts, duration=3.2)


def _sizes(result: FleetResult[HostContainers], detail: bool = False) -> tuple[int, int, dict]:
    out = answer(status_text(result), lambda text: status_output(result, len(text), detail))
    text = out.content[0].text
    structured = out.structured_content
    return len(text), len(json.dumps(structured, separators=(",", ":"))), structured


def test_status_of_200_hosts_structured_is_bounded_like_the_text() -> None:
    result = _fleet(200)
    full = sum(len(h.model_dump_json()) for h in result.hosts)  # what the domain models would have carried
    text, structured, out = _sizes(result)
    print(f"\n200 hosts: text {text} chars, structured {structured} chars (domain payloads: {full} chars)")
    assert text <= TEXT_CAP + 200
    assert structured <= 4 * text
    assert [h["host"] for h in out["hosts"]] == [h.host for h in result.hosts]  # every host, in order
    # Summary first and complete, whatever was cut below it.
    assert out["summary"]["hosts"] == 200 and out["summary"]["answered"] == 192
    assert out["summary"]["containers"] == sum(len(h.data.containers) for h in result.hosts if h.data)
    dead = [h for h in out["hosts"] if h["status"] != "ok"]
    assert len(dead) == 8 and all(h["reason"] == "connection refused" for h in dead)
    # Every answering host keeps its counts; those whose rows were cut are named, with a count of services.
    answering = [h for h in out["hosts"] if h["status"] == "ok"]
    assert all(h["data"]["services_total"] > 0 for h in answering)
    cut = [h["host"] for h in answering if not h["data"].get("services")]
    assert cut and f"service rows of {len(cut)} hosts" in out["omitted"]
    assert "per-container detail" in out["omitted"] and "detail=true" in out["omitted"]


def test_status_rows_put_problems_first_and_detail_only_on_request() -> None:
    result = _fleet(1)
    text, structured, out = _sizes(result)
    assert structured <= 4 * text, (structured, text)
    rows = out["hosts"][0]["data"]["services"]
    problems = [r for r in rows if r.get("problem")]
    assert problems and rows[: len(problems)] == problems
    assert not any("containers" in r for r in rows)
    oom = next(r for r in rows if r["service"] == "oom")
    assert "OOM-killed" in oom["problem"]

    _, detailed_size, detailed = _sizes(result, detail=True)
    containers = [c for r in detailed["hosts"][0]["data"]["services"] for c in r.get("containers", [])]
    assert len(containers) == sum(len(s.containers) for s in result.hosts[0].data.services)
    assert {"name", "image", "state"} <= set(containers[0]) and detailed_size > structured
    assert "per-container detail" not in (detailed.get("omitted") or "")


def test_status_detail_is_bounded_too() -> None:
    _, size, out = _sizes(_fleet(200), detail=True)
    assert size <= DETAIL_CAP + 40_000  # detail rows up to the cap, every host's counts beyond it
    assert "service rows of" in out["omitted"]


def test_compact_schema_keeps_the_meaning() -> None:
    schema = {
        "title": "X",
        "type": "object",
        "description": "a model",
        "properties": {
            "title": {"title": "Title", "type": "string"},
            "n": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None, "title": "N"},
            "m": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": 3},
            "rows": {"type": "array", "items": {"$ref": "#/$defs/Row"}, "default": []},
            "flag": {"type": "boolean", "default": False},
        },
        "required": ["title"],
        "$defs": {"Row": {"title": "Row", "type": "object", "properties": {"a": {"type": "string"}}}},
    }
    assert compact_schema(schema) == {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "n": {"type": "integer"},
            "m": {"type": ["integer", "null"], "default": 3},
            "rows": {"type": "array", "items": {"properties": {"a": {"type": "string"}}}},
            "flag": {"type": "boolean", "default": False},
        },
        "required": ["title"],
    }
    out = compact_schema(schema, output=True)["properties"]
    assert out["flag"] == {"type": "boolean"} and out["rows"] == {"items": {"properties": {"a": {"type": "string"}}}}


def test_size_counts_a_list_of_models_as_the_json_it_travels_as() -> None:
    from dozor.mcp.models import ServiceRow
    from dozor.mcp.outputs import size

    rows = [ServiceRow(project="shop", service="web", running=1, total=1),
            ServiceRow(project="shop", service="worker", running=0, total=1, problem="worker_1: exited (exit 1)")]
    wire = json.dumps([r.model_dump(mode="json", exclude_defaults=True) for r in rows], separators=(",", ":"))
    assert size(rows) == len(wire)
    assert size(rows[1]) == len(json.dumps(rows[1].model_dump(mode="json", exclude_defaults=True),
                                           separators=(",", ":")))
