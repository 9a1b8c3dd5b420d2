"""The report as Markdown (tickets, chat, mail): verdict, changes, ranked issues, hosts."""

from __future__ import annotations

from dozor.model.timetext import ts
from dozor.noise.apply import acked, silenced_line
from dozor.render.sanitize import clean
from dozor.report.models import AlertChange, FleetReport

MAX_ROWS = 200


def _cell(text: object, limit: int = 200) -> str:
    """Table-safe: control characters stripped, secrets redacted, pipes escaped, one line."""
    return clean(text, limit).replace("|", "\\|").replace("`", "'")


def _change(c: AlertChange) -> str:
    where = f"{c.host} {c.project}/{c.service}" if c.service else c.host
    return f"- **{c.severity.value}** `{_cell(where, 100)}` — {_cell(c.title)}"


def render_markdown(report: FleetReport) -> str:
    """Render the report as GitHub-flavoured Markdown."""
    c = report.counts
    verdict = "needs attention" if report.needs_attention else "healthy"
    out = [
        f"# dozor {report.mode}: {verdict}",
        "",
        f"{ts(report.generated_at)} · {report.selector or 'whole fleet'} · {report.coverage} · "
        f"{c['critical']} critical, {c['warning']} warning, {c['info']} info · exit {report.exit_code}",
    ]
    ch = report.changes
    if ch is not None:
        out += ["", "## Since last run", "",
                f"Previous run: {ts(ch.previous_run) if ch.previous_run else 'none'} · {len(ch.new)} new, "
                f"{len(ch.resolved)} resolved, {ch.ongoing} ongoing"]
        for title, items in (("New", ch.new), ("Resolved", ch.resolved)):
            if items:
                out += ["", f"### {title}", "", *(_change(x) for x in items[:MAX_ROWS])]
    quiet = silenced_line(report.noise, report.generated_at.date())
    if quiet:
        out += ["", _cell(quiet, 400)]
    if report.noise is not None and report.noise.warning:
        out += ["", f"Silences/acks not applied: {_cell(report.noise.warning, 400)}"]
    if report.incidents:
        out += ["", "## Incidents", "", "| severity | incident | root cause | symptoms | last seen |",
                "|---|---|---|---|---|"]
        for inc in report.incidents[:MAX_ROWS]:
            r = inc.root_cause
            ack = acked(report.noise, inc.id)
            note = f" (acknowledged: {_cell(ack.note)}, since {ts(ack.since)})" if ack else ""
            out.append(f"| {inc.severity.value} | {_cell(inc.summary, 300)}{note} `{inc.id[:8]}` | "
                       f"{_cell(r.where, 80)}: {_cell(r.title)} | {len(inc.symptoms)} | "
                       f"{ts(inc.last_seen) if inc.last_seen else '-'} |")
    alerts = report.active_alerts
    if alerts:
        out += ["", "## Issues", "", "| severity | host | service | problem | evidence | count | last seen | action |",
                "|---|---|---|---|---|---|---|---|"]
        for a in alerts[:MAX_ROWS]:
            svc = f"{a.project}/{a.service}" if a.service else "-"
            out.append(f"| {a.severity.value} | {_cell(a.host, 60)} | {_cell(svc, 80)} | {_cell(a.title)} | "
                       f"{_cell(a.evidence, 300)} | {a.count} | {ts(a.last_seen) if a.last_seen else '-'} | "
                       f"{_cell(a.action, 200)} |")
        if len(alerts) > MAX_ROWS:
            out.append(f"\n… {len(alerts) - MAX_ROWS} more issues omitted.")
    if report.correlations:
        out += ["", "## Same problem on several hosts", ""]
        out += [f"- {_cell(x.title)}: {', '.join(x.hosts)} ({x.count}×)" for x in report.correlations]
    cut = [f"{h.host} {lg.project}/{lg.service}" for h in report.hosts for lg in h.logs if lg.truncated]
    if cut:
        out += ["", f"Log tails cut by the byte cap (older lines not read): {_cell(', '.join(cut), 600)}"]
    unchecked = [f"{host} {part} ({err})" for host, part, err in report.unchecked()]
    if unchecked:
        out += ["", f"Not checked: {_cell('; '.join(unchecked), 600)}"]
    out += ["", "## Hosts", "", "| host | status | services | alerts | disk | memory |", "|---|---|---|---|---|---|"]
    for h in report.hosts:
        if not h.answered:
            out.append(f"| {_cell(h.host, 60)} | {h.status.value}: {_cell(h.reason, 120)} | - | - | - | - |")
            continue
        up = sum(1 for s in h.services if s.state == "running")
        r = h.resources
        disk = f"{r.disk_percent:.0f}% {r.disk_mount}" if r and r.disk_percent is not None else "-"
        mem = f"{r.memory_percent:.0f}%" if r and r.memory_percent is not None else "-"
        out.append(f"| {_cell(h.host, 60)} | ok | {up}/{len(h.services)} running | {len(h.problems())} | "
                   f"{_cell(disk, 60)} | {mem} |")
    return "\n".join(out) + "\n"


__all__ = ["render_markdown"]
