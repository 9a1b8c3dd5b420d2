"""Docker engine events: everything the engine still holds, read in one finite answer.

The engine keeps its event log in memory only: a bounded number of recent events (256 in moby's
``daemon/events``), emptied by every restart of dockerd. A host with healthchecks fills it with
``exec_*`` events within minutes. So dozor asks for the whole log (``since=0`` until the host's own
"now", which makes the engine answer and close instead of streaming) and keeps two facts besides the
events it wants: how many events were held and the time of the oldest one — everything before that
time is gone, and a timeline must say so.

Kept: container ``create start die oom kill restart destroy`` and ``health_status`` changes, image
``pull``. Compose labels in ``Actor.Attributes`` name the project and service; ``die`` carries
``exitCode``, ``kill`` the ``signal``.

CLI: ``docker events --since 0 --until NOW --format '{{json .}}'`` after printing the host's clock.
Engine API: ``GET /info`` (``SystemTime``: the host's clock), then ``GET /events?since=0&until=NOW``.
Both answers are parsed by the same line parser.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from dozor.collectors.base import Collector, CollectorError, check_docker, first_line
from dozor.collectors.status import LABEL_PROJECT, LABEL_SERVICE, parse_docker_time
from dozor.transport.base import CommandResult

KEPT_CONTAINER_ACTIONS = frozenset({"create", "start", "die", "oom", "kill", "restart", "destroy", "health_status"})
KEPT_IMAGE_ACTIONS = frozenset({"pull"})

INFO_TARGET = "/info"

# Prints the host's clock first: the engine answers and closes only for an `until` that is not in its future.
# To the nanosecond: a whole-second `until` leaves out what happened earlier in the current second (a deploy that
# just finished). A `date` without %N (some busybox builds) gives the next second: the engine waits for it.
EVENTS_SCRIPT = (
    "now=$(date +%s.%N 2>/dev/null)\n"
    "case $now in ''|*[!0-9.]*|*.|.*) now=$(date +%s) || exit 1; now=$((now + 1));; esac\n"
    'echo "@@now $now"\n'
    "exec docker events --since 0 --until \"$now\" --format '{{json .}}'\n"
)
_NOW = "@@now "


class EngineEvent(BaseModel):
    """One kept engine event."""

    time: datetime = Field(description="When the engine recorded it (UTC, from timeNano).")
    type: str = Field(description="container or image.")
    action: str = Field(description="start, die, oom, kill, restart, create, destroy, health_status, pull.")
    status: str | None = Field(default=None, description="health_status: healthy, unhealthy or starting.")
    id: str = Field(description="Container id (12 characters) or image id/reference.")
    name: str | None = Field(default=None, description="Container name, or the image reference.")
    image: str | None = None
    project: str | None = Field(default=None, description="com.docker.compose.project label.")
    service: str | None = Field(default=None, description="com.docker.compose.service label.")
    exit_code: int | None = Field(default=None, description="die: the exit code.")
    signal: str | None = Field(default=None, description="kill: the signal number.")


class EngineEvents(BaseModel):
    """The engine's event log as held at ``host_time``: the kept events and what the log still covers."""

    host_time: datetime | None = Field(default=None, description="The host's clock when asked (UTC).")
    held: int = Field(description="Events of every kind the engine still held.")
    held_from: datetime | None = Field(
        default=None, description="Time of the oldest event held: nothing older can be told (None: log empty)."
    )
    events: list[EngineEvent] = Field(default_factory=list, description="Kept events, oldest first.")
    source: str = Field(default="cli", description="cli (docker events) or engine (Engine API).")


def events_argv() -> list[str]:
    """``sh -c`` running the constant events script."""
    return ["sh", "-c", EVENTS_SCRIPT, "dozor-events"]


