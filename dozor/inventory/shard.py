"""Inventory shards: several controllers, each owning one part of the same inventory.

``--shard K/N`` (1 ≤ K ≤ N)
    the hosts that rendezvous hashing gives to shard K of N: each host goes to the shard whose
    ``sha256("K/name")`` is highest. The same on every machine, process and Python version (no ``hash()``,
    no seed), and when N grows to N+1 only about 1/(N+1) of the hosts move — all of them to the new shard.
``--shard PATTERN`` (``@eu``, ``web*``, ``a,b``)
    the hosts a host pattern selects (:mod:`dozor.inventory.selector`): a shard per group or tag.

:func:`apply_shard` cuts the inventory to the shard's hosts, so every command, the MCP server and the live
view see only them; ``--host`` then selects inside the shard. Patterns are still read against the whole
inventory (``Inventory.whole``): a host of another shard selects nothing here, a typo is still an error.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from dozor.errors import ShardError, UnknownHostError
from dozor.inventory.models import Inventory
from dozor.inventory.selector import select_hosts

_K_OF_N = re.compile(r"(\d+)/(\d+)")
MAX_SHARDS = 4096


@dataclass(frozen=True)
class Shard:
    """One shard: ``index`` of ``count`` (hash shards), or the hosts of ``pattern``."""

    index: int = 0
    count: int = 0
    pattern: str | None = None

    @property
    def label(self) -> str:
        """``2/4`` or the pattern, as given to ``--shard``."""
        return self.pattern if self.pattern is not None else f"{self.index}/{self.count}"

    def members(self, inv: Inventory) -> list[str]:
        """The shard's host names, in inventory order; a pattern matching no host raises ``ShardError``."""
        if self.pattern is None:
            return [name for name in inv.hosts if shard_index(name, self.count) == self.index]
        try:
            return select_hosts(inv, self.pattern)
        except UnknownHostError as exc:
            raise ShardError(f"--shard {self.pattern}: {exc}") from None


def parse_shard(text: str) -> Shard:
    """``K/N`` or a host pattern; anything else (``0/2``, ``3/2``, ``1/0``, ``a/b``, empty) raises ``ShardError``."""
    value = text.strip()
    if not value:
        raise ShardError("--shard is empty: give K/N (e.g. 1/4, 1 ≤ K ≤ N) or a host pattern such as @eu")
    if "/" not in value:
        return Shard(pattern=value)  # host and group names cannot hold '/': the two forms never overlap
    m = _K_OF_N.fullmatch(value.replace(" ", ""))
    if m is None:
        raise ShardError(f"--shard {value!r}: expected K/N with whole numbers, 1 ≤ K ≤ N (e.g. 1/4), "
                         "or a host pattern such as @eu")
    k, n = int(m[1]), int(m[2])
    if n < 1 or n > MAX_SHARDS:
        raise ShardError(f"--shard {value!r}: N must be between 1 and {MAX_SHARDS}, not {n}")
    if not 1 <= k <= n:
        raise ShardError(f"--shard {value!r}: K must be between 1 and N={n}, not {k} (shards are numbered from 1)")
    return Shard(index=k, count=n)


def _weight(index: int, name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{index}/{name}".encode()).digest()[:8], "big")


def shard_index(name: str, count: int) -> int:
    """The shard (1…count) that owns host ``name``: the highest ``sha256("K/name")`` wins (rendezvous hashing)."""
    if count < 1:
        raise ValueError(f"shard count must be at least 1, not {count}")
    return max(range(1, count + 1), key=lambda k: (_weight(k, name), -k))


def apply_shard(inv: Inventory, shard: Shard | str | None) -> Inventory:
    """``inv`` cut to the shard's hosts (``inv`` itself when ``shard`` is None); raises ``ShardError``.

    The groups stay whole, and a group or tag held only by other shards' hosts stays known (empty here), so the
    same ``--host @db`` can go to every shard.
    """
    if shard is None:
        return inv
    if isinstance(shard, str):
        shard = parse_shard(shard)
    keep = set(shard.members(inv))
    hosts = {name: host for name, host in inv.hosts.items() if name in keep}
    groups = {g: list(members) for g, members in inv.groups.items()}
    held = set(groups)
    for host in hosts.values():
        held.update(host.groups)
        held.update(host.tags)
    for label in inv.labels():
        if label not in held:
            groups[label] = []
    cut = inv.model_copy(update={"hosts": hosts, "groups": groups})
    cut._whole = inv.whole
    cut._shard = shard.label if inv.shard is None else f"{inv.shard}+{shard.label}"
    return cut


__all__ = ["MAX_SHARDS", "Shard", "ShardError", "apply_shard", "parse_shard", "shard_index"]
