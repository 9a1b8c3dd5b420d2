"""``dozor report`` for cron / systemd timers: what is NEW and what was RESOLVED since the last run.

Decisions:

- New / resolved / ongoing follow ``dozor.report.memory`` (the same rules as every diagnosis), in a state
  file of cron's own, by default ``<state_dir>/report-state.json`` (``~/.local/state/dozor``), written
  atomically. A missing or unreadable state file means "first run": every alert is new.
- ``--quiet`` prints nothing when the run is healthy (exit 0), even if something was resolved;
  ``--output``, the state and ``--notify`` are still written/sent. With ``--output FILE`` the report
  goes to the file only (written atomically, so a textfile collector never reads half a file).
- ``--notify URL`` (repeatable) sends what is new or resolved (not every run, to avoid noise) through
  ``dozor.report.notify``: apprise URLs (Slack, Telegram, ntfy, e-mail, ``json://``…) or a plain
  ``https://`` JSON POST. A failed target is reported on stderr and does NOT change the exit code: the
  exit code describes the fleet, not the webhook.
- Exit codes are ``FleetReport.exit_code``: 0 healthy, 1 warnings, 2 critical, 3 hosts unreachable
  (critical wins over unreachable).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dozor.report.memory import recall, write_atomic
from dozor.report.models import FleetReport
from dozor.report.notify import send

STATE_FILE = "report-state.json"
FORMATS = ("text", "md", "json", "prometheus")
TEXT_MAX_TOKENS = 6000


def default_state_path(state_dir: str | Path, shard: str | None = None) -> Path:
    """``<state_dir>/report-state.json``; ``report-state-shard-<hash>.json`` for one shard of the inventory (two
    shards reporting from one state directory keep apart what is new and resolved)."""
    if shard:
        from dozor.model.problem import fingerprint_of

        return Path(state_dir).expanduser() / f"report-state-shard-{fingerprint_of(shard)}.json"
    return Path(state_dir).expanduser() / STATE_FILE


def render(report: FleetReport, fmt: str) -> str:
    """The report in one of ``FORMATS``."""
    from dozor.render.json_text import render_json
    from dozor.render.report_ai import render_ai
    from dozor.render.report_markdown import render_markdown
    from dozor.render.report_prometheus import render_prometheus

    if fmt == "text":
        return render_ai(report, max_tokens=TEXT_MAX_TOKENS) + "\n"
    if fmt == "md":
        return render_markdown(report)
    if fmt == "json":
        return render_json(report) + "\n"
    if fmt == "prometheus":
        return render_prometheus(report)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


@dataclass
class CronOutcome:
    """What one ``dozor report`` run produced."""

    report: FleetReport
    text: str
    printed: str
    exit_code: int
    warnings: list[str]


def run_cron(
    report: FleetReport,
    *,
    state_path: Path,
    fmt: str = "text",
    output: Path | None = None,
    quiet: bool = False,
    notify_urls: list[str] | None = None,
) -> CronOutcome:
    """Compare with the saved state, save the new one, write/notify; return what to print and the exit code."""
    report, _ = recall(report, state_path, selection="report")
    changes = report.changes
    assert changes is not None
    warnings = [changes.warning] if changes.warning else []
    text = render(report, fmt)
    if output is not None:
        write_atomic(output, text)
    if notify_urls and (changes.new or changes.resolved):
        warnings += [f"notify: {err}" for err in send(notify_urls, report)]
    healthy = report.exit_code == 0
    printed = "" if (quiet and healthy) or output is not None else text
    return CronOutcome(report=report, text=text, printed=printed, exit_code=report.exit_code, warnings=warnings)


__all__ = [
    "FORMATS",
    "CronOutcome",
    "default_state_path",
    "render",
    "run_cron",
]