def events_target(until: datetime) -> str:
    """``GET /events?since=0&until=SECONDS.NANOS``: the whole held log, a finite answer (``until`` = the host's
    now, to the microsecond: a whole second would leave out what happened earlier in the current second)."""
    whole = int(until.timestamp() // 1)
    return f"/events?since=0&until={whole}.{until.microsecond * 1000:09d}"


def _time(raw: dict[str, Any]) -> datetime | None:
    nano = raw.get("timeNano")
    if isinstance(nano, int) and nano > 0:
        return datetime.fromtimestamp(nano // 1_000_000_000, UTC).replace(microsecond=(nano % 1_000_000_000) // 1000)
    t = raw.get("time")
    if isinstance(t, int) and t > 0:
        return datetime.fromtimestamp(t, UTC)
    return None


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def event_from_json(raw: object) -> EngineEvent | None:
    """One decoded event object → an ``EngineEvent``, or None when it is not a kept kind."""
    if not isinstance(raw, dict):
        return None
    kind = raw.get("Type") or raw.get("type")
    action_full = str(raw.get("Action") or raw.get("status") or "")
    action, _, rest = action_full.partition(":")
    action = action.strip()
    if not (kind == "container" and action in KEPT_CONTAINER_ACTIONS) and not (
        kind == "image" and action in KEPT_IMAGE_ACTIONS
    ):
        return None
    when = _time(raw)
    if when is None:
        return None
    actor = raw.get("Actor") if isinstance(raw.get("Actor"), dict) else {}
    attrs = actor.get("Attributes") if isinstance(actor.get("Attributes"), dict) else {}
    ident = str(actor.get("ID") or raw.get("id") or "")
    if kind == "container":
        return EngineEvent(
            time=when, type="container", action=action, status=rest.strip() or None, id=ident[:12],
            name=attrs.get("name"), image=attrs.get("image") or raw.get("from"),
            project=attrs.get(LABEL_PROJECT), service=attrs.get(LABEL_SERVICE),
            exit_code=_int(attrs.get("exitCode")) if action == "die" else None,
            signal=str(attrs["signal"]) if action == "kill" and attrs.get("signal") is not None else None,
        )
    name = attrs.get("name") or ident
    return EngineEvent(time=when, type="image", action=action, id=ident[:80], name=name, image=name)


def parse_event_lines(text: str, *, host_time: datetime | None, source: str) -> EngineEvents:
    """JSON objects one per line (the CLI's ``{{json .}}`` and the API's stream alike) → ``EngineEvents``."""
    held = 0
    oldest: datetime | None = None
    kept: list[EngineEvent] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CollectorError(f"docker events printed a line that is not JSON: {line[:120]!r}") from exc
        held += 1
        when = _time(raw) if isinstance(raw, dict) else None
        if when is not None and (oldest is None or when < oldest):
            oldest = when
        ev = event_from_json(raw)
        if ev is not None:
            kept.append(ev)
    kept.sort(key=lambda e: e.time)
    return EngineEvents(host_time=host_time, held=held, held_from=oldest, events=kept, source=source)


def parse_events(result: CommandResult) -> EngineEvents:
    """The events script's output: ``@@now <unix>[.<nanoseconds>]`` then one JSON event per line."""
    check_docker(result)
    head, _, body = result.stdout.partition("\n")
    if not head.startswith(_NOW):
        raise CollectorError(f"events script gave no host time (exit {result.exit_status}): "
                             + first_line(result.stderr or result.stdout))
    if result.exit_status not in (0, None):
        raise CollectorError(f"docker events failed (exit {result.exit_status}): {first_line(result.stderr)}")
    host_time = _clock(head[len(_NOW):].strip())
    return parse_event_lines(body, host_time=host_time, source="cli")


def _clock(text: str) -> datetime | None:
    """``1796626164`` or ``1796626164.302666339`` (the host's ``date``) as UTC, to the microsecond."""
    whole, _, frac = text.partition(".")
    if not whole.isdigit() or (frac and not frac.isdigit()):
        return None
    return datetime.fromtimestamp(int(whole), UTC).replace(microsecond=int((frac + "000000")[:6]))


def info_time(info: object) -> datetime:
    """The host's clock from a ``GET /info`` answer (``SystemTime``)."""
    when = parse_docker_time(info.get("SystemTime")) if isinstance(info, dict) else None
    if when is None:
        raise CollectorError("engine /info answer has no SystemTime")
    return when.astimezone(UTC)


ENGINE_EVENTS: Collector[EngineEvents] = Collector(
    name="engine_events",
    argv=events_argv,
    parse=parse_events,
    description="docker events: the engine's held event log (container lifecycle, health, OOM, image pulls).",
)

__all__ = [
    "ENGINE_EVENTS",
    "EVENTS_SCRIPT",
    "INFO_TARGET",
    "EngineEvent",
    "EngineEvents",
    "event_from_json",
    "events_argv",
    "events_target",
    "info_time",
    "parse_event_lines",
    "parse_events",
]
