"""The parallel runner: ordering, per-host and fleet deadlines, failures as data (function transport)."""

from __future__ import annotations

import asyncio
import time

from dozor.collectors.base import DockerUnavailable
from dozor.inventory.models import Inventory
from dozor.outcome import HostStatus
from dozor.runner.fanout import HostContext, Refused, run_on_hosts
from dozor.transport.base import CommandResult
from dozor.transport.errors import AuthFailed, HostUnreachable
from dozor.transport.function import FunctionTransport


def _inv(n: int, host_timeout: float = 5.0) -> Inventory:
    return Inventory.model_validate(
        {
            "defaults": {"timeouts": {"host": host_timeout, "command": min(1.0, host_timeout / 3)}},
            "hosts": {f"h{i}": {"address": f"10.0.0.{i}"} for i in range(n)},
        }
    )


def _echo(argv: list[str]) -> CommandResult:
    return CommandResult(argv=argv, exit_status=0, stdout=" ".join(argv))


async def test_results_in_host_order_and_parallel() -> None:
    inv = _inv(20)
    hosts = [inv.resolve(n) for n in inv.hosts]

    async def slow(argv: list[str]) -> CommandResult:
        await asyncio.sleep(0.2)
        return _echo(argv)

    started = time.monotonic()
    results = await run_on_hosts(
        hosts, lambda ctx: ctx.run(["echo", ctx.host.name]), transport_for=lambda h: FunctionTransport(slow)
    )
    assert time.monotonic() - started < 3.0  # 20 × 0.2 s in parallel, not 4 s in series
    assert [r.host for r in results] == [h.name for h in hosts]
    assert all(r.ok and r.data.stdout == f"echo {r.host}" for r in results)


async def test_concurrency_limit_is_respected() -> None:
    inv = _inv(10)
    hosts = [inv.resolve(n) for n in inv.hosts]
    running = peak = 0

    async def op(ctx: HostContext) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.05)
        running -= 1

    await run_on_hosts(hosts, op, transport_for=lambda h: FunctionTransport(_echo), concurrency=3)
    assert peak == 3


async def test_failures_become_statuses() -> None:
    inv = _inv(6, host_timeout=0.3)
    hosts = [inv.resolve(n) for n in inv.hosts]

    async def op(ctx: HostContext) -> str:
        name = ctx.host.name
        if name == "h0":
            raise HostUnreachable("connection refused")
        if name == "h1":
            raise AuthFailed("bad key")
        if name == "h2":
            raise DockerUnavailable("Docker daemon not reachable")
        if name == "h3":
            raise Refused("host is read-only")
        if name == "h4":
            await asyncio.sleep(10)  # past the host deadline
        if name == "h5":
            await ctx.run(["sleep"])  # the function transport hangs; the command timeout fires
        return "unreachable"

    async def hang(argv: list[str]) -> CommandResult:
        await asyncio.sleep(10)
        raise AssertionError

    results = {r.host: r for r in await run_on_hosts(hosts, op, transport_for=lambda h: FunctionTransport(hang))}
    assert results["h0"].status is HostStatus.UNREACHABLE and results["h0"].reason == "connection refused"
    assert results["h1"].status is HostStatus.AUTH_FAILED
    assert results["h2"].status is HostStatus.DOCKER_UNAVAILABLE
    assert results["h3"].status is HostStatus.REFUSED
    assert results["h4"].status is HostStatus.TIMEOUT and "host deadline" in results["h4"].reason
    assert results["h5"].status is HostStatus.TIMEOUT and "command timeout" in results["h5"].reason


async def test_fleet_deadline_reports_unfinished_hosts() -> None:
    inv = _inv(3, host_timeout=30)
    hosts = [inv.resolve(n) for n in inv.hosts]

    async def op(ctx: HostContext) -> str:
        if ctx.host.name == "h1":
            await asyncio.sleep(30)
        return "ok"

    started = time.monotonic()
    results = await run_on_hosts(hosts, op, transport_for=lambda h: FunctionTransport(_echo), fleet_timeout=0.3)
    assert time.monotonic() - started < 10  # the fleet deadline cut the 30 s host short
    assert [r.status for r in results] == [HostStatus.OK, HostStatus.TIMEOUT, HostStatus.OK]
    assert "fleet deadline" in results[1].reason


async def test_progress_callback_counts_every_host() -> None:
    inv = _inv(4)
    hosts = [inv.resolve(n) for n in inv.hosts]
    seen: list[tuple[int, int]] = []

    async def progress(done: int, total: int, host: str) -> None:
        seen.append((done, total))

    await run_on_hosts(
        hosts, lambda ctx: ctx.run(["true"]), transport_for=lambda h: FunctionTransport(_echo), progress=progress
    )
    assert sorted(seen) == [(1, 4), (2, 4), (3, 4), (4, 4)]
