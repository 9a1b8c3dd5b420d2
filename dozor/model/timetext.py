"""How times and durations read in dozor's text (problem evidence and every renderer): defined once."""

from __future__ import annotations

from datetime import datetime


def ts(t: datetime | None) -> str:
    """``2026-11-27 05:13:18Z`` (UTC as docker reports it)."""
    return t.strftime("%Y-%m-%d %H:%M:%SZ") if t else "unknown time"


def ago(t: datetime | None, now: datetime) -> str:
    """``3m ago``, ``2h ago``, ``4d ago``."""
    if t is None:
        return "at an unknown time"
    s = max(0, int((now - t).total_seconds()))
    if s < 120:
        return f"{s}s ago"
    if s < 7200:
        return f"{s // 60}m ago"
    if s < 172800:
        return f"{s // 3600}h ago"
    return f"{s // 86400}d ago"


def human_duration(seconds: float | None) -> str:
    """3725 → ``1h02m``."""
    if seconds is None:
        return "-"
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    return f"{s // 86400}d{(s % 86400) // 3600:02d}h"


__all__ = ["ago", "human_duration", "ts"]
