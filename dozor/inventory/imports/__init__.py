"""Inventories written from what a fleet already has: an OpenSSH client config, an Ansible inventory.

Each importer returns an ``Imported``: the inventory as TOML data, checked by dozor's own models, and the
list of what it could not carry over (said on stderr by the CLI). The TOML loads with ``load_inventory``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import tomli_w

from dozor.errors import InventoryError
from dozor.inventory.models import Inventory


@dataclass
class Imported:
    """An imported inventory: TOML-ready data, where it came from, and what was left out."""

    data: dict[str, Any]
    source: str
    dropped: list[str] = field(default_factory=list)

    def inventory(self) -> Inventory:
        """The data validated by the inventory models (``InventoryError`` naming the source if not)."""
        from dozor.inventory.loader import _validate

        inv = _validate(self.data, self.source)
        if not inv.hosts:
            raise InventoryError(self.source, [("", "no host to import")])
        return inv

    def to_toml(self) -> str:
        """The fleet.toml text, after validation."""
        self.inventory()
        header = f"# dozor inventory, imported from {self.source}\n# Check it with: dozor inventory check\n\n"
        return header + tomli_w.dumps(self.data)


def compact(table: dict[str, Any]) -> dict[str, Any]:
    """``table`` without None values and empty lists (TOML has no null; empty means default)."""
    return {k: v for k, v in table.items() if v is not None and v != []}


__all__ = ["Imported", "compact"]
