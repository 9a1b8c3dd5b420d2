"""One host kept current: a full read, then the engine's event stream on the pooled connection.

The loop of :class:`HostWatcher`:

1. Find the engine socket (:func:`dozor.runner.docker.engine_for`). None (the CLI path: forwarding off, a
   ``tcp://`` engine, ``engine_api = false``): poll — the status collector every ``poll_interval``, said as
   ``polled at T``.
2. Full read, on one stream: ``/info`` (the host's clock), the compose containers' listing, every inspect
   (pipelined). That clock is the resume point of the first stream.
3. ``GET /events?since=…&filters=…`` on a second stream: headers, then ``live since T``. Every event is
   deduped by (time, id, action), applied at once (:func:`dozor.live.apply.apply_event`) and the container
   read again (inspects coalesced, pipelined). Every ``resync`` seconds a full read runs beside the stream
   (a safety net for anything an event did not say).
4. The stream drops (connection lost, engine restarted): ``stream lost at T``; back to 2, resuming the
   stream at the last event's time so whatever happened in between comes again (the dedupe drops what
   was seen). A host whose attempts keep failing waits longer each time (``retry_base`` doubling up to
   ``retry_max``); ``unreachable since T`` while it cannot be read.

Bounded: the containers the host has, the last ``recent_events`` events, the last ``dedupe`` event keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dozor.collectors.events import INFO_TARGET, info_time
from dozor.collectors.status import (
    LABEL_ONEOFF,
    LABEL_PROJECT,
    LABEL_SERVICE,
    ContainerStatus,
    ServiceState,
    container_from_inspect,
    match_declared,
)
from dozor.engine import queries
from dozor.engine.client import EngineClient, answer_json
from dozor.engine.http import HTTPResponse
from dozor.errors import CollectorError, EngineRefused, EngineUnavailable, outcome_status
from dozor.inventory.models import ResolvedHost
from dozor.live.apply import Dedupe, apply_event, event_key, nano_time
from dozor.live.freshness import FreshKind, Freshness
from dozor.live.stream import EventStream, events_target
from dozor.live.tally import EventTally
from dozor.outcome import HostResult, HostStatus
from dozor.runner.docker import container_status, engine_failed, engine_for, engine_state
from dozor.runner.fanout import HostContext
from dozor.runner.questions import HostContainers
from dozor.security.redact import redact
from dozor.transport.base import Transport

REFRESH_DELAY = 0.05
"""Seconds events are gathered before their containers are read again (a restart is die + start)."""


@dataclass(frozen=True)
class LiveOptions:
    """How a live fleet keeps its hosts current (seconds)."""

    resync: float = 300.0
    """Full read beside an open stream, as a safety net."""
    poll_interval: float = 15.0
    """Hosts without an engine socket (the CLI path) are read this often."""
    retry_base: float = 1.0
    """First wait after a failed attempt or a dropped stream; doubles per failure in a row."""
    retry_max: float = 60.0
    stable_after: float = 30.0
    """A stream that lived this long was not a failure: the next drop waits ``retry_base`` again."""
    recent_events: int = 64
    baselines_every: float = 300.0
    """How often the engine events counted per service go into the baselines (with a state directory)."""
    dedupe: int = 1024


@dataclass(frozen=True)
class SeenEvent:
    """One event as the live state received it."""

    time: datetime
    nano: int
    container: str
    name: str | None
    project: str | None
    service: str | None
    action: str
    exit_code: int | None = None
    replayed: bool = False
    """It is older than the full read it arrived after: a resumed stream replayed it."""


@dataclass
class WatchStats:
    """Counters of one host's watcher (tests and the bench read them)."""

    full_reads: int = 0
    polls: int = 0
    streams: int = 0
    resumes: int = 0
    events: int = 0
    duplicates: int = 0
    refreshes: int = 0
    failures: int = 0
    last_since: int | None = None
    """``since`` (nanoseconds) of the last resumed stream."""


def backoff(failures: int, base: float, cap: float, *, jitter: float = 0.2) -> float:
    """Seconds to wait after ``failures`` failed attempts in a row: base, 2×base, 4×base… up to ``cap``, ±jitter."""
    if failures <= 0:
        return 0.0
    delay = min(cap, base * 2 ** (failures - 1))
    return delay * (1 + random.uniform(-jitter, jitter))


def _now() -> datetime:
    return datetime.now(UTC)


def _nano(t: datetime) -> int:
    return int(t.timestamp()) * 1_000_000_000 + t.microsecond * 1000


