"""Shared look of every renderer: severity and status styles, times, durations, sizes, rich text of host data."""

from __future__ import annotations

from rich.text import Text

from dozor.model.timetext import human_duration, ts
from dozor.outcome import HostStatus
from dozor.render.sanitize import clean

SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "dim"}
"""Rich style of each severity value."""

STATUS_STYLE = {
    HostStatus.OK: "green",
    HostStatus.DOCKER_UNAVAILABLE: "yellow",
    HostStatus.REFUSED: "yellow",
}
"""Rich style of a host status; any other status is ``bold red``."""


def human_bytes(n: float | None) -> str:
    """1536 → ``1.5 KiB``."""
    if n is None:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def plain(text: object, limit: int = 200, style: str = "") -> Text:
    """Host-supplied text as rich ``Text`` (never parsed as markup), cleaned by the one sanitiser."""
    return Text(clean(text, limit), style=style)


__all__ = ["SEVERITY_STYLE", "STATUS_STYLE", "human_bytes", "human_duration", "plain", "ts"]
