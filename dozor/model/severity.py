"""``Severity``: how urgent a problem is, and its ranking. Defined here once for the whole of dozor."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """``critical`` = broken now; ``warning`` = will break or half-broken; ``info`` = for information."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for critical, 1 for warning, 2 for info (sort ascending = most urgent first)."""
        return _RANK[self]


_RANK = {s: i for i, s in enumerate(Severity)}

__all__ = ["Severity"]
