"""Collectors found by discovery: every module of a package is imported and each ``Collector`` it assigns at
module level is registered under its ``name``.

Adding a collector is adding a module (or a ``Collector`` in an existing one): nothing to list by hand.
Two collectors with one name are a programming error and raise at discovery. A collector a module only
imports (``from dozor.collectors.compose import COMPOSE_DETECT`` in an ops module) belongs to the package
that assigns it, so each package's collectors, and their fixtures, are its own. The scan is lazy (first
call) so importing ``dozor.collectors`` stays cheap and does not import every collector's dependencies.

The registry names no other package: ``discover("dozor.ops")`` finds the ops commands' collectors (ops
imports collectors, never the reverse), and ``all_collectors()`` is ``dozor.collectors`` alone.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from types import MappingProxyType, ModuleType

from dozor.collectors.base import Collector
from dozor.errors import DuplicateCollector

_REGISTRY: MappingProxyType[str, Collector] | None = None


def _assigned_names(module: ModuleType) -> set[str] | None:
    """Names the module's own source assigns at top level (``X = ...``, ``X: T = ...``); None without source."""
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError, SyntaxError):
        return None
    names: set[str] = set()
    todo: list[ast.stmt] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.If | ast.Try):  # assignments under `if`/`try` at module level count too
            todo += [*node.body, *node.orelse, *getattr(node, "finalbody", []),
                     *(s for h in getattr(node, "handlers", []) for s in h.body)]
    return names


def _module_collectors(module: ModuleType) -> list[tuple[str, Collector]]:
    """``(attribute, collector)`` for every ``Collector`` the module assigns at top level (not ones it imports)."""
    own = _assigned_names(module)
    return [(attr, value) for attr, value in vars(module).items()
            if isinstance(value, Collector) and (own is None or attr in own)]


def discover(*packages: str) -> dict[str, Collector]:
    """Import every module of each package (default ``dozor.collectors``) and map their collectors by name.

    The same object assigned to two names counts once; two different objects with one name, in one
    package or across the packages given, raise ``DuplicateCollector``.
    """
    found: dict[str, Collector] = {}
    where: dict[str, str] = {}
    for package in packages or ("dozor.collectors",):
        pkg = importlib.import_module(package)
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
            module = importlib.import_module(f"{package}.{info.name}")
            for attr, collector in _module_collectors(module):
                known = found.get(collector.name)
                if known is None:
                    found[collector.name] = collector
                    where[collector.name] = f"{module.__name__}.{attr}"
                elif known is not collector:
                    raise DuplicateCollector(
                        f"collector name {collector.name!r} is used by {where[collector.name]} "
                        f"and {module.__name__}.{attr}"
                    )
    return dict(sorted(found.items()))


def all_collectors() -> MappingProxyType[str, Collector]:
    """Every collector of ``dozor.collectors`` by name (discovered once, read-only)."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = MappingProxyType(discover())
    return _REGISTRY


__all__ = ["DuplicateCollector", "all_collectors", "discover"]
