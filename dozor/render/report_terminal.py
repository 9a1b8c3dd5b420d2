"""The report on a terminal (rich): verdict, changes, ranked issues, per-host lines."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.text import Text

from dozor.noise.apply import acked, silenced_line
from dozor.render.style import SEVERITY_STYLE, counts_line, plain, problem_table, ts
from dozor.report.models import FleetReport


def render_terminal(report: FleetReport) -> RenderableType:
    """A rich renderable for the whole report."""
    head = Text()
    if report.needs_attention:
        head.append("NEEDS ATTENTION", style="bold red")
    else:
        head.append("healthy", style="bold green")
    head.append(f"  {counts_line(report)} · {ts(report.generated_at)}", style="dim")
    parts: list[RenderableType] = [head]
    ch = report.changes
    if ch is not None and ch.previous_run is not None and (ch.new or ch.resolved):
        for label, items, style in (("new", ch.new, "bold"), ("resolved", ch.resolved, "green")):
            for x in items:
                where = f"{x.host} {x.project}/{x.service}" if x.service else x.host
                line = Text(f"{label:9}", style=style)
                line.append_text(plain(f"{x.severity.value} {where} — {x.title}"))
                parts.append(line)
    quiet = silenced_line(report.noise, report.generated_at.date())
    if quiet:
        parts.append(plain(quiet, 300, "dim"))
    if report.noise is not None and report.noise.warning:
        parts.append(plain(f"silences/acks: {report.noise.warning}", 400, "yellow"))
    for inc in report.incidents:
        line = Text(f"{inc.severity.value:9}", style=SEVERITY_STYLE[inc.severity.value])
        line.append_text(plain(inc.summary, 300))
        if inc.symptoms:
            line.append(f"  (+{len(inc.symptoms)} symptoms)", style="dim")
        line.append(f"  [{inc.id[:8]}]", style="dim")
        ack = acked(report.noise, inc.id)
        if ack is not None:
            line.append_text(plain(f"  acknowledged: {ack.note}, since {ts(ack.since)}", 200, "cyan"))
        parts.append(line)
    alerts = report.active_alerts
    if alerts:
        parts.append(Text("alerts", style="dim"))
        parts.append(problem_table(alerts, "last seen", lambda a: Text(ts(a.last_seen) if a.last_seen else "-"),
                                   lambda a: a.evidence))
    for x in report.correlations:
        parts.append(plain(f"↔ {x.title}: {', '.join(x.hosts)}", 300, "cyan"))
    cut = [f"{h.host} {lg.project}/{lg.service}" for h in report.hosts for lg in h.logs if lg.truncated]
    if cut:
        parts.append(plain(f"log tails cut by the byte cap: {', '.join(cut)}", 400, "yellow"))
    unchecked = [f"{host} {part} ({err})" for host, part, err in report.unchecked()]
    if unchecked:
        parts.append(plain(f"not checked: {'; '.join(unchecked)}", 400, "yellow"))
    healthy = [h.host for h in report.healthy_hosts]
    if healthy:
        parts.append(Text(f"no problems: {', '.join(healthy)}", style="green"))
    return Group(*parts)


def print_report(report: FleetReport, console: Console | None = None) -> None:
    """Print the report to stdout (or ``console``)."""
    (console or Console()).print(render_terminal(report))


__all__ = ["print_report", "render_terminal"]
