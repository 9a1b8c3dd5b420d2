"""The seed's Python API: ``ServerAgent.from_env()`` — one host from ``SERVER_HOST`` & co — and ``FleetAgent``.

    agent = ServerAgent.from_env()
    report = await agent.diagnose()          # or agent.diagnose_sync()
    if report.needs_attention:
        print(report.to_ai_prompt())
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from pathlib import Path
from typing import Any, TypeVar

from dozor.fleet import Fleet
from dozor.inventory.loader import load_inventory, load_seed_inventory
from dozor.inventory.models import Inventory
from dozor.report.models import FleetReport
from dozor.runner.sync import run_sync

T = TypeVar("T")


def _sync(coro: Coroutine[Any, Any, T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run_sync(coro)
    coro.close()
    raise RuntimeError("called a *_sync method inside a running event loop; await the async method instead")


class FleetAgent:
    """Diagnosis of a whole inventory. Each call opens the connections it needs and closes them after."""

    def __init__(self, inventory: Inventory, host: str | None = None) -> None:
        self.inventory = inventory
        self.host = host

    @classmethod
    def load(cls, path: str | Path | None = None, *, host: str | None = None) -> FleetAgent:
        """Load an inventory with the usual search order (see ``dozor.inventory.loader``)."""
        return cls(load_inventory(path), host)

    async def diagnose(self, services: list[str] | None = None, *, log_lines: int = 200) -> FleetReport:
        """Full diagnosis → ``FleetReport`` (``needs_attention``, ``to_ai_prompt()``, ``exit_code``…)."""
        async with Fleet(self.inventory) as fleet:
            return await fleet.diagnose(self.host, services=services, log_lines=log_lines)

    async def health(self) -> FleetReport:
        """Quick state + health check."""
        async with Fleet(self.inventory) as fleet:
            return await fleet.health(self.host)

    async def analyze(self, service: str, *, lines: int = 1000) -> FleetReport:
        """Deep log analysis of one service."""
        async with Fleet(self.inventory) as fleet:
            return await fleet.analyze(service, self.host, lines=lines)

    def diagnose_sync(self, services: list[str] | None = None, *, log_lines: int = 200) -> FleetReport:
        """``diagnose`` for code without an event loop."""
        return _sync(self.diagnose(services, log_lines=log_lines))

    def health_sync(self) -> FleetReport:
        """``health`` for code without an event loop."""
        return _sync(self.health())

    def analyze_sync(self, service: str, *, lines: int = 1000) -> FleetReport:
        """``analyze`` for code without an event loop."""
        return _sync(self.analyze(service, lines=lines))


class ServerAgent(FleetAgent):
    """One server, configured like the seed: ``SERVER_HOST``, ``SERVER_USER``, ``SERVER_PORT``,
    ``SERVER_SSH_KEY``, ``SERVER_COMPOSE_PATH``, ``SERVER_SERVICES``, ``SERVER_TIMEOUT`` (environment or ``./.env``)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, cwd: str | Path | None = None) -> ServerAgent:
        """Build the agent from the seed variables; raises ``InventoryError`` when ``SERVER_HOST`` is unset.

        Unlike ``load_inventory`` this never picks up a ``fleet.toml``: the seed's variables are the contract.
        A seed-era alias (listed in ``dozor.compat``): ``FleetAgent(load_seed_inventory())`` is the same.
        """
        inv = load_seed_inventory(env, cwd=cwd)
        return cls(inv, next(iter(inv.hosts)))


__all__ = ["FleetAgent", "ServerAgent"]
