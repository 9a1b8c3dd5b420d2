"""Append-only JSONL audit log: one line before and one after every mutation and every exec.

Both lines of an action share an ``action`` id. Refusals are recorded too (the "after" line
says ``refused`` and why), so the log answers "who tried what, where, and what happened".
Secrets in argv and details are masked with :func:`dozor.security.redact.redact`.

Location: ``DOZOR_AUDIT_LOG`` if set, else ``<state_dir>/audit.jsonl`` (the inventory's
``[defaults] state_dir``, default ``~/.local/state/dozor``). The file is created 0600 and
every line is written with a single ``write`` on an ``O_APPEND`` descriptor, so concurrent
writers (CLI and MCP server) never interleave within a line.
"""

from __future__ import annotations

import getpass
import json
import os
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dozor.security.redact import redact

AUDIT_ENV = "DOZOR_AUDIT_LOG"
AUDIT_FILE = "audit.jsonl"
MAX_FIELD_CHARS = 4096
_READY_DIRS: set[Path] = set()  # directories already created by this process


def cli_actor() -> str:
    """``cli:<user>`` for the person running the command line."""
    return f"cli:{_user()}"


def api_actor() -> str:
    """``api:<user>`` for Python API callers that did not name themselves."""
    return f"api:{_user()}"


def mcp_actor(client: str | None) -> str:
    """``mcp:<client name>`` for an MCP client (``mcp:unknown`` when it sent none)."""
    name = "".join(c for c in (client or "") if c.isprintable())[:100] or "unknown"
    return f"mcp:{name}"


def _user() -> str:
    try:
        return os.environ.get("USER") or getpass.getuser()
    except Exception:  # no passwd entry in a container: still audit
        return str(os.getuid())


def audit_path(state_dir: str | None, env: Mapping[str, str] | None = None) -> Path:
    """Where the audit log lives: ``DOZOR_AUDIT_LOG``, else ``<state_dir>/audit.jsonl``."""
    env = os.environ if env is None else env
    if env.get(AUDIT_ENV):
        return Path(os.path.expanduser(env[AUDIT_ENV]))
    if state_dir:
        return Path(os.path.expanduser(state_dir)) / AUDIT_FILE
    from dozor.inventory.models import default_state_dir

    return default_state_dir() / AUDIT_FILE


def _clip(text: str) -> str:
    return text if len(text) <= MAX_FIELD_CHARS else text[:MAX_FIELD_CHARS] + "…"


def mask_argv(argv: str | Sequence[object] | None) -> list[str] | str | None:
    """argv (or a raw command string) with secrets masked and each element length-capped."""
    if argv is None:
        return None
    if isinstance(argv, str):
        return _clip(redact(argv))
    return [_clip(redact(str(a))) for a in argv]


@dataclass
class AuditEntry:
    """An action whose "before" line was written; :meth:`AuditLog.end` writes the "after" line."""

    action: str
    actor: str
    tool: str
    host: str
    argv: list[str] | str | None
    started: float = field(default_factory=time.monotonic)
    ended: bool = False


class AuditLog:
    """The audit log file. Cheap to construct; the file is opened per line (append, 0600)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def _write(self, record: dict[str, object]) -> None:
        line = (json.dumps(record, ensure_ascii=True, default=str) + "\n").encode()
        if self.path.parent not in _READY_DIRS:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            _READY_DIRS.add(self.path.parent)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def begin(
        self, *, actor: str, tool: str, host: str, argv: str | Sequence[object] | None, detail: str | None = None
    ) -> AuditEntry:
        """Write the "before" line and return the entry to close with :meth:`end`."""
        entry = AuditEntry(
            action=f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(6)}",
            actor=actor,
            tool=tool,
            host=_clip(redact(host)),
            argv=mask_argv(argv),
        )
        self._write(self._record(entry, "before", "started", None, detail))
        return entry

    def end(self, entry: AuditEntry, outcome: str, detail: str | None = None) -> None:
        """Write the "after" line (once; a second call is ignored)."""
        if entry.ended:
            return
        entry.ended = True
        self._write(self._record(entry, "after", outcome, time.monotonic() - entry.started, detail))

    def refused(
        self, *, actor: str, tool: str, host: str, argv: str | Sequence[object] | None, reason: str
    ) -> None:
        """Write the pair of lines for an action refused before it started."""
        self.end(self.begin(actor=actor, tool=tool, host=host, argv=argv), "refused", reason)

    @staticmethod
    def _record(
        entry: AuditEntry, phase: str, outcome: str, duration: float | None, detail: str | None
    ) -> dict[str, object]:
        record: dict[str, object] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "action": entry.action,
            "phase": phase,
            "actor": entry.actor,
            "tool": entry.tool,
            "host": entry.host,
            "argv": entry.argv,
            "outcome": outcome,
        }
        if duration is not None:
            record["duration"] = round(duration, 3)
        if detail:
            record["detail"] = _clip(redact(detail))
        return record


def read_audit(path: str | os.PathLike[str]) -> list[dict[str, object]]:
    """Every record of an audit log (for tests and ``dozor`` tooling); missing file → []."""
    p = Path(path)
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
