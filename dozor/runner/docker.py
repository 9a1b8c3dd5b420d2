"""Docker questions answered by the Engine API when the host allows it, else by the docker CLI.

Per host (per pooled transport) the engine's socket is found once — from the inventory's
``docker_socket``, from what an earlier process found (``dozor.engine.cache``, one hour), or by asking
the login environment (``dozor.engine.endpoint``) — and every later question goes straight to the
socket: over SSH a direct-streamlocal channel, no remote process. When the socket cannot be opened
(forwarding disabled, permissions, a tcp:// engine) the CLI collectors answer instead, and they
explain any real failure (daemon down, socket denied); that choice holds for ``retry_after`` seconds.
A remembered socket that fails is looked up again before falling back.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from dozor.collectors.cgroup_cpu import CGROUP_CPU, candidate_paths, throttling_by_container
from dozor.collectors.docker_df import (
    DOCKER_DF,
    INFO_TARGET,
    SYSTEM_DF_TARGET,
    DockerDiskUsage,
    parse_system_df,
)
from dozor.collectors.resources import (
    RESOURCES,
    ContainerResources,
    CpuThrottling,
    HostResources,
    parse_resources,
    resources_argv,
)
from dozor.collectors.status import (
    ContainerState,
    ContainerStatus,
    container_from_inspect,
    inspect_objects,
    status_argv,
)
from dozor.engine import cache
from dozor.engine.client import EngineClient, EngineTimeout, EngineUnavailable
from dozor.engine.endpoint import LOCATE, EngineEndpoint
from dozor.errors import CollectorError, EngineRefused
from dozor.runner.fanout import HostContext
from dozor.transport.base import UnixSocketTransport

LOCATE_TIMEOUT = 10.0
T = TypeVar("T")


@dataclass
class EngineState:
    """What is known about one transport's engine, and where that knowledge came from."""

    endpoint: EngineEndpoint | None = None
    source: str = ""  # "inventory", "cache" (another process found it) or "lookup" (found here)
    checked_at: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    disk_usage: asyncio.Task[DockerDiskUsage] | None = None  # the df run in flight, shared by every caller


_STATES: weakref.WeakKeyDictionary[Any, EngineState] = weakref.WeakKeyDictionary()


def engine_state(ctx: HostContext) -> EngineState:
    """The engine state kept for this host's transport (created empty)."""
    state = _STATES.get(ctx.transport)
    if state is None:
        state = _STATES[ctx.transport] = EngineState()
    return state


def _key(ctx: HostContext) -> str:
    return cache.host_key(ctx.host.user, ctx.host.address, ctx.host.port)


async def _find(ctx: HostContext, state: EngineState) -> None:
    if ctx.host.docker_socket:
        state.endpoint = EngineEndpoint(socket=ctx.host.docker_socket, reason="docker_socket in the inventory")
        state.source = "inventory"
    elif not ctx.host.is_local and (known := cache.recall(ctx.host.state_dir, _key(ctx))) is not None:
        state.endpoint, state.source = known, "cache"
    else:
        state.endpoint = LOCATE.parse(await ctx.run(LOCATE.argv(), timeout=LOCATE_TIMEOUT))
        state.source = "lookup"
        if not ctx.host.is_local:
            cache.remember(ctx.host.state_dir, _key(ctx), state.endpoint)
    state.checked_at = time.monotonic()


def _stale(state: EngineState, retry_after: float) -> bool:
    """Nothing known yet, or the CLI was chosen more than ``retry_after`` seconds ago."""
    return state.endpoint is None or (
        state.endpoint.socket is None and time.monotonic() - state.checked_at >= retry_after
    )


async def engine_for(ctx: HostContext) -> EngineClient | None:
    """An ``EngineClient`` for the host, or None when the docker CLI must answer."""
    if not ctx.host.engine_api or not isinstance(ctx.transport, UnixSocketTransport):
        return None
    state = engine_state(ctx)
    if _stale(state, ctx.host.retry_after):
        async with state.lock:
            if _stale(state, ctx.host.retry_after):  # another task may have looked it up meanwhile
                await _find(ctx, state)
    endpoint = state.endpoint
    if endpoint is None or endpoint.socket is None:
        return None
    return EngineClient(ctx.transport, endpoint.socket, timeout=ctx.host.timeouts.command)


