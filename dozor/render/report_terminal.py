"""The report on a terminal (rich): verdict, changes, ranked issues, per-host lines."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from dozor.render.style import SEVERITY_STYLE, plain, ts
from dozor.report.models import FleetReport


def render_terminal(report: FleetReport) -> RenderableType:
    """A rich renderable for the whole report."""
    c = report.counts
    head = Text()
    if report.needs_attention:
        head.append("NEEDS ATTENTION", style="bold red")
    else:
        head.append("healthy", style="bold green")
    head.append(f"  {report.coverage} · {c['critical']} critical, {c['warning']} warning, {c['info']} info · "
                f"{ts(report.generated_at)}", style="dim")
    parts: list[RenderableType] = [head]
    ch = report.changes
    if ch is not None and (ch.new or ch.resolved):
        for label, items, style in (("new", ch.new, "bold"), ("resolved", ch.resolved, "green")):
            for x in items:
                where = f"{x.host} {x.project}/{x.service}" if x.service else x.host
                line = Text(f"{label:9}", style=style)
                line.append_text(plain(f"{x.severity.value} {where} — {x.title}"))
                parts.append(line)
    if report.alerts:
        t = Table(box=None, pad_edge=False, header_style="dim")
        for col in ("sev", "where", "problem", "evidence", "last seen"):
            t.add_column(col, overflow="fold")
        for a in report.alerts:
            t.add_row(Text(a.severity.value, style=SEVERITY_STYLE[a.severity.value]), plain(a.where, 60),
                      plain(a.title, 80), plain(a.evidence, 320), Text(ts(a.last_seen) if a.last_seen else "-"))
        parts.append(t)
    for x in report.correlations:
        parts.append(plain(f"↔ {x.title}: {', '.join(x.hosts)}", 300, "cyan"))
    healthy = [h.host for h in report.healthy_hosts]
    if healthy:
        parts.append(Text(f"no problems: {', '.join(healthy)}", style="green"))
    return Group(*parts)


def print_report(report: FleetReport, console: Console | None = None) -> None:
    """Print the report to stdout (or ``console``)."""
    (console or Console()).print(render_terminal(report))


__all__ = ["print_report", "render_terminal"]
