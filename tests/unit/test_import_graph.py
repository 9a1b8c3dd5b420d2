"""dozor's import graph has no cycles, counting every import: module level, inside functions, TYPE_CHECKING.

The graph is built from the source with ``ast`` (nothing is imported). An edge ``a -> b`` exists when
module ``a`` imports ``b`` or a name from ``b`` (``from dozor.x import y`` counts as ``dozor.x``, and as
``dozor.x.y`` when that is a module). Layers flow one way: front ends -> Fleet -> domain -> runner/collectors
-> transport -> inventory/model.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "dozor"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in ROOT.rglob("*.py")}


def _resolve(module: str, level: int, current: str, is_package: bool) -> str:
    if level == 0:
        return module
    base = current.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def import_graph() -> dict[str, set[str]]:
    """Module -> the dozor modules it imports (anywhere in the file)."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(node.module or "", node.level, name, path.name == "__init__.py")
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            for t in targets:
                if t in modules and t != name:
                    graph[name].add(t)
    return graph


def _package_edges(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """A package's ``__init__`` importing its own submodules is not a cycle with them: drop those edges."""
    return {m: {t for t in deps if not t.startswith(m + ".")} for m, deps in graph.items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_graph_is_read() -> None:
    graph = import_graph()
    assert "dozor.report.models" in graph["dozor.render.report_ai"]
    assert "dozor.fleet" in graph["dozor.mcp.state"]


def test_a_planted_cycle_is_found() -> None:
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    cycles = find_cycles(_package_edges(import_graph()))
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_models_never_import_renderers() -> None:
    graph = import_graph()
    models = [m for m in graph if m.startswith(("dozor.model", "dozor.report.models", "dozor.security.findings",
                                                "dozor.report.alerts", "dozor.outcome"))]
    for m in models:
        assert not {t for t in graph[m] if t.startswith("dozor.render")}, f"{m} imports a renderer"


def test_domain_never_imports_the_facade_or_front_ends() -> None:
    graph = import_graph()
    top = ("dozor.fleet", "dozor.cli", "dozor.mcp", "dozor.reports", "dozor.agent", "dozor.compat")
    for m, deps in graph.items():
        if m.startswith(("dozor.report", "dozor.ops", "dozor.security", "dozor.runner", "dozor.collectors",
                         "dozor.engine", "dozor.transport", "dozor.inventory", "dozor.model", "dozor.analysis",
                         "dozor.render")) and not m.startswith("dozor.reports"):
            bad = {t for t in deps if t.startswith(top)}
            assert not bad, f"{m} imports {sorted(bad)}"