def engine_failed(ctx: HostContext, reason: str) -> bool:
    """The socket did not serve. True: it was a remembered guess, look it up again now;
    False: use the CLI on this host for ``retry_after`` seconds (in this process only)."""
    state = engine_state(ctx)
    if state.source == "cache":
        cache.remember(ctx.host.state_dir, _key(ctx), None)
        state.endpoint, state.source = None, ""
        return True
    # Not written to the cache: an engine that is down now should get its fast path back next time.
    state.endpoint = EngineEndpoint(socket=None, reason=reason)
    state.checked_at = time.monotonic()
    return False


async def _answer(ctx: HostContext, api: Callable[[EngineClient], Awaitable[T]],
                  cli: Callable[[], Awaitable[T]]) -> T:
    """The Engine API's answer when it can give one, else the CLI's."""
    for _ in range(2):
        engine = await engine_for(ctx)
        if engine is None:
            break
        try:
            return await api(engine)
        except EngineUnavailable as exc:
            if not engine_failed(ctx, str(exc)):
                break
    return await cli()


async def inspect_containers(ctx: HostContext, *, include_all: bool = False) -> list[dict[str, Any]]:
    """``docker inspect`` of the compose containers (``include_all``: every container), as raw objects."""

    async def cli() -> list[dict[str, Any]]:
        return inspect_objects(await ctx.run(status_argv(include_all)))

    return await _answer(ctx, lambda engine: engine.inspect_containers(include_all=include_all), cli)


async def container_status(ctx: HostContext) -> list[ContainerStatus]:
    """The status collector's answer: every compose container's state, health, restarts, OOM, ports."""
    return [container_from_inspect(c) for c in await inspect_containers(ctx)]


DF_BUSY_PAUSES: tuple[float | None, ...] = (0.5, 1.5, None)
"""Pauses before asking ``/system/df`` again while another client's disk usage run holds it."""

DF_BUSY_STATUS = (409, 500)
"""How an engine says another disk usage run holds ``/system/df``: 409 since the conflict error type, 500 on
Docker 20.10 (recorded: ``tests/fixtures/engine/system_df_busy.http``)."""


async def docker_disk_usage(ctx: HostContext) -> DockerDiskUsage:
    """``docker system df`` plus the data root: ``/system/df`` and ``/info`` through the engine, else the CLI."""

    async def api(engine: EngineClient) -> DockerDiskUsage:
        for pause in DF_BUSY_PAUSES:
            try:
                df, info = await engine.get_json_many(SYSTEM_DF_TARGET, INFO_TARGET)
                return parse_system_df(df, info)
            except EngineRefused as exc:
                if exc.http_status not in DF_BUSY_STATUS:
                    raise
                if pause is None:  # this section's failure; the engine works, so no CLI fallback
                    raise CollectorError(f"docker disk usage: {exc}") from exc
                await asyncio.sleep(pause)
        raise AssertionError("unreachable: the last pause is None")

    # Docker runs one disk usage at a time and refuses the others: callers in this process share one run.
    state = engine_state(ctx)
    if state.disk_usage is None or state.disk_usage.done():
        state.disk_usage = asyncio.ensure_future(_answer(ctx, api, lambda: ctx.collect(DOCKER_DF)))
        state.disk_usage.add_done_callback(lambda t: t.cancelled() or t.exception())  # retrieved if nobody waits
    return await asyncio.shield(state.disk_usage)


async def _with_df(ctx: HostContext, answer: Awaitable[T]) -> tuple[T, DockerDiskUsage | BaseException]:
    """``answer`` awaited alongside Docker's disk usage; the disk usage's failure is returned, not raised."""
    got, df = await asyncio.gather(answer, docker_disk_usage(ctx), return_exceptions=True)
    if isinstance(got, BaseException):
        raise got
    if isinstance(df, BaseException) and not isinstance(df, Exception):
        raise df  # cancellation
    return got, df


