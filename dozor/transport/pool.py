"""One transport per host, kept for the life of the process (the MCP server keeps it for hours)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from dozor.inventory.models import ResolvedHost
from dozor.transport.base import Transport
from dozor.transport.hostkeys import KnownHostsStore
from dozor.transport.local import LocalTransport
from dozor.transport.ssh import SSHTransport, _KeyCache

TransportFactory = Callable[[ResolvedHost], Transport]


class TransportPool:
    """Hands out the same transport for the same host; closes them all at the end.

    ``factory`` replaces how transports are made (tests pass a function-backed fake).
    """

    def __init__(self, factory: TransportFactory | None = None) -> None:
        self._known_hosts = KnownHostsStore()
        self._keys = _KeyCache()
        self._factory = factory or self._default_factory
        self._transports: dict[str, tuple[ResolvedHost, Transport]] = {}
        self._retiring: set[asyncio.Task[None]] = set()

    def _default_factory(self, host: ResolvedHost) -> Transport:
        if host.is_local:
            return LocalTransport()
        return SSHTransport(host, known_hosts=self._known_hosts, keys=self._keys)

    def get(self, host: ResolvedHost) -> Transport:
        """The pooled transport for ``host`` (a changed host definition gets a new one)."""
        cached = self._transports.get(host.name)
        if cached is not None and cached[0] == host:
            return cached[1]
        transport = self._factory(host)
        if cached is not None:
            # The definition changed (inventory reload): retire the old transport in the background.
            task = asyncio.ensure_future(cached[1].close())
            self._retiring.add(task)
            task.add_done_callback(self._retiring.discard)
        self._transports[host.name] = (host, transport)
        return transport

    def stats(self) -> dict[str, dict[str, int]]:
        """Connections, exec channels and unix-socket streams opened per SSH host, for benchmarks and tests."""
        out = {}
        for name, (_, t) in self._transports.items():
            if isinstance(t, SSHTransport):
                out[name] = {"connects": t.connects, "channels": t.channels_opened, "streams": t.streams_opened}
        return out

    async def close(self) -> None:
        """Close every transport."""
        transports = [t for _, t in self._transports.values()]
        self._transports.clear()
        await asyncio.gather(*(t.close() for t in transports), return_exceptions=True)
