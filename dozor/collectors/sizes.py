"""Docker's human-readable sizes (``docker stats``, ``docker system df``) back to bytes."""

from __future__ import annotations

import re

from dozor.collectors.base import CollectorError

_UNITS = {
    "b": 1,
    "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4, "pb": 1000**5,
    "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4, "pib": 1024**5,
}
_SIZE_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*$")


def parse_size(text: str) -> int | None:
    """Docker's human sizes to bytes: ``12.5MiB``, ``1.2GiB``, ``512KiB``, ``0B``, ``3.4kB``, ``1.1MB``.

    Binary (KiB, MiB) and decimal (kB, MB) units are both used by ``docker stats``.
    ``--`` and empty give None.
    """
    m = _SIZE_RE.match(text)
    if not m:
        return None
    unit = (m.group(2) or "b").lower()
    if unit not in _UNITS:
        raise CollectorError(f"unknown size unit in {text!r}")
    return round(float(m.group(1)) * _UNITS[unit])


__all__ = ["parse_size"]