def _add_df(res: HostResources, df: DockerDiskUsage | BaseException) -> HostResources:
    """The disk usage in ``res.docker_df``, or its failure as a section error (docker down is said once)."""
    if isinstance(df, DockerDiskUsage):
        res.docker_df = df
    elif res.docker_error is None:
        res.section_errors["docker_df"] = f"{type(df).__name__}: {df}"
    return res


async def host_resources(ctx: HostContext) -> HostResources:
    """The resources collector's answer; container stats through the engine when it can (CPU throttling
    included), else ``docker stats`` plus the cgroups' throttling counters of quota containers; Docker disk
    usage."""

    async def api(engine: EngineClient) -> HostResources:
        host_part, stats = await asyncio.gather(
            ctx.run(resources_argv(containers=False)), engine.container_stats(), return_exceptions=True
        )
        if isinstance(stats, EngineUnavailable):
            raise stats
        if isinstance(host_part, BaseException):
            raise host_part
        return _with_stats(parse_resources(host_part), stats)

    async def cli() -> HostResources:
        res, throttled = await asyncio.gather(ctx.collect(RESOURCES), _cli_throttling(ctx), return_exceptions=True)
        if isinstance(res, BaseException):
            raise res
        return _with_throttling(res, throttled)

    return _add_df(*await _with_df(ctx, _answer(ctx, api, cli)))


async def _cli_throttling(ctx: HostContext) -> dict[str, CpuThrottling]:
    """The CLI path's throttling counters: the compose containers' inspect (for quotas and PIDs), then their
    cgroups (:func:`cgroup_throttling`); nothing read when no running container has a CPU quota."""
    return await cgroup_throttling(ctx, await inspect_containers(ctx))


def _with_stats(res: HostResources, stats: list[ContainerResources] | BaseException) -> HostResources:
    """The engine's container samples added to the host part; an engine timeout is docker stats' error."""
    if isinstance(stats, EngineTimeout):
        res.docker_error = f"docker stats: {stats.message}"
    elif isinstance(stats, BaseException):
        raise stats
    else:
        res.containers = stats
    return res


def _cpu_quota(inspect: dict[str, Any]) -> bool:
    """The container runs under a CPU quota (``cpus:``/``--cpus``, or ``cpu_quota``): it can be throttled."""
    host = inspect.get("HostConfig") or {}
    return bool(host.get("NanoCpus")) or (host.get("CpuQuota") or 0) > 0


async def cgroup_throttling(ctx: HostContext, raw: list[dict[str, Any]]) -> dict[str, CpuThrottling]:
    """CPU throttling since each running container with a CPU quota started, from its cgroup's ``cpu.stat`` (the
    CLI path's answer; the Engine API reports the same counters): container id -> its counters.

    One ``grep`` reads the usual layouts and each container's ``/proc/<pid>/cgroup``; only for a container found
    in none of the layouts, a second one reads where its ``/proc/<pid>/cgroup`` says it lives.
    """
    asked: dict[str, list[str]] = {}
    pids: dict[int, str] = {}
    for c in raw:
        state = c.get("State") or {}
        if not _cpu_quota(c) or not state.get("Running"):
            continue
        cid, parent = str(c.get("Id", "")), (c.get("HostConfig") or {}).get("CgroupParent") or None
        try:
            asked[cid] = candidate_paths(cid, parent)
        except ValueError:
            with contextlib.suppress(ValueError):  # an odd parent: the usual layouts and /proc still answer
                asked[cid] = candidate_paths(cid)
        pid = state.get("Pid")
        if cid in asked and isinstance(pid, int) and pid > 0:
            pids[pid] = cid
    if not asked:
        return {}
    read = await ctx.collect(CGROUP_CPU, paths=[p for ps in asked.values() for p in ps]
                             + [f"/proc/{pid}/cgroup" for pid in pids])
    found = throttling_by_container(asked, read)
    more = {cid: [p for p in read.cgroups.get(pid, []) if p not in asked[cid]] for pid, cid in pids.items()
            if cid not in found}
    more = {cid: ps for cid, ps in more.items() if ps}
    if more:
        found |= throttling_by_container(more, await ctx.collect(CGROUP_CPU, paths=[p for ps in more.values()
                                                                                   for p in ps]))
    return found


