"""Silences and acks as operations: add, list, expire, ack, unack — one implementation for the CLI, the MCP
server and ``Fleet``.

Every change is audited in the operations' audit log (``dozor.ops.audit``: a line before and one after, the
actor, what was asked), refusals too; ``read_only`` refuses every change (listing is always allowed).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from dozor.errors import NoiseRefused, NoiseStateCorrupt
from dozor.inventory.models import Inventory
from dozor.noise.acks import Ack, Known, clean_note, resolve_id
from dozor.noise.apply import noise_file
from dozor.noise.models import NoiseState
from dozor.noise.silences import Silence, new_silence
from dozor.ops.audit import AuditLog, audit_path
from dozor.report.memory import MEMORY_DIR, load_memory

T = TypeVar("T")


def remembered(state_dir: str | Path) -> list[Known]:
    """Every problem in the memory files of ``state_dir`` (``memory/*.json``, ``report-state.json``)."""
    root = Path(state_dir).expanduser()
    files = [*sorted((root / MEMORY_DIR).glob("*.json")), root / "report-state.json"]
    out: dict[str, Known] = {}
    for f in files:
        mem, _ = load_memory(f)
        if mem is None:
            continue
        for fp, c in mem.problems.items():
            out.setdefault(fp, Known(fingerprint=fp, host=c.host, title=c.title))
    return list(out.values())


def _audited(state_dir: str | Path, *, actor: str, tool: str, target: str, argv: list[str], read_only: bool,
             job: Callable[[], T], detail: Callable[[T], str]) -> T:
    log = AuditLog(audit_path(str(state_dir)))
    if read_only:
        reason = f"{tool} changes dozor's state: refused in read-only mode"
        log.refused(actor=actor, tool=tool, host=target, argv=argv, reason=reason)
        raise NoiseRefused(reason)
    entry = log.begin(actor=actor, tool=tool, host=target, argv=argv)
    try:
        out = job()
    except NoiseRefused as exc:
        log.end(entry, "refused", str(exc))
        raise
    except (NoiseStateCorrupt, OSError) as exc:
        log.end(entry, "failed", str(exc))
        raise
    log.end(entry, "ok", detail(out))
    return out


def add_silence(state_dir: str | Path, inventory: Inventory, match: str, duration: str, reason: str, *,
                actor: str, read_only: bool = False, now: datetime | None = None) -> Silence:
    """Validate and store a silence; raises ``NoiseRefused`` (bad matcher, no end, matches everything…) or
    ``NoiseStateCorrupt`` (the file is unreadable: nothing is written)."""
    now = now or datetime.now(UTC)

    def job() -> Silence:
        s = new_silence(match, duration, reason, inventory=inventory, actor=actor, now=now)

        def change(state: NoiseState) -> None:
            state.silences.append(s)

        noise_file(state_dir).update(change)
        return s

    return _audited(state_dir, actor=actor, tool="silence", target=_host_term(match), read_only=read_only,
                    argv=["add", match, str(duration), reason], job=job,
                    detail=lambda s: f"silence {s.id} until {s.ends_at.isoformat(timespec='seconds')}")


def _host_term(match: str) -> str:
    for term in (match or "").split():
        if term.startswith("host="):
            return term[5:] or "-"
    return "*"


def list_silences(state_dir: str | Path, *, ended: bool = False, now: datetime | None = None) -> list[Silence]:
    """Active silences, soonest end first (``ended``: also those ended in the last week)."""
    now = now or datetime.now(UTC)
    silences = noise_file(state_dir).load().silences
    return sorted((s for s in silences if ended or s.active(now)), key=lambda s: s.end())


def expire_silence(state_dir: str | Path, silence_id: str, *, actor: str, read_only: bool = False,
                   now: datetime | None = None) -> Silence:
    """End a silence now (it stays listed with ``--all`` for a week); an unknown or ended id is refused."""
    now = now or datetime.now(UTC)

    def job() -> Silence:
        def change(state: NoiseState) -> Silence:
            for s in state.silences:
                if s.id == silence_id.strip():
                    if not s.active(now):
                        raise NoiseRefused(f"silence {s.id} already ended at {s.end().isoformat(timespec='seconds')}")
                    s.expired_at = now
                    return s
            ids = ", ".join(s.id for s in state.silences if s.active(now)) or "none"
            raise NoiseRefused(f"no silence {silence_id!r} (active: {ids})")

        return noise_file(state_dir).update(change)

    return _audited(state_dir, actor=actor, tool="silence", target="-", read_only=read_only,
                    argv=["expire", silence_id], job=job, detail=lambda s: f"silence {s.id} expired")


def ack_incident(state_dir: str | Path, incident: str, note: str, *, actor: str, read_only: bool = False,
                 now: datetime | None = None) -> Ack:
    """Acknowledge the incident (or problem) a recent diagnosis showed with id ``incident``; a second ack of
    the same incident replaces its note."""
    now = now or datetime.now(UTC)

    def job() -> Ack:
        text = clean_note(note)
        known = resolve_id(incident, remembered(state_dir))
        ack = Ack(incident=known.fingerprint, note=text, by=actor, since=now, hosts=[known.host], title=known.title)

        def change(state: NoiseState) -> Ack:
            for i, old in enumerate(state.acks):
                if old.holds([known.fingerprint]):
                    state.acks[i] = old.model_copy(update={"note": text, "by": actor, "since": now})
                    return state.acks[i]
            state.acks.append(ack)
            return ack

        return noise_file(state_dir).update(change)

    return _audited(state_dir, actor=actor, tool="ack", target="-", read_only=read_only,
                    argv=["ack", incident, note], job=job, detail=lambda a: f"acknowledged {a.incident}")


def unack_incident(state_dir: str | Path, incident: str, *, actor: str, read_only: bool = False) -> Ack:
    """Drop the ack of an incident by hand."""

    def job() -> Ack:
        def change(state: NoiseState) -> Ack:
            text = incident.strip().lower()
            for i, a in enumerate(state.acks):
                if len(text) >= 6 and (a.incident.startswith(text) or any(f.startswith(text) for f in a.fingerprints)):
                    return state.acks.pop(i)
            raise NoiseRefused(f"no acknowledged incident {incident!r}")

        return noise_file(state_dir).update(change)

    return _audited(state_dir, actor=actor, tool="ack", target="-", read_only=read_only,
                    argv=["unack", incident], job=job, detail=lambda a: f"ack of {a.incident} dropped")


def list_acks(state_dir: str | Path) -> list[Ack]:
    """Every acknowledged incident, oldest first."""
    return sorted(noise_file(state_dir).load().acks, key=lambda a: a.since)


__all__ = [
    "ack_incident", "add_silence", "expire_silence", "list_acks", "list_silences", "remembered", "unack_incident",
]
