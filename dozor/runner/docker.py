"""Docker questions answered by the Engine API when the host allows it, else by the docker CLI.

Per host (per pooled transport) the engine's socket is found once — from the inventory's
``docker_host`` or by asking the login environment (``dozor.engine.endpoint``) — and every later
question goes straight to the socket: over SSH a direct-streamlocal channel, no remote process.
When the socket cannot be opened (forwarding disabled, permissions, a tcp:// engine) the CLI
collectors answer instead, and they explain any real failure (daemon down, socket denied); that
choice is remembered for ``retry_after`` seconds.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from dozor.collectors.resources import RESOURCES, HostResources, parse_resources, resources_argv
from dozor.collectors.status import ContainerStatus, container_from_inspect, inspect_objects, status_argv
from dozor.engine.client import EngineClient, EngineTimeout, EngineUnavailable
from dozor.engine.endpoint import LOCATE, EngineEndpoint, endpoint_from
from dozor.runner.fanout import HostContext
from dozor.transport.base import UnixSocketTransport

LOCATE_TIMEOUT = 10.0


@dataclass
class EngineState:
    """What is known about one transport's engine."""

    endpoint: EngineEndpoint | None = None
    checked_at: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


_STATES: weakref.WeakKeyDictionary[Any, EngineState] = weakref.WeakKeyDictionary()


def engine_state(ctx: HostContext) -> EngineState:
    """The engine state kept for this host's transport (created empty)."""
    state = _STATES.get(ctx.transport)
    if state is None:
        state = _STATES[ctx.transport] = EngineState()
    return state


async def engine_for(ctx: HostContext) -> EngineClient | None:
    """An ``EngineClient`` for the host, or None when the docker CLI must answer."""
    if not ctx.host.engine_api or not isinstance(ctx.transport, UnixSocketTransport):
        return None
    state = engine_state(ctx)
    fresh = state.endpoint is not None and (
        state.endpoint.socket is not None or time.monotonic() - state.checked_at < ctx.host.retry_after
    )
    if not fresh:
        async with state.lock:
            if state.endpoint is None or state.endpoint.socket is None:
                if ctx.host.docker_host:
                    state.endpoint = endpoint_from(ctx.host.docker_host)
                else:
                    state.endpoint = LOCATE.parse(await ctx.run(LOCATE.argv(), timeout=LOCATE_TIMEOUT))
                state.checked_at = time.monotonic()
    endpoint = state.endpoint
    if endpoint is None or endpoint.socket is None:
        return None
    return EngineClient(ctx.transport, endpoint.socket, timeout=ctx.host.timeouts.command)


def engine_failed(ctx: HostContext, reason: str) -> None:
    """The socket did not serve: use the CLI on this host for ``retry_after`` seconds."""
    state = engine_state(ctx)
    state.endpoint = EngineEndpoint(socket=None, reason=reason)
    state.checked_at = time.monotonic()


async def inspect_containers(ctx: HostContext, *, include_all: bool = False) -> list[dict[str, Any]]:
    """``docker inspect`` of the compose containers (``include_all``: every container), as raw objects."""
    engine = await engine_for(ctx)
    if engine is not None:
        try:
            return await engine.inspect_containers(include_all=include_all)
        except EngineUnavailable as exc:
            engine_failed(ctx, str(exc))
    return inspect_objects(await ctx.run(status_argv(include_all)))


async def container_status(ctx: HostContext) -> list[ContainerStatus]:
    """The status collector's answer: every compose container's state, health, restarts, OOM, ports."""
    return [container_from_inspect(c) for c in await inspect_containers(ctx)]


async def host_resources(ctx: HostContext) -> HostResources:
    """The resources collector's answer; container stats through the engine when it can."""
    engine = await engine_for(ctx)
    if engine is None:
        return await ctx.collect(RESOURCES)
    host_part, stats = await asyncio.gather(
        ctx.run(resources_argv(containers=False)), engine.container_stats(), return_exceptions=True
    )
    if isinstance(stats, EngineUnavailable):
        engine_failed(ctx, str(stats))
        return await ctx.collect(RESOURCES)
    if isinstance(host_part, BaseException):
        raise host_part
    res = parse_resources(host_part)
    if isinstance(stats, EngineTimeout):
        res.docker_error = f"docker stats: {stats.message}"
    elif isinstance(stats, BaseException):
        raise stats
    else:
        res.containers = stats
    return res


__all__ = [
    "EngineState",
    "container_status",
    "engine_failed",
    "engine_for",
    "engine_state",
    "host_resources",
    "inspect_containers",
]
