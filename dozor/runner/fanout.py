"""Fan one operation out to many hosts; every host's outcome comes back as data."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from dozor.collectors.base import Collector
from dozor.errors import CommandTimeout, Refused, outcome_status
from dozor.inventory.models import ResolvedHost
from dozor.outcome import HostResult, HostStatus
from dozor.transport.base import CommandResult, Transport
from dozor.transport.fdlimit import ensure_fd_budget

__all__ = ["CommandTimeout", "HostContext", "Progress", "Refused", "run_on_hosts"]

T = TypeVar("T")

Progress = Callable[[int, int, str], Awaitable[None] | None]


@dataclass
class HostContext:
    """What an operation gets for one host: its settings and its transport."""

    host: ResolvedHost
    transport: Transport

    async def run(
        self, argv: Sequence[str], *, timeout: float | None = None, stdin: str | None = None
    ) -> CommandResult:
        """Run argv with the host's command timeout; a timeout raises ``CommandTimeout``."""
        limit = timeout if timeout is not None else self.host.timeouts.command
        result = await self.transport.run(argv, timeout=limit, stdin=stdin)
        if result.timed_out:
            raise CommandTimeout(
                f"command {argv[0]!r} ended after {limit:g}s (command timeout); "
                f"{len(result.stdout)} bytes of partial output kept",
                result,
            )
        return result

    async def collect(self, collector: Collector[T], /, **params: Any) -> T:
        """Run a collector's argv and parse its output."""
        return collector.parse(await self.run(collector.argv(**params)))


def _outcome(host: str, exc: BaseException, started: float) -> HostResult[Any]:
    """The failure as data; its reason is redacted (errors may quote argv or output holding secrets)."""
    from dozor.security.redact import redact

    result = _raw_outcome(host, exc, started)
    return result.model_copy(update={"reason": redact(result.reason)})


def _raw_outcome(host: str, exc: BaseException, started: float) -> HostResult[Any]:
    """The status comes from the exception's type (``dozor.errors``); anything else is an unexpected error."""
    elapsed = time.monotonic() - started
    status = outcome_status(exc)
    if status is None:
        return HostResult(host=host, status=HostStatus.ERROR, reason=f"{type(exc).__name__}: {exc}", duration=elapsed)
    return HostResult(host=host, status=status, reason=str(exc), duration=elapsed)


async def run_on_hosts(
    hosts: Sequence[ResolvedHost],
    operation: Callable[[HostContext], Awaitable[T]],
    *,
    transport_for: Callable[[ResolvedHost], Transport],
    concurrency: int = 50,
    fleet_timeout: float | None = None,
    progress: Progress | None = None,
) -> list[HostResult[T]]:
    """Run ``operation`` on every host at once (bounded by ``concurrency``).

    Each host gets its own deadline (``timeouts.host``); the whole call gets ``fleet_timeout``.
    No host's failure raises out of here: failures, timeouts and refusals are ``HostResult`` statuses.
    Results come back in the order of ``hosts``. Before any host is asked, the process must be able to hold a
    connection per host (:func:`~dozor.transport.fdlimit.ensure_fd_budget`, which raises its soft file limit
    when it can): else ``FileLimitTooLow`` is raised and nothing runs.
    """
    if hosts:
        ensure_fd_budget(hosts, concurrency)
    gate = asyncio.Semaphore(concurrency)
    done = 0
    total = len(hosts)
    results: dict[str, HostResult[T]] = {}

    async def one(host: ResolvedHost) -> None:
        nonlocal done
        async with gate:
            started = time.monotonic()
            try:
                ctx = HostContext(host, transport_for(host))
                data = await asyncio.wait_for(operation(ctx), host.timeouts.host)
                results[host.name] = HostResult(
                    host=host.name, status=HostStatus.OK, data=data, duration=time.monotonic() - started
                )
            except TimeoutError:
                results[host.name] = HostResult(
                    host=host.name,
                    status=HostStatus.TIMEOUT,
                    reason=f"host deadline of {host.timeouts.host:g}s passed",
                    duration=time.monotonic() - started,
                )
            except Exception as exc:  # every failure becomes data
                results[host.name] = _outcome(host.name, exc, started)
        done += 1
        if progress is not None:
            r = progress(done, total, host.name)
            if asyncio.iscoroutine(r):
                await r

    started = time.monotonic()
    tasks = [asyncio.create_task(one(h)) for h in hosts]
    if tasks:
        _, pending = await asyncio.wait(tasks, timeout=fleet_timeout)
        for t in pending:
            t.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
    for h in hosts:
        if h.name not in results:
            results[h.name] = HostResult(
                host=h.name,
                status=HostStatus.TIMEOUT,
                reason=f"fleet deadline of {fleet_timeout:g}s passed before this host finished",
                duration=time.monotonic() - started,
            )
    return [results[h.name] for h in hosts]
