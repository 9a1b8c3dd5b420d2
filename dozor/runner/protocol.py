"""``FleetRunner``: what a domain operation (diagnosis, security review, ops) needs of a fleet.

Domain modules take a ``FleetRunner`` instead of importing ``dozor.fleet.Fleet``, so the façade sits on
top of them and nothing imports it back. ``Fleet`` is one; a test can pass anything with these members.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from dozor.inventory.models import Inventory, ResolvedHost
from dozor.runner.fanout import HostContext, Progress
from dozor.runner.fleet_result import FleetResult

T = TypeVar("T")


class FleetRunner(Protocol):
    """An inventory, host selection, and a parallel run of one operation per host."""

    @property
    def inventory(self) -> Inventory:
        """The loaded inventory."""
        ...

    def select(self, host: str | None = None) -> list[ResolvedHost]:
        """The hosts a selector picks, defaults applied. Raises ``UnknownHostError``."""
        ...

    async def run(
        self,
        operation: Callable[[HostContext], Awaitable[T]],
        host: str | None = None,
        *,
        name: str = "run",
        hosts: list[ResolvedHost] | None = None,
        progress: Progress | None = None,
    ) -> FleetResult[T]:
        """Run ``operation`` on every selected host in parallel; a host's failure is data, never raised."""
        ...


__all__ = ["FleetRunner"]
