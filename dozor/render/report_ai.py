"""The report as text for an LLM: short, ranked, every claim placed and dated, bounded in size.

Rules the text keeps:

- incidents first, most urgent first: the root cause with its evidence and action, then the symptoms it
  explains in one line each and the links that tie them; every claim names host, project/service, a count
  and the last-seen time;
- the same problem on several hosts is one block (title and action once, one line per host);
- server output (log lines, healthcheck output) only inside ``fence`` blocks, control characters stripped;
- a hard size cap (tokens estimated as characters / 4): blocks that do not fit are counted in an explicit
  "N more issues omitted" line, never silently dropped; no JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from dozor.model.incident import Incident
from dozor.model.severity import Severity
from dozor.model.timetext import ts
from dozor.noise.apply import acked, silenced_line
from dozor.noise.models import NoiseSummary
from dozor.render.sanitize import clean, fence
from dozor.report.alerts import Alert, AlertCode
from dozor.report.models import AlertChange, FleetReport

CHARS_PER_TOKEN = 4
EXCERPT_CHARS = 240
FOOTER_RESERVE = 320
MAX_NAMES = 30
MAX_CHANGES = 10
MAX_SYMPTOMS = 6
MAX_SAME_LINES = 8
"""Hosts of a fleet-wide incident given a line of their own; the others are listed by name."""


def estimate_tokens(text: str) -> int:
    """Token estimate used for the cap: characters / 4, rounded up."""
    return -(-len(text) // CHARS_PER_TOKEN)


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:MAX_NAMES])
    return shown + (f" (+{len(names) - MAX_NAMES} more)" if len(names) > MAX_NAMES else "")


def _seen(a: Alert, today: date | None = None) -> str:
    """``12×, last seen 2026-11-27 12:00:00Z``; ``12×, last 12:00:00Z`` when it is ``today`` (the report's day)."""
    if a.last_seen is None:
        return f"{a.count}×, time unknown"
    if today is not None and a.last_seen.date() == today:
        return f"{a.count}×, last {a.last_seen.strftime('%H:%M:%SZ')}"
    return f"{a.count}×, last seen {ts(a.last_seen)}"


def _short_where(a: Alert, root: Alert) -> str:
    """A symptom's place: its service alone on the root's host and project, else in full."""
    if a.host == root.host and a.project == root.project and a.service:
        return a.service
    return a.where


def _untitled(a: Alert) -> str:
    """The title without a leading service name already said (``orders is crash-looping`` → ``is crash-looping``)."""
    if a.service and a.title.startswith(a.service + " "):
        return a.title[len(a.service) + 1:]
    return a.title


def _excerpt(a: Alert) -> list[str]:
    if not a.excerpt:
        return []
    block = fence(a.excerpt, source=f"{a.where} ({'healthcheck' if a.code.value == 'unhealthy' else 'log'})",
                  max_chars=EXCERPT_CHARS)
    return ["   " + line for line in block.splitlines()]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _alert_lines(a: Alert) -> list[str]:
    out = [f"   evidence: {clean(a.evidence, 360)}", f"   action: {clean(a.action, 300)}"]
    if a.baseline and a.usual is not None:  # "no baseline yet" stays in the JSON: not worth the AI's tokens
        out.append(f"   rate: {clean(a.baseline, 200)}")
    if a.broke_through:
        out.append(f"   broke through its silence: {clean(a.broke_through, 200)}")
    return out


def _ack_line(inc: Incident, noise: NoiseSummary | None, today: date) -> list[str]:
    """``acknowledged: <note>, since T (by X)``, and the symptoms that joined since."""
    ack = acked(noise, inc.id)
    if ack is None:
        return []
    when = ack.since.strftime("%H:%M:%SZ") if ack.since.date() == today else ts(ack.since)
    line = f"   acknowledged: {clean(ack.note, 200)}, since {when} (by {clean(ack.by, 60)})"
    if ack.new_symptoms:
        line += f"; {_count(len(ack.new_symptoms), 'new symptom')} since the ack"
    return [line]


def _novelty(inc: Incident, today: date) -> str:
    """`` NEW`` when a problem of the incident is new since the previous look; ``(since T)`` when all are ongoing."""
    changes = {p.change for p in inc.problems}
    if "new" in changes:
        return " NEW"
    starts = [p.since for p in inc.problems if p.change == "ongoing" and p.since]
    if not starts or changes != {"ongoing"}:
        return ""
    first = min(starts)
    return f" (ongoing since {first.strftime('%H:%M:%SZ') if first.date() == today else ts(first)})"


def _block(n: int, inc: Incident, compared: bool, today: date, noise: NoiseSummary | None = None) -> str:
    """One incident: its chain, the root cause with evidence and action, then its symptoms in one line each."""
    root = inc.root_cause
    assert isinstance(root, Alert)
    sev = inc.severity.value.upper() + (_novelty(inc, today) if compared else "")
    symptoms = [s for s in inc.symptoms if isinstance(s, Alert)]
    if len(inc.hosts) > 1:
        same = [root, *[s for s in symptoms if s.code is root.code and s.subject == root.subject]]
        what = root.subject if root.code is AlertCode.LOG_PATTERN else (root.service or root.code.value)
        lines = [f"{n}. [{sev}] the same {root.code.value} ({clean(what or '', 80)}) on {len(inc.hosts)} hosts — "
                 f"{clean(root.title, 160)} id {inc.id[:8]}"]
        lines += [f"   - {clean(x.where, 120)}: {_seen(x)}; {clean(x.evidence, 200)}" for x in same[:MAX_SAME_LINES]]
        if len(same) > MAX_SAME_LINES:  # a 200-host incident stays one block that fits the budget
            lines.append(f"   - also on {len(same) - MAX_SAME_LINES} more: "
                         + _names([x.host for x in same[MAX_SAME_LINES:]]))
        lines.append(f"   action: {clean(root.action, 300)}")
        symptoms = [s for s in symptoms if s not in same]
    elif not symptoms:
        lines = [f"{n}. [{sev}] {clean(root.where, 120)} — {clean(root.title, 160)} ({_seen(root)}) id {inc.id[:8]}",
                 *_alert_lines(root)]
    else:
        lines = [f"{n}. [{sev}] {clean(inc.summary, 400)} id {inc.id[:8]}",
                 f"   root cause: {clean(root.where, 120)} — {clean(root.title, 160)} ({_seen(root)})",
                 *_alert_lines(root)]
    lines += _ack_line(inc, noise, today)
    if symptoms:  # on the root's host, a symptom's place is its service (the block's first line names the host)
        lines.append(f"   symptoms ({len(symptoms)}): " + "; ".join(
            f"{clean(_short_where(s, root), 80)} {clean(_untitled(s), 100)} ({_seen(s, today)})"
            for s in symptoms[:MAX_SYMPTOMS])
            + (f"; +{len(symptoms) - MAX_SYMPTOMS} more" if len(symptoms) > MAX_SYMPTOMS else ""))
    if inc.links:
        lines.append("   linked: " + "; ".join(
            f"{clean(lk.service, 40)} → {clean(lk.upstream, 40)} ({clean(lk.evidence, 80)})"
            for lk in inc.links[:MAX_SYMPTOMS]))
    lines += _excerpt(root)
    return "\n".join(lines)


def _change_line(c: AlertChange) -> str:
    where = f"{c.host} {c.project}/{c.service}" if c.service else c.host
    return f"  - [{c.severity.value}] {clean(where, 120)} — {clean(c.title, 140)}"


def _changes(report: FleetReport) -> list[str]:
    ch = report.changes
    if ch is None:
        return []
    if ch.previous_run is None and not report.needs_attention:
        return []  # a first look at a healthy selection: nothing new to say
    since = f" ({ts(ch.previous_run)})" if ch.previous_run else " (first look: nothing to compare with)"
    out = [f"Since the previous look{since}: {len(ch.new)} new, {len(ch.resolved)} resolved, {ch.ongoing} ongoing."]
    if ch.warning:
        out.append(f"(memory: {clean(ch.warning, 200)})")
    for title, items in (("NEW", ch.new), ("RESOLVED", ch.resolved)):
        if items:
            out.append(f"{title}:")
            out += [_change_line(c) for c in items[:MAX_CHANGES]]
            if len(items) > MAX_CHANGES:
                out.append(f"  - … {len(items) - MAX_CHANGES} more {title.lower()}")
    return out


def render_ai(report: FleetReport, *, max_tokens: int = 4000) -> str:
    """Render ``report`` for an LLM within ``max_tokens`` (estimated as characters / 4)."""
    budget = max(200, max_tokens) * CHARS_PER_TOKEN
    c = report.counts
    scope = f"hosts {report.selector}" if report.selector else "whole fleet"
    head = [f"dozor {report.mode} — {ts(report.generated_at)} — {scope} — {report.coverage}"]
    unreachable = [h.host for h in report.unreachable]
    if not report.needs_attention:
        running = sum(1 for h in report.hosts for s in h.services if s.state == "running")
        head.append(f"Verdict: healthy — no problems on {len(report.hosts)} hosts ({running} services running). "
                    "Nothing to do.")
    else:
        incidents = _count(len(report.incidents), "incident")
        head.append(f"Verdict: NEEDS ATTENTION — {incidents} from {c['critical']} critical, {c['warning']} warning, "
                    f"{c['info']} info alerts (exit {report.exit_code}).")
        if unreachable:
            head.append(f"Did not answer ({len(unreachable)}): {_names(unreachable)} — nothing on them was checked.")
    head += _changes(report)
    quiet = silenced_line(report.noise, report.generated_at.date())
    if quiet:
        head.append(quiet + ": out of the verdict and notifications (dozor silence list).")
    if report.noise is not None and report.noise.warning:
        head.append(f"(silences/acks: {clean(report.noise.warning, 300)})")

    tail: list[str] = []
    healthy = [h.host for h in report.healthy_hosts]
    if healthy and report.needs_attention:
        tail.append(f"No problems on {len(healthy)} hosts: {_names(healthy)}.")
    unread = [f"{h.host} {lg.project}/{lg.service} ({clean(lg.error, 100)})"
              for h in report.hosts for lg in h.logs if lg.error]
    if unread:
        tail.append(f"Logs not analysed ({len(unread)}): " + "; ".join(unread[:5])
                    + (f"; +{len(unread) - 5} more" if len(unread) > 5 else ""))
    unchecked = [f"{host} {part} ({clean(err, 100)})" for host, part, err in report.unchecked()]
    if unchecked:
        tail.append(f"Not checked ({len(unchecked)}): " + "; ".join(unchecked[:5])
                    + (f"; +{len(unchecked) - 5} more" if len(unchecked) > 5 else ""))
    cut = [f"{h.host} {lg.project}/{lg.service} ({lg.bytes_read // 1024} KiB read)"
           for h in report.hosts for lg in h.logs if lg.truncated]
    if cut:
        tail.append(f"Log tails cut by the byte cap, older lines not read ({len(cut)}): " + "; ".join(cut[:5])
                    + (f"; +{len(cut) - 5} more" if len(cut) > 5 else ""))
    if report.noise is not None and report.noise.candidates:
        tail.append("Silence candidates (the same rate for days; never silenced automatically): "
                    + "; ".join(clean(c, 300) for c in report.noise.candidates[:5])
                    + (f"; +{len(report.noise.candidates) - 5} more" if len(report.noise.candidates) > 5 else ""))
    scans = [f"{h.host} {lg.project}/{lg.service} {lg.scanner_requests}×"
             for h in report.hosts for lg in h.logs if lg.scanner_requests]
    if scans:
        tail.append("Bot-scanner requests (reconnaissance, not application errors): " + ", ".join(scans[:10]))
    text = "\n".join(head)
    used = len(text) + sum(len(x) + 1 for x in tail) + FOOTER_RESERVE
    blocks: list[str] = []
    incidents = report.incidents
    compared = report.changes is not None and report.changes.previous_run is not None
    omitted: list[Incident] = []
    if incidents:
        blocks.append("\nIssues, most urgent first (each an incident: root cause, then its symptoms):")
        used += len(blocks[0]) + 1
    for i, inc in enumerate(incidents):
        b = _block(len(blocks), inc, compared, report.generated_at.date(), report.noise)
        if used + len(b) + 1 > budget:
            omitted = list(incidents[i:])
            break
        blocks.append(b)
        used += len(b) + 1
    if omitted:
        by = {s: sum(1 for x in omitted if x.severity is s) for s in Severity}
        detail = ", ".join(f"{n} {s.value}" for s, n in by.items() if n)
        blocks.append(f"… {len(omitted)} more issues omitted ({detail}) to stay within {max_tokens} tokens; "
                      "narrow with --host or read the full report with --json.")
    out = "\n".join([text, *blocks, *tail]) if blocks or tail else text
    if len(out) > budget:  # last resort: the header alone was too long (huge unreachable list)
        out = out[: budget - 40].rstrip() + "\n… (cut to the size cap)"
    return out


__all__ = ["estimate_tokens", "render_ai"]
