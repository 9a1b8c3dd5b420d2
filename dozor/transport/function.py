"""A transport backed by a plain function, for unit tests of code above the transport seam.

    def handler(argv: list[str]) -> CommandResult: ...
    fleet = Fleet(inventory, transport_factory=lambda host: FunctionTransport(handler))

Not a stand-in for Docker or SSH in integration tests: those run against real engines and sshd.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Sequence

from dozor.transport.base import DEFAULT_COMMAND_TIMEOUT, CommandResult

Handler = Callable[[list[str]], CommandResult | Awaitable[CommandResult]]


class FunctionTransport:
    """Calls ``handler(argv)`` for every command; honours ``timeout`` like a real transport."""

    def __init__(self, handler: Handler, label: str = "function") -> None:
        self.handler = handler
        self._label = label
        self.calls: list[list[str]] = []

    @property
    def label(self) -> str:
        """The label given at construction."""
        return self._label

    async def run(
        self,
        argv: Sequence[str],
        *,
        timeout: float | None = DEFAULT_COMMAND_TIMEOUT,
        stdin: str | None = None,
    ) -> CommandResult:
        """Record the call and return what the handler returns (a timeout gives ``timed_out``)."""
        args = [str(a) for a in argv]
        self.calls.append(args)

        async def call() -> CommandResult:
            r = self.handler(args)
            return await r if inspect.isawaitable(r) else r

        try:
            return await asyncio.wait_for(call(), timeout)
        except TimeoutError:
            return CommandResult(argv=args, exit_status=None, timed_out=True)

    async def close(self) -> None:
        """Nothing to release."""
