"""``LiveFleet``: one :class:`~dozor.live.host.HostWatcher` per host, and status answers from what they hold."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence

from dozor.inventory.models import ResolvedHost
from dozor.live.freshness import Freshness
from dozor.live.host import HostWatcher, LiveOptions
from dozor.outcome import HostResult, HostStatus
from dozor.runner.fleet_result import FleetResult
from dozor.runner.questions import HostContainers
from dozor.transport.base import Transport
from dozor.transport.fdlimit import ensure_fd_budget


class LiveFleet:
    """Keeps ``hosts`` current in the background (``start``/``stop``, or ``async with``).

    ``transport_for`` is the fleet's pool (``Fleet.pool.get``): the streams ride the same pooled connections as
    every other call. ``concurrency`` bounds the full reads running at once (start, resumes, resyncs).
    """

    def __init__(
        self,
        hosts: Sequence[ResolvedHost],
        transport_for: Callable[[ResolvedHost], Transport],
        *,
        options: LiveOptions | None = None,
        concurrency: int = 50,
    ) -> None:
        self.options = options or LiveOptions()
        self._gate = asyncio.Semaphore(concurrency)
        self._concurrency = concurrency
        self.watchers = {
            h.name: HostWatcher(h, transport_for, self.options, self._changed, self._gate) for h in hosts
        }
        self.version = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._event = asyncio.Event()

    def _changed(self, _host: str) -> None:
        self.version += 1
        self._event.set()

    async def start(self) -> None:
        """Start every host's watcher (returns at once; :meth:`wait_ready` waits for the first reads).

        Raises ``FileLimitTooLow`` first when the process cannot hold a connection per host.
        """
        if not self._tasks:
            ensure_fd_budget([w.host for w in self.watchers.values()], self._concurrency)
            self._tasks = [asyncio.ensure_future(w.run()) for w in self.watchers.values()]

    async def stop(self) -> None:
        """Stop every watcher and close its stream (the pooled connections stay the pool's)."""
        tasks, self._tasks = self._tasks, []
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def __aenter__(self) -> LiveFleet:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def wait_ready(self, names: Sequence[str] | None = None, timeout: float | None = None) -> bool:
        """Wait until each host (all by default) has had its first read or failure; False on ``timeout``."""
        chosen = [self.watchers[n] for n in (names if names is not None else self.watchers) if n in self.watchers]
        try:
            await asyncio.wait_for(asyncio.gather(*(w.ready.wait() for w in chosen)), timeout)
        except TimeoutError:
            return False
        return True

    async def changed(self, since_version: int, timeout: float) -> bool:
        """Wait (at most ``timeout``) until something changed after ``since_version``; True if it did."""
        deadline = time.monotonic() + timeout
        while self.version == since_version:
            self._event.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), left)
        return True

    def freshness(self, names: Sequence[str] | None = None) -> dict[str, Freshness]:
        """Each host's freshness, by name."""
        return {n: self.watchers[n].fresh for n in (names if names is not None else self.watchers)
                if n in self.watchers}

    def status(self, hosts: Sequence[ResolvedHost], *, service: str | None = None,
               selector: str | None = None) -> tuple[FleetResult[HostContainers], dict[str, Freshness]]:
        """The status answer of ``hosts`` from what the watchers hold (no host is asked), with freshness.

        A host this fleet does not watch is an error result saying so.
        """
        started = time.monotonic()
        results: list[HostResult[HostContainers]] = []
        fresh: dict[str, Freshness] = {}
        for h in hosts:
            w = self.watchers.get(h.name)
            if w is None:
                results.append(HostResult(host=h.name, status=HostStatus.ERROR, reason="not watched by this server"))
                continue
            results.append(w.result(service))
            fresh[h.name] = w.fresh
        return FleetResult[HostContainers](operation="status", selector=selector, hosts=results,
                                           duration=time.monotonic() - started), fresh


__all__ = ["LiveFleet"]
