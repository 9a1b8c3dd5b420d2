"""Pure parts of the timeline: the window, entries from each source, summaries of noisy runs, the bound.

Nothing here talks to a host or reads a clock: every function takes its ``now`` or window.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from dozor.collectors.events import EngineEvent
from dozor.collectors.status import ContainerState, ContainerStatus, parse_docker_time
from dozor.model.timetext import human_duration, ts
from dozor.ops.deploy import DeployState
from dozor.report.timeline_models import EntryKind, EntrySource, TimelineEntry

ENGINE_EVENTS_LIMIT = 256
"""Events moby's engine keeps in memory (``daemon/events``: eventsLimit); a log this full has lost older ones."""
LOOP_MIN_EXITS = 3
"""Exits of one container in the window that make its start/die events one crash-loop line."""
FLAP_MIN_CHANGES = 4
"""Health changes of one container in the window that make them one flapping line."""
SAME_EVENT = timedelta(seconds=5)
"""A state fact this close to an engine event of the same container and kind is that event."""
DEFAULT_LIMIT = 100
AUDITED_TOOLS = frozenset({"restart", "deploy", "prune"})
"""Audit-log tools shown (exec is read-only: not a change to the fleet)."""

_REL = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_when(text: str, now: datetime) -> datetime:
    """``10m``, ``2h``, ``1h30m``, ``1d`` (before ``now``), ``now``, an RFC 3339 time or a date → UTC time."""
    s = text.strip()
    if s == "now":
        return now
    m = _REL.match(s)
    if s and m and any(m.groups()):
        d, h, mi, se = (int(g or 0) for g in m.groups())
        return now - timedelta(days=d, hours=h, minutes=mi, seconds=se)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        s += "T00:00:00Z"
    try:
        when = parse_docker_time(s) if "T" in s or " " in s else None
    except Exception:
        when = None
    if when is None:
        raise ValueError(f"{text!r} is neither a duration (10m, 2h, 1d) nor a time (RFC 3339 or a date)")
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def window(since: str | None, until: str | None, now: datetime) -> tuple[datetime, datetime]:
    """The window ``[since, until]``: since defaults to 1h before ``now``, until to ``now``."""
    end = parse_when(until, now) if until else now
    start = parse_when(since, now) if since else end - timedelta(hours=1)
    if start >= end:
        raise ValueError(f"since ({ts(start)}) is not before until ({ts(end)})")
    return start, end


def _in(t: datetime | None, since: datetime, until: datetime) -> bool:
    return t is not None and since <= t <= until


# ------------------------------------------------------------------------------------------- engine events

def _engine_detail(e: EngineEvent) -> tuple[EntryKind, str]:
    if e.action == "die":
        return EntryKind.DIE, f"exited {e.exit_code}" if e.exit_code is not None else "died"
    if e.action == "oom":
        return EntryKind.OOM, "OOM kill (memory limit)"
    if e.action == "kill":
        return EntryKind.KILL, f"killed (signal {e.signal})" if e.signal else "killed"
    if e.action == "health_status":
        return EntryKind.HEALTH, e.status or "unknown"
    if e.action == "pull":
        return EntryKind.PULL, f"image pulled: {e.name}"
    if e.action == "destroy":
        return EntryKind.DESTROY, "removed"
    if e.action == "create":
        return EntryKind.CREATE, "created" + (f" from {e.image}" if e.image else "")
    if e.action == "restart":
        return EntryKind.RESTART, "restarted"
    return EntryKind.START, "started"


def engine_entries(host: str, events: Iterable[EngineEvent], since: datetime, until: datetime) -> list[TimelineEntry]:
    """The kept engine events inside the window, as entries."""
    out = []
    for e in events:
        if not _in(e.time, since, until):
            continue
        kind, detail = _engine_detail(e)
        out.append(TimelineEntry(
            time=e.time, host=host, project=e.project, service=e.service,
            container=e.name if e.type == "container" else None, container_id=e.id if e.type == "container" else None,
            kind=kind, detail=detail, source=EntrySource.ENGINE,
        ))
    return out


# -------------------------------------------------------------------------------------------- container state

def _held(events: Sequence[EngineEvent], cid: str, actions: set[str], t: datetime | None) -> bool:
    """The engine holds an event of container ``cid`` with one of ``actions`` (near ``t``, when given)."""
    return any(e.type == "container" and e.id[:12] == cid[:12] and e.action in actions
               and (t is None or abs(e.time - t) <= SAME_EVENT) for e in events)


