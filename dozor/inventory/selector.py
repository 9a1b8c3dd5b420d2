"""Host patterns in Ansible's syntax.

``all`` / ``*`` / empty
    every host.
``web1``, ``web*``, ``db?``
    a host name or an fnmatch glob over host names.
``@web``
    a group (``[groups]`` or a host's ``groups``) or a tag (a host's ``tags``); nested groups expand.
``a,b`` or ``a:b``
    union; ``&x`` intersects, ``!x`` excludes.

As in Ansible, union terms apply first, then intersections, then exclusions; a pattern of only
``&``/``!`` terms starts from all hosts. The result is in inventory order, without duplicates.
A term that matches nothing is an error, so a typo never widens or narrows a run silently.

An inventory cut to a shard (:mod:`dozor.inventory.shard`) reads the pattern against the whole inventory and
keeps the shard's hosts: a host of another shard selects nothing here, and is not an unknown host.
"""

from __future__ import annotations

import difflib
import re
from fnmatch import fnmatchcase

from dozor.errors import UnknownHostError  # re-exported: defined with the other errors
from dozor.inventory.models import Inventory

_ALL = ("all", "*")
_GLOB_CHARS = frozenset("*?[")


def select_hosts(inv: Inventory, pattern: str | None) -> list[str]:
    """Host names matched by ``pattern``, in inventory order; raise ``UnknownHostError``."""
    whole = inv.whole
    names = _select(whole, pattern)
    return names if whole is inv else [name for name in names if name in inv.hosts]


def _select(inv: Inventory, pattern: str | None) -> list[str]:
    terms = [t.strip() for t in re.split(r"[,:]", pattern or "")]
    terms = [t for t in terms if t]
    union = [t for t in terms if t[0] not in "&!"]
    intersect = [t[1:].strip() for t in terms if t[0] == "&"]
    exclude = [t[1:].strip() for t in terms if t[0] == "!"]
    chosen: set[str] = set()
    for term in union or ["all"]:
        chosen.update(_match(inv, term))
    for term in intersect:
        chosen.intersection_update(_match(inv, term))
    for term in exclude:
        chosen.difference_update(_match(inv, term))
    return [name for name in inv.hosts if name in chosen]


def host_names_for_completion(inv: Inventory) -> list[str]:
    """Every host name, then every group and tag as ``@name``: what a pattern term may be."""
    return [*inv.hosts, *(f"@{label}" for label in inv.labels())]


def _match(inv: Inventory, term: str) -> list[str]:
    if term in _ALL:
        return list(inv.hosts)
    if not term or term == "@":
        raise UnknownHostError("empty term in host pattern (a lone '!', '&' or '@')")
    if term.startswith("@"):
        label = term[1:]
        try:
            return inv.members(label)
        except KeyError:
            raise UnknownHostError(f"unknown group or tag {term!r}" + _suggest(inv, term)) from None
    if _GLOB_CHARS.intersection(term):
        found = [name for name in inv.hosts if fnmatchcase(name, term)]
        if not found:
            raise UnknownHostError(f"pattern {term!r} matched no host" + _suggest(inv, term))
        return found
    if term in inv.hosts:
        return [term]
    raise UnknownHostError(f"unknown host {term!r}" + _suggest(inv, term))


def _suggest(inv: Inventory, term: str) -> str:
    """``; did you mean ...?`` plus the groups on offer, matched case-insensitively."""
    candidates = host_names_for_completion(inv)
    lowered = {c.lower(): c for c in reversed(candidates)}
    close = [lowered[c] for c in difflib.get_close_matches(term.lower(), list(lowered), n=5)]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    labels = [f"@{label}" for label in inv.labels()]
    if labels:
        shown = ", ".join(labels[:20]) + (f" and {len(labels) - 20} more" if len(labels) > 20 else "")
        hint += f" (groups and tags: {shown})"
    return hint
