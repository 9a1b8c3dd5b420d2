"""Pure: one engine event applied to a host's containers, and the bounded memory that dedupes events.

An event changes the state at once (``die`` → exited with its code, ``oom`` → OOM-killed, ``health_status`` →
the new health...), so a stop is visible the moment the engine says it. The event does not carry everything a
status shows (the restart count, a healthcheck's output, whether the restart policy will start it again): the
caller re-reads the container (one inspect) after applying it, and that answer replaces the guess.

An event older than the full read the containers come from is already in it: it is recorded, not applied.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from dozor.collectors.status import (
    LABEL_NUMBER,
    LABEL_ONEOFF,
    LABEL_PROJECT,
    LABEL_SERVICE,
    ContainerState,
    ContainerStatus,
    HealthState,
)

EventKey = tuple[int, str, str]
"""(timeNano, container id, action): how the same event is recognised when a resumed stream replays it."""


def event_nano(raw: dict[str, Any]) -> int | None:
    """The event's time in nanoseconds (``timeNano``, else ``time`` in seconds); None when it has none."""
    nano = raw.get("timeNano")
    if isinstance(nano, int) and nano > 0:
        return nano
    t = raw.get("time")
    return t * 1_000_000_000 if isinstance(t, int) and t > 0 else None


def nano_time(nano: int) -> datetime:
    """Nanoseconds since the epoch as an aware UTC datetime (microseconds kept)."""
    return datetime.fromtimestamp(nano // 1_000_000_000, UTC).replace(microsecond=(nano % 1_000_000_000) // 1000)


def _actor(raw: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    actor = raw.get("Actor") if isinstance(raw.get("Actor"), dict) else {}
    attrs = actor.get("Attributes") if isinstance(actor.get("Attributes"), dict) else {}
    return str(actor.get("ID") or raw.get("id") or ""), attrs


def event_key(raw: dict[str, Any]) -> EventKey | None:
    """The event's identity, or None for an event without a time or a container."""
    nano = event_nano(raw)
    ident, _ = _actor(raw)
    if nano is None or not ident:
        return None
    return nano, ident[:12], str(raw.get("Action") or raw.get("status") or "")


class Dedupe:
    """The last ``size`` event keys seen: bounded, oldest forgotten first."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._keys: OrderedDict[EventKey, None] = OrderedDict()

    def first_time(self, key: EventKey) -> bool:
        """Remember ``key``; True when it was not seen before (within the window)."""
        if key in self._keys:
            return False
        self._keys[key] = None
        if len(self._keys) > self.size:
            self._keys.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._keys)


def _created(ident: str, attrs: dict[str, Any], when: datetime) -> ContainerStatus:
    number = str(attrs.get(LABEL_NUMBER) or "")
    return ContainerStatus(
        id=ident, name=str(attrs.get("name") or ident), project=attrs.get(LABEL_PROJECT),
        service=attrs.get(LABEL_SERVICE), container_number=int(number) if number.isdigit() else None,
        oneoff=str(attrs.get(LABEL_ONEOFF) or "").lower() == "true", image=str(attrs.get("image") or ""),
        state=ContainerState.CREATED, created_at=when,
    )


def _exit_code(attrs: dict[str, Any]) -> int | None:
    try:
        return int(str(attrs.get("exitCode")))
    except (TypeError, ValueError):
        return None


def apply_event(containers: dict[str, ContainerStatus], raw: dict[str, Any], *, read_at_nano: int = 0) -> str | None:
    """Apply one raw event to ``containers`` (by 12-character id, changed in place).

    Returns the id of the container to read again (None: nothing to read — it was destroyed, or the event is not
    about a container). Events at or before ``read_at_nano`` (the host's clock when the containers were read)
    change nothing but still ask for a read: the event may be later than the read on that container.
    """
    key = event_key(raw)
    if key is None or (raw.get("Type") or raw.get("type")) != "container":
        return None
    nano, ident, action_full = key
    action, _, rest = action_full.partition(":")
    action, detail = action.strip(), rest.strip()
    _, attrs = _actor(raw)
    when = nano_time(nano)
    if action == "destroy":
        containers.pop(ident, None)
        return None
    if nano < read_at_nano:
        return ident
    c = containers.get(ident)
    if c is None:
        if action == "create":
            containers[ident] = _created(ident, attrs, when)
        return ident
    update: dict[str, Any] = {}
    if action in ("start", "restart", "unpause"):
        update["state"] = ContainerState.RUNNING
        if action != "unpause":
            update.update(started_at=when, exit_code=0, error=None)
            if c.health is not None:
                update["health"] = HealthState.STARTING
    elif action == "die":
        update.update(state=ContainerState.EXITED, finished_at=when, exit_code=_exit_code(attrs))
    elif action == "oom":
        update["oom_killed"] = True
    elif action == "health_status" and detail in HealthState._value2member_map_:
        update["health"] = HealthState(detail)
    elif action == "pause":
        update["state"] = ContainerState.PAUSED
    elif action == "rename" and attrs.get("name"):
        update["name"] = str(attrs["name"])
    if update:
        containers[ident] = c.model_copy(update=update)
    return ident


__all__ = ["Dedupe", "EventKey", "apply_event", "event_key", "event_nano", "nano_time"]
