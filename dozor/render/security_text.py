"""The security report as text: bounded AI text (excerpts fenced) and a rich terminal view.

Every string from a host (names, paths, evidence) is stripped of control characters, redacted and clipped;
log-derived text (``Finding.excerpt``: probed paths, source addresses) only ever appears inside ``fence``.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, Group, RenderableType
from rich.text import Text

from dozor.model.severity import Severity
from dozor.render.report_ai import CHARS_PER_TOKEN
from dozor.render.sanitize import clean, clip, fence
from dozor.render.style import counts_line, plain, problem_table
from dozor.security.findings import Check, Finding, SecurityReport, group_within_host

EXCERPT_CHARS = 400


def _ts(report: SecurityReport) -> str:
    return report.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC")


def _finding_lines(n: int, f: Finding) -> list[str]:
    lines = [
        f"{n}. [{f.severity.value.upper()}] {clean(f.where, 120)} — {clean(f.title, 160)} ({f.check.value})",
        f"   evidence: {clean(f.evidence, 360)}",
        f"   fix: {clean(f.fix, 300)}",
    ]
    if f.excerpt:
        block = fence(f.excerpt, source=f"{f.where} (access log)", max_chars=EXCERPT_CHARS)
        lines += ["   " + x for x in block.splitlines()]
    return lines


def _names(names: Sequence[str], limit: int = 30) -> str:
    shown = ", ".join(clean(x, 60) for x in names[:limit])
    return shown + (f" (+{len(names) - limit} more)" if len(names) > limit else "")


def render_ai(report: SecurityReport, *, max_tokens: int = 4000) -> str:
    """Most urgent first, grouped across hosts, excerpts fenced, within ``max_tokens`` (characters / 4)."""
    budget = max(200, max_tokens) * CHARS_PER_TOKEN
    c = report.counts
    scope = f"hosts {clean(report.selector, 120)}" if report.selector else "whole fleet"
    head = [f"dozor security — {_ts(report)} — {scope} — {report.coverage}",
            f"Verdict: {c['critical']} critical, {c['warning']} warning, {c['info']} info (exit {report.exit_code})."]
    down = [h for h in report.hosts if not h.answered]
    if down:
        head.append(f"Did not answer ({len(down)}): " + "; ".join(
            f"{h.host} ({h.status.value}: {clean(h.reason, 120)})" for h in down[:20]) + " — nothing on them checked.")
    groups = [g for g in report.groups if g.severity is not Severity.INFO]
    if groups:
        head.append("\nSame problem on several hosts:")
        head += [f"- [{g.severity.value.upper()}] {clean(g.title, 160)} ({clean(g.subject, 120)}) on "
                 f"{_names(g.hosts)}" for g in groups[:20]]
    text = "\n".join(head)
    used = len(text) + 200
    blocks: list[str] = []
    findings = group_within_host([f for f in report.findings if f.check is not Check.NOT_CHECKED])
    skipped = [f for f in report.findings if f.check is Check.NOT_CHECKED]
    omitted = 0
    if findings:
        blocks.append("\nFindings, most urgent first:")
    for i, f in enumerate(findings, start=1):
        b = "\n".join(_finding_lines(i, f))
        if used + len(b) + 1 > budget:
            omitted = len(findings) - i + 1
            break
        blocks.append(b)
        used += len(b) + 1
    if omitted:
        blocks.append(f"… {omitted} more findings omitted to stay within {max_tokens} tokens; "
                      "narrow with --host or read everything with --json.")
    if skipped:
        line = "Not checked: " + "; ".join(f"{f.host}: {clean(f.subject, 80)} ({clean(f.evidence, 120)})"
                                           for f in skipped[:15])
        blocks.append(clip(line, max(200, budget - used - 40)))
    out = "\n".join([text, *blocks])
    return out if len(out) <= budget else out[: budget - 40].rstrip() + "\n… (cut to the size cap)"


def render_terminal(report: SecurityReport) -> RenderableType:
    """A rich renderable: verdict line, one table of findings, the fleet-wide groups."""
    c = report.counts
    head = Text()
    head.append("CRITICAL" if c["critical"] else "WARNINGS" if c["warning"] else "ok",
                style="bold red" if c["critical"] else "yellow" if c["warning"] else "bold green")
    head.append(f"  {counts_line(report)} · {_ts(report)}", style="dim")
    parts: list[RenderableType] = [head]
    for h in report.hosts:
        if not h.answered:
            parts.append(plain(f"{h.host}: {h.status.value} — {h.reason}", 300, "red"))
    if report.findings:
        parts.append(problem_table(group_within_host(report.findings), "fix", lambda f: plain(f.action, 160),
                                   lambda f: f.evidence + (f" | {f.excerpt}" if f.excerpt else "")))
    for g in report.groups:
        parts.append(plain(f"↔ {g.line}", 300, "cyan"))
    return Group(*parts)


def print_report(report: SecurityReport, console: Console | None = None) -> None:
    """Print the report to stdout (or ``console``)."""
    (console or Console(highlight=False)).print(render_terminal(report))


__all__ = ["print_report", "render_ai", "render_terminal"]
