"""Notifications: what changed, sent to people through apprise (Slack, Telegram, ntfy, e-mail, JSON webhooks…).

A target is an apprise URL (``slack://…``, ``tgram://…``, ``ntfy://…``, ``mailto://…``, ``json://host/path``
for a plain JSON webhook, several at once); a plain ``http://``/``https://`` URL keeps dozor's own JSON POST
(:func:`notify_payload`). apprise is used rather than hand-written clients: it knows 100+ services and their
quirks, and is maintained.

The message is the short incident summary — what is new, what was resolved, the verdict — bounded and
redacted, with no links. A failed target never changes a report's exit code: it comes back as a warning,
naming the target by scheme and host only (URLs carry tokens).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request

from dozor.render.report_ai import render_ai
from dozor.render.sanitize import clean
from dozor.report.models import FleetReport, ReportChanges
from dozor.security.redact import redact, redact_obj

NOTIFY_TIMEOUT = 10.0
NOTIFY_MAX_TOKENS = 1500
BODY_CHARS = 1800
MAX_LINES = 12


def notify_payload(report: FleetReport) -> dict[str, object]:
    """The JSON body POSTed to a plain ``http(s)://`` target."""
    ch = report.changes or ReportChanges()
    return {
        "source": "dozor",
        "generated_at": report.generated_at.isoformat(),
        "exit_code": report.exit_code,
        "needs_attention": report.needs_attention,
        "coverage": report.coverage,
        "counts": report.counts,
        "new": [c.model_dump(mode="json") for c in ch.new],
        "resolved": [c.model_dump(mode="json") for c in ch.resolved],
        "text": render_ai(report, max_tokens=NOTIFY_MAX_TOKENS),
    }


def message(report: FleetReport) -> tuple[str, str]:
    """(title, body): the verdict, then new incidents and resolved problems in one line each; bounded, redacted."""
    ch = report.changes or ReportChanges()
    c = report.counts
    scope = report.selector or "whole fleet"
    title = (f"dozor: {len(ch.new)} new, {len(ch.resolved)} resolved — {c['critical']} critical, "
             f"{c['warning']} warning ({scope})")
    lines: list[str] = []
    new = [i for i in report.incidents if any(p.change == "new" for p in i.problems)]
    acks = report.noise.acks if report.noise is not None else {}
    for inc in new[:MAX_LINES]:
        ack = acks.get(inc.id)
        note = f" (acknowledged: {clean(ack.note, 80)}; new symptoms joined)" if ack is not None else ""
        lines.append(f"NEW [{inc.severity.value}] {clean(inc.summary, 240)}{note}")
    if len(new) > MAX_LINES:
        lines.append(f"… {len(new) - MAX_LINES} more new incidents")
    for r in ch.resolved[:MAX_LINES]:
        where = f"{r.host} {r.project}/{r.service}" if r.service else r.host
        lines.append(f"RESOLVED [{r.severity.value}] {clean(where, 80)} — {clean(r.title, 160)}")
    if len(ch.resolved) > MAX_LINES:
        lines.append(f"… {len(ch.resolved) - MAX_LINES} more resolved")
    lines.append(f"{report.coverage}; exit {report.exit_code}")
    body = redact("\n".join(lines))
    return redact(clean(title, 200)), body if len(body) <= BODY_CHARS else body[: BODY_CHARS - 20] + "\n… (cut)"


def describe(url: str) -> str:
    """A target named without its secrets: ``slack://…``, ``https://hooks.example.com``."""
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "") if parts.scheme in ("http", "https", "json", "jsons", "form", "forms") else "…"
    return f"{parts.scheme or '?'}://{host}"


def _post_json(url: str, payload: dict[str, object], timeout: float) -> str | None:
    body = json.dumps(redact_obj(payload)).encode("utf-8")
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json", "User-Agent": "dozor"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            if not 200 <= resp.status < 300:
                return f"webhook answered HTTP {resp.status}"
    except urllib.error.HTTPError as exc:
        return f"webhook answered HTTP {exc.code}"
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        return f"webhook failed: {getattr(exc, 'reason', exc)}"
    return None


def send(urls: list[str], report: FleetReport, *, timeout: float = NOTIFY_TIMEOUT) -> list[str]:
    """Send the report's changes to every target; the failures, one line each (empty: all delivered)."""
    errors: list[str] = []
    apprise_urls: list[str] = []
    for url in urls:
        scheme = urllib.parse.urlsplit(url).scheme.lower()
        if scheme in ("http", "https"):
            err = _post_json(url, notify_payload(report), timeout)
            if err:
                errors.append(f"{describe(url)}: {err}")
        elif scheme:
            apprise_urls.append(url)
        else:
            errors.append(f"{url[:40]!r}: not a URL (use an apprise URL such as json://host/path or ntfy://topic)")
    if apprise_urls:
        errors += _send_apprise(apprise_urls, *message(report), timeout=timeout)
    return errors


def _send_apprise(urls: list[str], title: str, body: str, *, timeout: float) -> list[str]:
    import apprise

    logging.getLogger("apprise").addHandler(logging.NullHandler())  # failures come back as warnings, not logs
    logging.getLogger("apprise").propagate = False
    errors: list[str] = []
    for url in urls:
        target = apprise.Apprise()
        if not target.add(url):
            errors.append(f"{describe(url)}: not a notification URL apprise knows")
            continue
        for service in target:
            service.socket_connect_timeout = service.socket_read_timeout = timeout
        if not target.notify(title=title, body=body):
            errors.append(f"{describe(url)}: delivery failed")
    return errors


__all__ = ["describe", "message", "notify_payload", "send"]
