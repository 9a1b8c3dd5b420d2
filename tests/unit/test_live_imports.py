"""``dozor.live`` is domain code: it never imports the façade or a front end (which import it)."""

from __future__ import annotations

from tests.unit.test_import_graph import import_graph


def test_live_imports_flow_down_only() -> None:
    graph = import_graph()
    live = [m for m in graph if m == "dozor.live" or m.startswith("dozor.live.")]
    assert "dozor.live.host" in live and "dozor.live.stream" in live
    top = ("dozor.fleet", "dozor.cli", "dozor.mcp", "dozor.reports", "dozor.agent", "dozor.compat", "dozor.render")
    for m in live:
        bad = sorted(t for t in graph[m] if t.startswith(top))
        assert not bad, f"{m} imports {bad}"


def test_the_front_ends_reach_live_lazily() -> None:
    graph = import_graph()
    assert "dozor.live.fleet" in graph["dozor.cli.watch"]
    assert "dozor.live.freshness" in graph["dozor.mcp.tools_read"]
