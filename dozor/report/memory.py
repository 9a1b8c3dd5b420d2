"""Memory between diagnoses: each problem is new, ongoing since T, or resolved, by its stable fingerprint.

Every diagnosis of a selection (``diagnose`` or ``health``, a host selector, a service filter) is compared
with the previous one of the same selection, kept in ``<state_dir>/memory/`` — the CLI, the MCP server and
the Python API share it; ``dozor report`` (cron) keeps its own file with the same format and rules, so an
interactive diagnosis never hides from cron what is new.

Rules:

- identity is ``Problem.fingerprint`` (host, project/service, code, and the subject of mounts and patterns);
- a problem is RESOLVED only when its host answered and no longer has it; problems of hosts that did not
  answer are carried over unchanged (silence is not a fix);
- ``since`` is when a diagnosis of this selection first reported the problem; it survives across runs;
- a problem a silence hides (``dozor.noise``) is never new and never resolved: it is carried over as it was
  remembered, or not remembered at all (so it is new, and notifies, when the silence ends); one that broke
  through its silence is new once more;
- the file is written atomically; a missing file is a first look (everything is new), an unreadable one is
  a first look with a warning. The server process also keeps the last memory of each selection, so a
  state directory that cannot be written still gives changes within one MCP session.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, model_validator

from dozor.model.problem import fingerprint_of
from dozor.report.alerts import Alert
from dozor.report.models import AlertChange, FleetReport, ReportChanges

MEMORY_DIR = "memory"


class Memory(BaseModel):
    """What the previous diagnosis of one selection saw."""

    version: int = 2
    selection: str = Field(default="", description="The selection this memory belongs to.")
    last_run: datetime | None = None
    problems: dict[str, AlertChange] = Field(default_factory=dict, description="By fingerprint.")

    @model_validator(mode="before")
    @classmethod
    def _from_v1(cls, data: Any) -> Any:
        """Version 1 (``dozor report`` before this module) kept ``alerts`` by key: same data, re-keyed."""
        if isinstance(data, dict) and "alerts" in data and "problems" not in data:
            data = dict(data)
            alerts = data.pop("alerts") or {}
            data["problems"] = {fingerprint_of(k): {**v, "key": k} for k, v in alerts.items()}
            data["version"] = 2
        return data


def selection_key(mode: str, selector: str | None, services: list[str] | None = None, shard: str | None = None) -> str:
    """``diagnose|@web|*``: what makes two diagnoses comparable; ``|shard=2/4`` when the inventory is one shard
    (two shards run from one state directory must not take each other's alerts for resolved ones)."""
    key = f"{mode}|{selector or '*'}|{','.join(sorted(services)) if services else '*'}"
    return f"{key}|shard={shard}" if shard else key


def memory_path(state_dir: str | Path, selection: str) -> Path:
    """``<state_dir>/memory/<mode>-<hash of the selection>.json``."""
    mode = selection.split("|", 1)[0]
    return Path(state_dir).expanduser() / MEMORY_DIR / f"{mode}-{fingerprint_of(selection)}.json"


def load_memory(path: Path) -> tuple[Memory | None, str | None]:
    """The saved memory (None when there is none), and a warning when the file could not be read."""
    if not path.exists():
        return None, None
    try:
        return Memory.model_validate_json(path.read_text(encoding="utf-8")), None
    except (OSError, ValueError, ValidationError) as exc:
        return None, f"state file {path} unreadable ({type(exc).__name__}); starting afresh"


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
    return AlertChange(key=a.key, fingerprint=a.fingerprint, severity=a.severity, code=a.code, host=a.host,
                       project=a.project, service=a.service, title=a.title, since=since,
                       broke_through=bool(a.broke_through))


def compare(report: FleetReport, previous: Memory | None, selection: str = "") -> tuple[ReportChanges, Memory]:
    """What is new / resolved / ongoing against ``previous`` (None: a first look), and the memory to keep.

    Also marks each alert of ``report`` (in place) ``change="new"`` or ``"ongoing"`` with its ``since``; the
    incidents hold the same alert objects, so they show it too.
    """
    now = report.generated_at
    before = previous.problems if previous is not None else {}
    answered = {h.host for h in report.answered}
    new: list[AlertChange] = []
    ongoing = 0
    keep: dict[str, AlertChange] = {}
    for h in report.hosts:
        for a in h.alerts:
            old = before.get(a.fingerprint)
            if a.silenced_by:  # silenced: never new (never notified), never resolved; remembered as it was
                if old is not None:
                    a.change, a.since, keep[a.fingerprint] = "ongoing", old.since, old
                continue
            if old is None or (a.broke_through and not old.broke_through):  # a break-through is news again
                a.change, a.since = "new", old.since if old is not None else now
                new.append(_remember(a, a.since))
            else:
                a.change, a.since = "ongoing", old.since
                ongoing += 1
            keep[a.fingerprint] = _remember(a, a.since)
    resolved = []
    for fp, old in before.items():
        if fp in keep:
            continue
        if old.host in answered:
            resolved.append(old)
        else:
            keep[fp] = old
    changes = ReportChanges(previous_run=previous.last_run if previous else None, new=new, resolved=resolved,
                            ongoing=ongoing)
    return changes, Memory(selection=selection, last_run=now, problems=keep)


def recall(
    report: FleetReport, path: Path, *, selection: str = "", cached: Memory | None = None
) -> tuple[FleetReport, Memory]:
    """Compare ``report`` with the memory at ``path`` (or ``cached`` when the file is missing or unreadable),
    save the new memory there, and return the report with its ``changes`` and the memory to keep in process.
    """
    previous, warning = load_memory(path)
    if previous is None and cached is not None:
        previous = cached
    changes, memory = compare(report, previous, selection)
    try:
        write_atomic(path, memory.model_dump_json(indent=2))
    except OSError as exc:
        warning = f"could not save the memory of this selection to {path}: {exc}"
    changes.warning = warning
    return report.model_copy(update={"changes": changes}), memory


__all__ = ["Memory", "compare", "load_memory", "memory_path", "recall", "selection_key", "write_atomic"]
