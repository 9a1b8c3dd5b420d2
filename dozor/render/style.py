"""Shared look of every renderer: severity and status styles, times, durations, sizes, rich text of host data."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from rich.table import Table
from rich.text import Text

from dozor.model.problem import Problem
from dozor.model.report import ProblemReport
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

P = TypeVar("P", bound=Problem)


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


def counts_line(report: ProblemReport[Any]) -> str:
    """``2 of 3 hosts answered · 1 critical, 0 warning, 4 info``."""
    c = report.counts
    return f"{report.coverage} · {c['critical']} critical, {c['warning']} warning, {c['info']} info"


def problem_table(
    problems: Iterable[P], last: str, last_cell: Callable[[P], Text], evidence: Callable[[P], str]
) -> Table:
    """One row per problem: severity, where, problem, evidence and a ``last`` column."""
    t = Table(box=None, pad_edge=False, header_style="dim")
    for col in ("sev", "where", "problem", "evidence", last):
        t.add_column(col, overflow="fold")
    for p in problems:
        t.add_row(Text(p.severity.value, style=SEVERITY_STYLE[p.severity.value]), plain(p.where, 60),
                  plain(p.title, 80), plain(evidence(p), 320), last_cell(p))
    return t


__all__ = ["SEVERITY_STYLE", "STATUS_STYLE", "counts_line", "human_bytes", "human_duration", "plain", "problem_table",
           "ts"]
