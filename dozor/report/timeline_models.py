"""The timeline's data: what happened on the fleet in a window, one entry per event or summarised run."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from dozor.outcome import HostStatus


class EntryKind(StrEnum):
    """What an entry says happened."""

    CREATE = "create"
    START = "start"
    DIE = "die"
    OOM = "oom"
    KILL = "kill"
    RESTART = "restart"
    DESTROY = "destroy"
    HEALTH = "health"
    PULL = "pull"
    CRASH_LOOP = "crash-loop"  # many start/die of one container, summarised
    HEALTH_FLAP = "health-flap"  # many health changes of one container, summarised
    DEPLOY = "deploy"
    ACTION = "action"  # an audited restart/deploy/prune from the controller's audit log


class EntrySource(StrEnum):
    """Where an entry comes from."""

    ENGINE = "engine"  # the engine's event log
    STATE = "state"  # container state (inspect): what it proves when the event log no longer holds it
    DEPLOY = "deploy"  # the deploy records kept on the host
    AUDIT = "audit"  # the controller's audit log


class TimelineEntry(BaseModel):
    """One line of the timeline."""

    time: datetime = Field(description="When it happened (UTC); for a summarised run, its first event.")
    last: datetime | None = Field(default=None, description="A summarised run's last event.")
    count: int = Field(default=1, description="Events this entry stands for.")
    host: str
    project: str | None = None
    service: str | None = None
    container: str | None = None
    container_id: str | None = Field(default=None, description="Short container id (a recreated one has a new id).")
    kind: EntryKind
    detail: str = Field(description="Short, e.g. 'exit 1', 'OOM-killed', 'deploy 2026...-ab12cd succeeded'.")
    source: EntrySource


class HostCoverage(BaseModel):
    """How far back one host could tell, and what failed there."""

    host: str
    answered: bool = Field(description="The host answered (engine events or container state).")
    status: HostStatus = Field(default=HostStatus.OK, description="How the host's part of the call ended.")
    reason: str = Field(default="", description="Why the host did not answer.")
    events_source: str | None = Field(default=None, description="engine (Engine API) or cli (docker events).")
    events_held: int = Field(default=0, description="Events of every kind the engine still held.")
    events_from: datetime | None = Field(default=None, description="The oldest event the engine still held.")
    host_time: datetime | None = Field(default=None, description="The host's clock when asked.")
    gap: str | None = Field(default=None, description="Set when the window starts before what the host can tell.")
    errors: dict[str, str] = Field(default_factory=dict, description="Parts that failed: events, state, deploys.")


class Timeline(BaseModel):
    """Events of the selected hosts in ``[since, until]``, oldest first, bounded to ``limit`` entries."""

    since: datetime
    until: datetime
    selector: str | None = Field(default=None, description="Host selector; None = the whole fleet.")
    services: list[str] = Field(default_factory=list, description="Only these services (empty: all).")
    limit: int
    entries: list[TimelineEntry] = Field(default_factory=list)
    total: int = Field(default=0, description="Entries before the limit.")
    omitted: int = Field(default=0, description="Oldest entries left out by the limit.")
    hosts: list[HostCoverage] = Field(default_factory=list)

    @property
    def operation(self) -> str:
        """The call's name (as fleet results have one)."""
        return "timeline"

    @property
    def failed(self) -> list[HostCoverage]:
        """Hosts that did not answer."""
        return [h for h in self.hosts if not h.answered]


__all__ = ["EntryKind", "EntrySource", "HostCoverage", "Timeline", "TimelineEntry"]