def state_entries(
    host: str, containers: Iterable[ContainerStatus], since: datetime, until: datetime,
    events: Sequence[EngineEvent] = (),
) -> list[TimelineEntry]:
    """What container state proves inside the window, where the engine's held ``events`` do not already say it.

    ``Created``, ``StartedAt`` (the last start; the restart count goes into its detail), ``FinishedAt`` with the
    exit code or ``OOMKilled`` (the last exit of a container not running). A container is created once, so any
    held ``create`` of its id says it; a start or exit is the held event within a few seconds of it.
    """
    out: list[TimelineEntry] = []
    for c in containers:
        base = {"host": host, "project": c.project, "service": c.service, "container": c.name,
                "container_id": c.id, "source": EntrySource.STATE}
        if _in(c.created_at, since, until) and not _held(events, c.id, {"create"}, None):
            out.append(TimelineEntry(time=c.created_at, kind=EntryKind.CREATE, detail="created", **base))
        if _in(c.started_at, since, until) and not _held(events, c.id, {"start"}, c.started_at):
            restarts = f" ({c.restart_count} restarts so far)" if c.restart_count else ""
            out.append(TimelineEntry(time=c.started_at, kind=EntryKind.START, detail=f"last started{restarts}",
                                     **base))
        running = c.state in (ContainerState.RUNNING, ContainerState.PAUSED)
        if not running and _in(c.finished_at, since, until) and not _held(
                events, c.id, {"die", "oom"}, c.finished_at):
            code = f"exit {c.exit_code}" if c.exit_code is not None else "no exit code"
            if c.oom_killed:
                out.append(TimelineEntry(time=c.finished_at, kind=EntryKind.OOM,
                                         detail=f"OOM-killed, finished ({code})", **base))
            else:
                out.append(TimelineEntry(time=c.finished_at, kind=EntryKind.DIE, detail=f"finished, {code}", **base))
    return out


# -------------------------------------------------------------------------------------------- deploys, audit

def deploy_entries(host: str, deploys: Iterable[DeployState], since: datetime, until: datetime) -> list[TimelineEntry]:
    """A deploy's start and its end, each when inside the window."""
    out = []
    for d in deploys:
        services = ", ".join(d.services) if d.services else None
        base = {"host": host, "project": d.project, "service": services, "kind": EntryKind.DEPLOY,
                "source": EntrySource.DEPLOY}
        if _in(d.started_at, since, until):
            out.append(TimelineEntry(time=d.started_at, detail=f"deploy {d.id} started", **base))  # type: ignore[arg-type]
        if _in(d.finished_at, since, until):
            how = d.status + (f" at step {d.step}" if d.status == "failed" and d.step else "")
            code = f" (exit {d.exit_code})" if d.exit_code not in (None, 0) else ""
            out.append(TimelineEntry(time=d.finished_at, detail=f"deploy {d.id} {how}{code}", **base))  # type: ignore[arg-type]
        elif d.status in ("running", "lost") and d.started_at is not None and d.started_at < since:
            out.append(TimelineEntry(time=since, detail=f"deploy {d.id} {d.status} (started {ts(d.started_at)})",
                                         **base))
    return out


def audit_entries(
    records: Iterable[Mapping[str, Any]], hosts: Iterable[str], since: datetime, until: datetime
) -> list[TimelineEntry]:
    """The audit log's "after" lines of restarts, deploys and prunes on ``hosts`` inside the window."""
    wanted = set(hosts)
    out = []
    for r in records:
        if r.get("phase") != "after" or r.get("tool") not in AUDITED_TOOLS or r.get("host") not in wanted:
            continue
        try:
            when = datetime.fromisoformat(str(r.get("time")))
        except ValueError:
            continue
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        if not _in(when, since, until):
            continue
        argv = r.get("argv")
        words = [str(a) for a in argv] if isinstance(argv, list) else ([str(argv)] if argv else [])
        service = words[1] if r.get("tool") == "restart" and len(words) > 1 else None
        project = None
        if r.get("tool") == "deploy" and len(words) > 1:
            project = words[1]
        elif "--project" in words[:-1]:
            project = words[words.index("--project") + 1]
        detail = f"{r.get('tool')} by {r.get('actor')}: {r.get('outcome')}"
        if r.get("outcome") != "ok" and r.get("detail"):
            detail += f" ({r.get('detail')})"
        out.append(TimelineEntry(time=when, host=str(r.get("host")), project=project, service=service,
                                 kind=EntryKind.ACTION, detail=detail, source=EntrySource.AUDIT))
    return out


# ------------------------------------------------------------------------------------------------- filters

def keep_services(entries: Iterable[TimelineEntry], services: Sequence[str]) -> list[TimelineEntry]:
    """Entries of these services; a deploy of a whole project (no services named) stays."""
    if not services:
        return list(entries)
    wanted = set(services)
    out = []
    for e in entries:
        named = {s.strip() for s in (e.service or "").split(",") if s.strip()}
        if named & wanted or (e.kind in (EntryKind.DEPLOY, EntryKind.ACTION) and not named):
            out.append(e)
    return out


