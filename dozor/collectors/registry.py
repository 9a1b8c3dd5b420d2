"""Collectors found by discovery: every module of ``dozor.collectors`` is imported and each module-level
``Collector`` instance is registered under its ``name``.

Adding a collector is adding a module (or a ``Collector`` in an existing one): nothing to list by hand.
Two collectors with one name are a programming error and raise at discovery. The scan is lazy (first
call) so importing ``dozor.collectors`` stays cheap and does not import every collector's dependencies.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import MappingProxyType, ModuleType

from dozor.collectors.base import Collector
from dozor.errors import DuplicateCollector

_REGISTRY: MappingProxyType[str, Collector] | None = None


def _module_collectors(module: ModuleType) -> list[tuple[str, Collector]]:
    """``(attribute, collector)`` for every ``Collector`` defined at module level (re-exports included)."""
    return [(attr, value) for attr, value in vars(module).items() if isinstance(value, Collector)]


def discover(package: str = "dozor.collectors") -> dict[str, Collector]:
    """Import every module of ``package`` and map each module-level ``Collector`` by name.

    The same object reached from two modules (an import) counts once; two different objects with
    one name raise ``DuplicateCollector``.
    """
    pkg = importlib.import_module(package)
    found: dict[str, Collector] = {}
    where: dict[str, str] = {}
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
