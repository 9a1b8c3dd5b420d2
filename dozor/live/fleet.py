"""``LiveFleet``: one :class:`~dozor.live.host.HostWatcher` per host, and status answers from what they hold."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from dozor.inventory.models import ResolvedHost
from dozor.live.freshness import FreshKind, Freshness
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
        state_dir: str | Path | None = None,
    ) -> None:
        self.options = options or LiveOptions()
        self.state_dir = state_dir
        self.baseline_warning: str | None = None
        """Why the last write of the counted events into the baselines failed (None: it worked)."""
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
            if self.state_dir is not None:
                self._tasks.append(asyncio.ensure_future(self._feed_every(self.options.baselines_every)))

    async def stop(self) -> None:
        """Stop every watcher and close its stream (the pooled connections stay the pool's); what was counted
        since the last write goes into the baselines."""
        tasks, self._tasks = self._tasks, []
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if tasks and self.state_dir is not None:
            await self.feed_baselines()

    async def _feed_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            await self.feed_baselines()

    async def feed_baselines(self, now: datetime | None = None) -> bool:
        """Write the engine events counted per service and hour, and the services watched live this hour, into
        the baselines of ``state_dir`` (:func:`dozor.noise.apply.record_live`, in a thread); False
        (``baseline_warning`` says why) when they could not be written — the counts are kept for the next try."""
        from dozor.errors import NoiseStateCorrupt
        from dozor.noise.apply import record_live
        from dozor.noise.baselines import hour_of

        if self.state_dir is None:
            return False
        hour = hour_of(now or datetime.now(UTC))
        # copied here, on the loop that changes them; written in a thread
        counts = {name: {h: {k: dict(v) for k, v in per.items()} for h, per in w.tally.counts.items()}
                  for name, w in self.watchers.items() if w.tally.counts}
        watched = {name: {(c.project, c.service) for c in w.containers.values()
                          if c.project and c.service and not c.oneoff}
                   for name, w in self.watchers.items() if w.fresh.kind is FreshKind.LIVE}
        if not counts and not any(watched.values()):
            return True
        try:
            await asyncio.to_thread(record_live, self.state_dir, counts, watched, hour)
        except (NoiseStateCorrupt, OSError) as exc:
            self.baseline_warning = f"could not save the live event counts to the baselines: {exc}"
            return False
        self.baseline_warning = None
        for w in self.watchers.values():
            w.tally.forget_before(hour)
        return True

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
