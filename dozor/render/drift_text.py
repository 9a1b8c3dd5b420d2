"""Configuration drift as text: bounded AI text and a rich terminal view (JSON: ``render.json_text``).

Every host-supplied string (names, image references, commands, labels) goes through the one sanitiser
(``clean``: control characters stripped, secrets redacted, clipped). The models never carry an
environment value, so none can be printed.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from dozor.drift.models import DriftReport, ServiceDrift
from dozor.render.report_ai import CHARS_PER_TOKEN
from dozor.render.sanitize import clean
from dozor.render.style import STATUS_STYLE, plain, ts

DIFFERENCES_PER_GROUP = 12
"""Most differences one group lists in the AI text (the rest are counted)."""


def _scope(report: DriftReport) -> str:
    scope = f"hosts {clean(report.selector, 120)}" if report.selector else "whole fleet"
    return scope + (f", project {clean(report.project, 80)}" if report.project else "")


def summary_line(report: DriftReport) -> str:
    """'2 services run on two or more hosts, 1 of them drifts (6 on one host only, not compared).'"""
    n = len(report.compared)
    return (f"{n} service{'s' if n != 1 else ''} run{'s' if n == 1 else ''} on two or more hosts, "
            f"{len(report.drift)} of them drift{'s' if len(report.drift) == 1 else ''} "
            f"({report.single_host} on one host only, not compared). Environment compared by variable name only.")


def service_lines(d: ServiceDrift, *, per_group: int = DIFFERENCES_PER_GROUP) -> list[str]:
    """One line per differing group of hosts."""
    out = []
    for g in d.groups:
        shown = [clean(x.text, 240) for x in g.differences[:per_group]]
        more = len(g.differences) - len(shown)
        verb = "differs" if len(g.hosts) == 1 else "differ"
        line = (f"{', '.join(clean(h, 60) for h in g.hosts)} {verb} from "
                f"{', '.join(clean(h, 60) for h in g.reference_hosts)}: " + "; ".join(shown))
        out.append(line + (f"; … {more} more" if more > 0 else ""))
    return out


def render_ai(report: DriftReport, *, max_tokens: int = 3000) -> str:
    """Drift per service, within ``max_tokens`` (characters / 4); what was left out is said."""
    budget = max(200, max_tokens) * CHARS_PER_TOKEN
    lines = [f"dozor drift — {ts(report.generated_at)} — {_scope(report)} — {report.coverage}", summary_line(report)]
    if report.failed:
        lines.append(f"Did not answer ({len(report.failed)}): " + "; ".join(
            f"{clean(h.host, 60)} ({h.status.value}: {clean(h.reason, 120)})" for h in report.failed[:20])
            + " — their services not compared.")
    if not report.drift:
        lines.append("No drift: every compared service is configured alike on all its hosts.")
    text = "\n".join(lines)
    for i, d in enumerate(report.drift):
        block = f"\n- {clean(d.name, 120)} on {', '.join(clean(h, 60) for h in d.hosts)}:\n" + "\n".join(
            f"  {x}" for x in service_lines(d))
        if len(text) + len(block) > budget:
            text += f"\n… {len(report.drift) - i} more drifting services left out (narrow with project/host)."
            break
        text += block
    return text


def render_terminal(report: DriftReport) -> RenderableType:
    """A rich renderable: the headline, then one row per differing group of hosts."""
    head = Text("drift found" if report.drift else "no drift", style="bold yellow" if report.drift else "bold green")
    head.append(f"  {report.coverage} · {ts(report.generated_at)}", style="dim")
    parts: list[RenderableType] = [head, Text(summary_line(report), style="dim")]
    for h in report.failed:
        line = Text(f"{h.status.value:12}", style=STATUS_STYLE.get(h.status, "bold red"))
        line.append_text(plain(f"{h.host}: {h.reason}", 200))
        parts.append(line)
    if report.drift:
        t = Table(box=None, pad_edge=False, header_style="dim")
        for col in ("service", "hosts", "differ from", "differences"):
            t.add_column(col, overflow="fold")
        for d in report.drift:
            for g in d.groups:
                t.add_row(plain(d.name, 80), plain(", ".join(g.hosts), 120), plain(", ".join(g.reference_hosts), 120),
                          Text("\n").join(plain(x.text, 240) for x in g.differences))
        parts.append(t)
    return Group(*parts)


__all__ = ["render_ai", "render_terminal", "service_lines", "summary_line"]