@dataclass
class HostWatcher:
    """Keeps one host's compose containers current; see the module docstring."""

    host: ResolvedHost
    transport_for: Callable[[ResolvedHost], Transport]
    options: LiveOptions = field(default_factory=LiveOptions)
    on_change: Callable[[str], None] = lambda _name: None
    gate: asyncio.Semaphore | None = None
    """Bounds the full reads of many hosts at once (the fleet's concurrency)."""

    def __post_init__(self) -> None:
        self.containers: dict[str, ContainerStatus] = {}
        self.fresh = Freshness(kind=FreshKind.STARTING, at=_now())
        self.failure: HostStatus | None = None
        self.read_at_nano = 0
        self.last_nano: int | None = None
        self.recent: deque[SeenEvent] = deque(maxlen=self.options.recent_events)
        self.stats = WatchStats()
        self.tally = EventTally()
        self.ready = asyncio.Event()
        self._dedupe = Dedupe(self.options.dedupe)
        self._dirty: set[str] = set()
        self._refresh: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._services: tuple[tuple[int, ...], list[ContainerStatus], list[ServiceState]] | None = None

    # -- what the front ends read -----------------------------------------------------------------

    def result(self, service: str | None = None) -> HostResult[HostContainers]:
        """The host's status answer from what is held now (a failure while it cannot be read)."""
        kind = self.fresh.kind
        if kind is FreshKind.STARTING:
            return HostResult(host=self.host.name, status=HostStatus.TIMEOUT,
                              reason=f"first read not finished ({self.fresh.text()})")
        if kind is FreshKind.UNREACHABLE:
            return HostResult(host=self.host.name, status=self.failure or HostStatus.ERROR,
                              reason=f"{self.fresh.text()}: {self.fresh.why}")
        containers = sorted(self.containers.values(), key=lambda c: c.name)
        # A change replaces the container's object (events and re-reads never edit one in place): the same
        # objects mean the same services. The cache holds them, so their ids cannot be reused meanwhile.
        key = tuple(map(id, containers))
        if self._services is not None and self._services[0] == key:
            services = self._services[2]
        else:
            services = match_declared(containers, self.host.projects)
            self._services = (key, containers, services)
        if service is not None:
            services = [s for s in services if s.service == service]
            containers = [c for c in containers if c.service == service]
        at = _now() if kind is FreshKind.LIVE else self.fresh.at
        return HostResult(host=self.host.name, status=HostStatus.OK,
                          data=HostContainers(collected_at=at, containers=containers, services=services))

    def poll_now(self) -> None:
        """Wake a polling host (or one waiting to retry) at once."""
        self._wake.set()

    # -- the loop ---------------------------------------------------------------------------------

    async def run(self) -> None:
        """Keep the host current until cancelled."""
        failures = 0
        while True:
            ctx = HostContext(self.host, self.transport_for(self.host))
            started = time.monotonic()
            try:
                engine = await asyncio.wait_for(engine_for(ctx), self.host.timeouts.host)
                if engine is None:
                    await self._poll(ctx)
                    failures = 0
                    await self._sleep(self.options.poll_interval)
                    continue
                await self._live(ctx, engine)
                failures = 0 if time.monotonic() - started >= self.options.stable_after else failures + 1
            except EngineUnavailable as exc:
                # The socket does not serve: look it up again when it was remembered, else the CLI path
                # (polling) for the host's retry_after; either way the next round says which.
                engine_failed(ctx, str(exc))
                continue
            except Exception as exc:
                self._failed(exc)
                failures += 1
            if failures:
                self.stats.failures += 1
            await self._sleep(backoff(failures, self.options.retry_base, self.options.retry_max))

    async def _sleep(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    def _failed(self, exc: BaseException) -> None:
        """No read works: ``unreachable since`` the first failure (or since the stream was lost)."""
        if isinstance(exc, TimeoutError):
            status, text = HostStatus.TIMEOUT, f"no answer within {self.host.timeouts.host:g}s (host timeout)"
        else:
            status, text = outcome_status(exc) or HostStatus.ERROR, str(exc) or type(exc).__name__
        self.failure = status
        since = self.fresh.at if self.fresh.kind in (FreshKind.UNREACHABLE, FreshKind.RESUMING) else _now()
        self.fresh = Freshness(kind=FreshKind.UNREACHABLE, at=since, why=redact(f"{status.value}: {text}"))
        self.ready.set()
        self.on_change(self.host.name)

    async def _gated(self, coro: Any) -> Any:
        if self.gate is None:
            return await coro
        async with self.gate:
            return await coro

    async def _poll(self, ctx: HostContext) -> None:
        got = await asyncio.wait_for(self._gated(container_status(ctx)), self.host.timeouts.host)
        self.containers = {c.id: c for c in got}
        self.stats.polls += 1
        state = engine_state(ctx)
        why = state.endpoint.reason if state.endpoint is not None else "engine API off"
        self.fresh = Freshness(kind=FreshKind.POLLED, at=_now(), why=f"no event stream ({why})")
        self.failure = None
        self.ready.set()
        self.on_change(self.host.name)

    async def _full_read(self, engine: EngineClient) -> None:
        def inspect_listed(answers: list[HTTPResponse]) -> list[str]:
            try:
                return [queries.inspect_target(i) for i in queries.listed_ids(answer_json(answers[1]))]
            except ValueError as exc:
                raise EngineUnavailable(str(exc)) from exc

        info, listing, *inspected = await engine.exchange([INFO_TARGET, queries.list_target()], inspect_listed)
        try:
            clock = info_time(answer_json(info))
        except CollectorError as exc:
            raise EngineUnavailable(str(exc)) from exc
        answer_json(listing)
        found = [container_from_inspect(answer_json(a)) for a in inspected if a.status != 404]
        self.containers = {c.id: c for c in found}
        self.read_at_nano = _nano(clock)
        self.stats.full_reads += 1

    async def _live(self, ctx: HostContext, engine: EngineClient) -> None:
        """Full read, then the stream until it drops (returns) or a read fails (raises)."""
        since = self.last_nano
        await asyncio.wait_for(self._gated(self._full_read(engine)), self.host.timeouts.host)
        start = since if since is not None else self.read_at_nano
        stream = await EventStream.open(ctx.transport, engine.socket, events_target(start),  # type: ignore[arg-type]
                                        timeout=self.host.timeouts.command)
        self.stats.streams += 1
        if since is not None:
            self.stats.resumes += 1
            self.stats.last_since = since
        self.failure = None
        self.fresh = Freshness(kind=FreshKind.LIVE, at=_now(), why=f"engine events ({engine.socket})")
        self.ready.set()
        self.on_change(self.host.name)
        reader = asyncio.ensure_future(self._read_stream(stream, engine))
        resync = asyncio.ensure_future(self._resync(engine))
        try:
            done, _ = await asyncio.wait([reader, resync], return_when=asyncio.FIRST_COMPLETED)
            err = next(iter(done)).exception()
        finally:
            for t in (reader, resync, self._refresh):
                if t is not None:
                    t.cancel()
            await asyncio.gather(reader, resync, *([self._refresh] if self._refresh else []),
                                 return_exceptions=True)
            self._refresh = None
            stream.close()
        if isinstance(err, EngineUnavailable) and not isinstance(err, EngineRefused):
            self.fresh = Freshness(kind=FreshKind.RESUMING, at=_now(), why=str(err))
            self.on_change(self.host.name)
            return
        if err is not None:
            raise err

    async def _resync(self, engine: EngineClient) -> None:
        while True:
            await asyncio.sleep(self.options.resync)
            await asyncio.wait_for(self._gated(self._full_read(engine)), self.host.timeouts.host)
            # An event that came while the read ran may be newer than its inspect: read those containers again.
            self._dirty |= {e.container for e in self.recent if e.nano >= self.read_at_nano}
            self._schedule_refresh(engine)
            self.on_change(self.host.name)

    async def _read_stream(self, stream: EventStream, engine: EngineClient) -> None:
        while True:
            batch = await stream.next()
            if self.take(batch):
                self._schedule_refresh(engine)
                self.on_change(self.host.name)

    def take(self, batch: list[dict[str, Any]]) -> bool:
        """Dedupe, record and apply raw events; True when any was new."""
        new = False
        for raw in batch:
            key = event_key(raw)
            if key is None:
                continue
            if not self._dedupe.first_time(key):
                self.stats.duplicates += 1
                continue
            new = True
            self.stats.events += 1
            nano, ident, action = key
            self.last_nano = max(self.last_nano or 0, nano)
            attrs = (raw.get("Actor") or {}).get("Attributes") or {}
            code = attrs.get("exitCode")
            if (raw.get("Type") or raw.get("type")) == "container" and \
                    str(attrs.get(LABEL_ONEOFF) or "").lower() != "true":
                self.tally.add(action, attrs.get(LABEL_PROJECT), attrs.get(LABEL_SERVICE), nano)
            self.recent.append(SeenEvent(
                time=nano_time(nano), nano=nano, container=ident, name=attrs.get("name"),
                project=attrs.get("com.docker.compose.project"), service=attrs.get("com.docker.compose.service"),
                action=action, exit_code=int(code) if isinstance(code, str) and code.lstrip("-").isdigit() else None,
                replayed=nano < self.read_at_nano,
            ))
            target = apply_event(self.containers, raw, read_at_nano=self.read_at_nano)
            if target is not None:
                self._dirty.add(target)
            else:
                self._dirty.discard(ident)
        return new

    def _schedule_refresh(self, engine: EngineClient) -> None:
        if self._dirty and (self._refresh is None or self._refresh.done()):
            self._refresh = asyncio.ensure_future(self._reread(engine))

    async def _reread(self, engine: EngineClient) -> None:
        """Read the containers events touched again (pipelined); a failure waits for the next event or resync."""
        while self._dirty:
            await asyncio.sleep(REFRESH_DELAY)
            ids, self._dirty = sorted(self._dirty), set()
            try:
                answers = await engine.exchange([queries.inspect_target(i) for i in ids])
            except Exception:  # the stream or the resync will say what is wrong with the host
                return
            self.stats.refreshes += 1
            for ident, resp in zip(ids, answers, strict=True):
                if resp.status == 404:
                    self.containers.pop(ident, None)
                elif resp.ok:
                    with contextlib.suppress(CollectorError, ValueError):
                        c = container_from_inspect(json.loads(resp.body))
                        if c.project is not None and ident not in self._dirty:
                            self.containers[c.id] = c
            self.on_change(self.host.name)


__all__ = ["HostWatcher", "LiveOptions", "SeenEvent", "WatchStats", "backoff"]
