"""What the server keeps between calls: one shared ``Fleet`` (its SSH pool) and what hosts last said."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from dozor.fleet import Fleet
from dozor.inventory.models import Inventory
from dozor.outcome import HostStatus

if TYPE_CHECKING:
    from dozor.live.fleet import LiveFleet
    from dozor.live.host import LiveOptions
    from dozor.report.timeline_models import Timeline
    from dozor.reports import DiagnosisReport


def strip_titles(schema: dict[str, Any], _: Any = None) -> None:
    """Drop the titles pydantic derives from field names (they repeat the names): smaller output schemas."""
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)


class Reachability(BaseModel):
    """The last outcome a host gave to any call in this server process."""

    model_config = ConfigDict(json_schema_extra=strip_titles)

    status: HostStatus
    reason: str = ""
    at: datetime = Field(description="When that call finished (UTC).")
    operation: str = Field(description="The call that learned it (status, logs...).")


@dataclass
class ServerState:
    """Shared by every tool call and every session of one server process."""

    fleet: Fleet
    read_only: bool = False
    seen: dict[str, Reachability] = field(default_factory=dict)
    latest_report: DiagnosisReport | None = None
    """The last diagnosis or health report any session of this server made (``dozor://report/latest``)."""
    latest_timeline: Timeline | None = None
    """The last timeline any session of this server asked for (``dozor://timeline/latest``)."""
    live: LiveFleet | None = None
    """``serve --watch``: every host's state kept current by its engine event stream (status answers read it)."""

    def record(self, operation: str, hosts: Iterable[Any]) -> None:
        """Remember each host's outcome (items with ``host``, ``status``, ``reason``) for ``fleet_hosts``."""
        now = datetime.now(UTC)
        for h in hosts:
            self.seen[h.host] = Reachability(status=h.status, reason=h.reason, at=now, operation=operation)

    def keep_report(self, report: DiagnosisReport) -> None:
        """Remember ``report`` as the latest diagnosis (server_diagnose and server_health call this)."""
        self.latest_report = report

    def keep_timeline(self, timeline: Timeline) -> None:
        """Remember ``timeline`` as the latest one (fleet_timeline calls this)."""
        self.latest_timeline = timeline


class FleetHolder:
    """Hands one ``ServerState`` to every lifespan that enters; closes the pool when the last one leaves.

    Streamable HTTP enters the lifespan once per app, but stdio and SSE enter it once per
    connection: counting entries keeps one pool for all of them.
    """

    def __init__(self, inventory: Inventory, read_only: bool, watch: LiveOptions | None = None) -> None:
        self._inventory = inventory
        self._read_only = read_only
        self._watch = watch
        self._state: ServerState | None = None
        self._users = 0
        self._lock = asyncio.Lock()

    def current(self) -> ServerState | None:
        """The shared state while a lifespan is open (resources read it: the SDK gives them no context)."""
        return self._state

    async def acquire(self) -> ServerState:
        """The shared state, loading the inventory on first use."""
        async with self._lock:
            if self._state is None:
                self._state = ServerState(fleet=Fleet(self._inventory), read_only=self._read_only)
                if self._watch is not None:
                    from dozor.live.fleet import LiveFleet

                    fleet = self._state.fleet
                    self._state.live = LiveFleet(fleet.select(None), fleet.pool.get, options=self._watch,
                                                 concurrency=self._inventory.defaults.concurrency,
                                                 state_dir=fleet.state_dir)
                    await self._state.live.start()
            self._users += 1
            return self._state

    async def release(self) -> None:
        """Leave; the last one out closes every pooled connection."""
        async with self._lock:
            self._users -= 1
            if self._users == 0 and self._state is not None:
                state, self._state = self._state, None
                if state.live is not None:
                    await state.live.stop()
                await state.fleet.close()
