"""``dozor report`` for cron / systemd timers: what is NEW and what was RESOLVED since the last run.

Decisions:

- Alert identity is ``Alert.key`` (host, project/service, code, and subject for mounts / log patterns).
- State is a small JSON file, by default ``<state_dir>/report-state.json`` (``~/.local/state/dozor``),
  written atomically. A missing or unreadable state file means "first run": every alert is new.
- An alert is RESOLVED only when its host answered this run and no longer has it. Alerts of hosts that
  did not answer (or were not selected) are carried over unchanged: silence is not a fix.
- ``--quiet`` prints nothing when the run is healthy (exit 0), even if something was resolved;
  ``--output``, the state and ``--notify`` are still written/sent. With ``--output FILE`` the report
  goes to the file only (written atomically, so a textfile collector never reads half a file).
- ``--notify URL`` POSTs a JSON summary when something is new or resolved (not on every run, to
  avoid noise). A failed POST is reported on stderr and does NOT change the exit code: the exit code
  describes the fleet, not the webhook.
- Exit codes are ``FleetReport.exit_code``: 0 healthy, 1 warnings, 2 critical, 3 hosts unreachable
  (critical wins over unreachable).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from dozor.report.alerts import Alert
from dozor.report.models import AlertChange, FleetReport, ReportChanges

STATE_FILE = "report-state.json"
FORMATS = ("text", "md", "json", "prometheus")
NOTIFY_TIMEOUT = 10.0
TEXT_MAX_TOKENS = 6000
NOTIFY_MAX_TOKENS = 1500


class CronState(BaseModel):
    """What the previous run saw."""

    version: int = 1
    last_run: datetime | None = None
    alerts: dict[str, AlertChange] = Field(default_factory=dict)


def default_state_path(state_dir: str | Path) -> Path:
    """``<state_dir>/report-state.json``."""
    return Path(state_dir).expanduser() / STATE_FILE


def load_state(path: Path) -> tuple[CronState, str | None]:
    """The saved state, or an empty one plus a warning when the file is unreadable."""
    if not path.exists():
        return CronState(), None
    try:
        return CronState.model_validate_json(path.read_text(encoding="utf-8")), None
    except (OSError, ValueError, ValidationError) as exc:
        return CronState(), f"state file {path} unreadable ({type(exc).__name__}); starting afresh"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same directory and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _remember(a: Alert, since: datetime | None) -> AlertChange:
    return AlertChange(key=a.key, severity=a.severity, code=a.code, host=a.host, project=a.project,
                       service=a.service, title=a.title, since=since)


def compare(report: FleetReport, previous: CronState) -> tuple[ReportChanges, CronState]:
    """What is new / resolved / ongoing against the previous state, and the state to save next."""
    now = report.generated_at
    current = {a.key: a for a in report.alerts}
    answered = {h.host for h in report.answered}
    new, ongoing = [], 0
    keep: dict[str, AlertChange] = {}
    for key, a in current.items():
        before = previous.alerts.get(key)
        if before is None:
            new.append(_remember(a, now))
        else:
            ongoing += 1
        keep[key] = _remember(a, before.since if before else now)
    resolved = []
    for key, old in previous.alerts.items():
        if key in current:
            continue
        if old.host in answered:
            resolved.append(old)
        else:
            keep[key] = old
    changes = ReportChanges(previous_run=previous.last_run, new=new, resolved=resolved, ongoing=ongoing)
    return changes, CronState(last_run=now, alerts=keep)


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


def notify_payload(report: FleetReport) -> dict[str, object]:
    """The JSON body POSTed to ``--notify``."""
    from dozor.render.report_ai import render_ai

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


def notify(url: str, payload: dict[str, object], timeout: float = NOTIFY_TIMEOUT) -> str | None:
    """POST ``payload`` as JSON; None on success, else why it failed."""
    if not url.startswith(("http://", "https://")):
        return f"notify URL must be http(s): {url!r}"
    from dozor.security.redact import redact

    body = redact(json.dumps(payload)).encode("utf-8")
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
    notify_url: str | None = None,
) -> CronOutcome:
    """Compare with the saved state, save the new one, write/notify; return what to print and the exit code."""
    warnings: list[str] = []
    previous, warn = load_state(state_path)
    if warn:
        warnings.append(warn)
    changes, state = compare(report, previous)
    report = report.model_copy(update={"changes": changes})
    text = render(report, fmt)
    if output is not None:
        write_atomic(output, text)
    try:
        write_atomic(state_path, state.model_dump_json(indent=2))
    except OSError as exc:
        warnings.append(f"could not save state to {state_path}: {exc}")
    if notify_url and (changes.new or changes.resolved):
        err = notify(notify_url, notify_payload(report))
        if err:
            warnings.append(f"notify: {err}")
    healthy = report.exit_code == 0
    printed = "" if (quiet and healthy) or output is not None else text
    return CronOutcome(report=report, text=text, printed=printed, exit_code=report.exit_code, warnings=warnings)


__all__ = [
    "FORMATS",
    "CronOutcome",
    "CronState",
    "compare",
    "default_state_path",
    "load_state",
    "notify",
    "notify_payload",
    "render",
    "run_cron",
    "write_atomic",
]