def _with_throttling(res: HostResources, got: dict[str, CpuThrottling] | BaseException) -> HostResources:
    """The cgroup counters on the containers docker stats listed; their failure is a section error."""
    if isinstance(got, BaseException):
        if not isinstance(got, Exception):
            raise got  # cancellation
        res.section_errors["cpu_throttling"] = f"{type(got).__name__}: {got}"
        return res
    by_short = {cid[:12]: t for cid, t in got.items()}
    for cr in res.containers:
        t = by_short.get(cr.id[:12])
        if t is not None and cr.cpu_throttling is None:
            cr.cpu_throttling = t
    return res


async def diagnosis_inputs(
    ctx: HostContext, *, keep: list[dict[str, Any]] | None = None
) -> tuple[list[ContainerStatus], HostResources | None, str | None]:
    """Compose containers and host resources for a diagnosis; a resources failure is returned, not raised.

    ``keep``: a list that receives the raw inspect objects the statuses were read from (replacing its content).

    Through the engine, container stats are sampled once (no CPU %) and only for running containers
    with a memory limit or a CPU quota: the container figures the diagnosis rules use (memory against the limit,
    CPU throttling since the container started).
    The host part (disks, memory, load) runs meanwhile. The CLI path runs both collectors in full and, for
    running containers with a CPU quota, reads their cgroups' ``cpu.stat`` (:func:`cgroup_throttling`).
    """

    async def api(engine: EngineClient) -> tuple[list[ContainerStatus], HostResources | None, str | None]:
        host_task = asyncio.ensure_future(ctx.run(resources_argv(containers=False)))
        try:
            raw = await engine.inspect_containers(include_all=True)
        except BaseException:
            host_task.cancel()
            with contextlib.suppress(BaseException):
                await host_task
            raise
        statuses = [container_from_inspect(c) for c in raw]
        if keep is not None:
            keep[:] = raw
        quota = {str(c.get("Id", ""))[:12] for c in raw if _cpu_quota(c)}
        limited = [c.id for c in statuses if c.state is ContainerState.RUNNING and (c.mem_limit or c.id[:12] in quota)]
        compose = [s for s in statuses if s.project is not None]  # the compose-project label
        stats, host_part = await asyncio.gather(
            engine.container_stats(limited, one_shot=True), host_task, return_exceptions=True
        )
        if isinstance(stats, EngineUnavailable):
            raise stats
        try:
            if isinstance(host_part, BaseException):
                raise host_part
            res = parse_resources(host_part)
        except Exception as exc:  # the status answer stands without resources
            return compose, None, f"{type(exc).__name__}: {exc}"
        return compose, _with_stats(res, stats), None

    async def cli() -> tuple[list[ContainerStatus], HostResources | None, str | None]:
        res_task = asyncio.ensure_future(ctx.collect(RESOURCES))
        try:
            raw = await inspect_containers(ctx)
        except BaseException:
            res_task.cancel()
            with contextlib.suppress(BaseException):
                await res_task
            raise
        if keep is not None:
            keep[:] = raw
        containers = [container_from_inspect(c) for c in raw]
        throttled, res = await asyncio.gather(cgroup_throttling(ctx, raw), res_task, return_exceptions=True)
        if isinstance(res, BaseException):
            if not isinstance(res, Exception):
                raise res
            return containers, None, f"{type(res).__name__}: {res}"
        return containers, _with_throttling(res, throttled), None

    (containers, res, err), df = await _with_df(ctx, _answer(ctx, api, cli))
    return containers, None if res is None else _add_df(res, df), err


__all__ = [
    "EngineState",
    "cgroup_throttling",
    "container_status",
    "diagnosis_inputs",
    "docker_disk_usage",
    "engine_failed",
    "engine_for",
    "engine_state",
    "host_resources",
    "inspect_containers",
]