# ---------------------------------------------------------------------------------------------- summaries

STOP_GRACE = timedelta(seconds=15)
"""An exit this soon after a kill of the same container is a stop (restart, deploy), not a crash."""


def _key(e: TimelineEntry) -> tuple[str, str | None]:
    return (e.host, e.container_id or e.container)


def _crashes(group: Sequence[TimelineEntry]) -> list[TimelineEntry]:
    """The exits of one container that no kill asked for."""
    kills = [e.time for e in group if e.kind is EntryKind.KILL]
    return [e for e in group if e.kind is EntryKind.DIE and not any(k <= e.time <= k + STOP_GRACE for k in kills)]


def summarise(entries: Iterable[TimelineEntry], *, loop_min: int = LOOP_MIN_EXITS,
              flap_min: int = FLAP_MIN_CHANGES) -> list[TimelineEntry]:
    """One line per crash loop (a container's start/die/restart/OOM runs) and per flapping healthcheck."""
    items = sorted(entries, key=lambda e: e.time)
    loops: dict[tuple[str, str | None], list[TimelineEntry]] = {}
    health: dict[tuple[str, str | None], list[TimelineEntry]] = {}
    for e in items:
        if e.container is None or e.source is not EntrySource.ENGINE:
            continue
        if e.kind in (EntryKind.START, EntryKind.DIE, EntryKind.RESTART, EntryKind.OOM, EntryKind.KILL):
            loops.setdefault(_key(e), []).append(e)
        elif e.kind is EntryKind.HEALTH:
            health.setdefault(_key(e), []).append(e)
    folded: dict[int, TimelineEntry] = {}  # id of the first event of a run -> its summary
    drop: set[int] = set()
    for whole in loops.values():
        exits = _crashes(whole)
        if len(exits) < loop_min:
            continue
        group = [e for e in whole if e.kind is not EntryKind.KILL]  # a kill stays its own line
        codes = Counter(e.detail.removeprefix("exited ") for e in exits)
        ooms = sum(1 for e in group if e.kind is EntryKind.OOM)
        first, last = group[0], group[-1]
        span = human_duration((last.time - first.time).total_seconds())
        how = ", ".join(f"exit {c} ×{n}" for c, n in codes.most_common(3))
        detail = f"{len(exits)} exits in {span} ({how})" + (f", {ooms} OOM kills" if ooms else "")
        folded[id(first)] = first.model_copy(update={
            "kind": EntryKind.CRASH_LOOP, "detail": detail, "count": len(exits), "last": last.time})
        drop.update(id(e) for e in group)
    for group in health.values():
        if len(group) < flap_min:
            continue
        changes = Counter(e.detail for e in group)
        now = group[-1].detail
        how = ", ".join(f"{s} ×{n}" for s, n in changes.most_common())
        folded[id(group[0])] = group[0].model_copy(update={
            "kind": EntryKind.HEALTH_FLAP, "count": len(group), "last": group[-1].time,
            "detail": f"{len(group)} health changes ({how}), now {now}"})
        drop.update(id(e) for e in group)
    out = []
    for e in items:
        if id(e) in folded:
            out.append(folded[id(e)])
        elif id(e) not in drop:
            out.append(e)
    return out


def bound(entries: Sequence[TimelineEntry], limit: int) -> tuple[list[TimelineEntry], int]:
    """The newest ``limit`` entries (time order kept) and how many older ones were left out."""
    ordered = sorted(entries, key=lambda e: (e.time, e.host, e.container or ""))
    if limit <= 0 or len(ordered) <= limit:
        return ordered, 0
    return ordered[-limit:], len(ordered) - limit


def coverage_gap(held: int, held_from: datetime | None, since: datetime, *,
                 limit: int = ENGINE_EVENTS_LIMIT) -> str | None:
    """Why the engine cannot tell the start of the window, or None when it can."""
    if held == 0 or held_from is None:
        return "the engine holds no events at all (its log is in memory and emptied when dockerd restarts); " \
               "only container state can tell"
    if held_from <= since:
        return None
    if held >= limit:
        why = f"the engine keeps only its last {limit} events"
    else:
        why = "the engine's log begins there: dockerd started then or just before, and keeps nothing older"
    return f"events before {ts(held_from)} are not available ({why}); container state still tells last starts/exits"


__all__ = [
    "DEFAULT_LIMIT",
    "ENGINE_EVENTS_LIMIT",
    "audit_entries",
    "bound",
    "coverage_gap",
    "deploy_entries",
    "engine_entries",
    "keep_services",
    "parse_when",
    "state_entries",
    "summarise",
    "window",
]
