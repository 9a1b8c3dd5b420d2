"""``EngineClient``: dozor's Docker questions asked through the engine's unix socket on a host."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Sequence
from typing import Any

from dozor.collectors.resources import ContainerResources
from dozor.engine import queries
from dozor.engine.http import HTTPError, HTTPResponse, HTTPStream
from dozor.errors import EngineRefused, EngineTimeout, EngineUnavailable  # re-exported: defined with the other errors
from dozor.transport.base import DEFAULT_MAX_OUTPUT, UnixSocketTransport
from dozor.transport.errors import UnixSocketUnavailable

STATS_STREAMS = 8


def answer_json(resp: HTTPResponse) -> Any:
    """The JSON of a 2xx engine answer; ``EngineRefused`` (with the status) for an HTTP error from a working
    engine, ``EngineUnavailable`` for an answer that is not JSON."""
    if not resp.ok:
        raise EngineRefused(f"engine answered {resp.target}: {queries.error_message(resp.status, resp.body)}",
                            resp.status)
    try:
        return json.loads(resp.body)
    except ValueError as exc:
        raise EngineUnavailable(f"engine answer to {resp.target} is not JSON") from exc


class EngineClient:
    """Asks one host's engine over ``transport.open_unix(socket)``; every exchange has ``timeout``."""

    def __init__(
        self,
        transport: UnixSocketTransport,
        socket: str,
        *,
        timeout: float,
        max_bytes: int = DEFAULT_MAX_OUTPUT,
        stats_streams: int = STATS_STREAMS,
    ) -> None:
        self.transport = transport
        self.socket = socket
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.stats_streams = stats_streams

    async def exchange(self, *batches: Sequence[str] | Callable[[list[HTTPResponse]], Sequence[str]]
                       ) -> list[HTTPResponse]:
        """GET batches of targets, each pipelined, one after the other on ONE new stream.

        A batch may be a function of the answers so far (list, then inspect what was listed).
        ``EngineUnavailable`` when the socket cannot be opened or does not speak HTTP;
        ``EngineTimeout`` past the command timeout.
        """
        try:
            return await asyncio.wait_for(self._exchange(batches), self.timeout)
        except TimeoutError as exc:
            raise EngineTimeout(
                f"the Docker engine at {self.socket} did not answer within {self.timeout:g}s (command timeout)"
            ) from exc

    async def _exchange(self, batches: Sequence[Any]) -> list[HTTPResponse]:
        try:
            reader, writer = await self.transport.open_unix(self.socket)
        except UnixSocketUnavailable as exc:
            raise EngineUnavailable(exc.message) from exc
        stream = HTTPStream(reader, writer, max_bytes=self.max_bytes)
        answers: list[HTTPResponse] = []
        try:
            for i, batch in enumerate(batches):
                targets = batch(answers) if callable(batch) else batch
                answers += await stream.get(targets, last=i == len(batches) - 1)
            return answers
        except (HTTPError, ConnectionError) as exc:
            raise EngineUnavailable(f"engine socket {self.socket}: {exc}") from exc
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def get_json(self, target: str) -> Any:
        """One GET whose answer must be 2xx JSON (else ``EngineRefused``)."""
        (resp,) = await self.exchange([target])
        return self._json(resp)

    async def get_json_many(self, *targets: str) -> list[Any]:
        """Several GETs pipelined on one stream, each answer 2xx JSON (else ``EngineRefused``)."""
        return [self._json(resp) for resp in await self.exchange(list(targets))]

    def _json(self, resp: HTTPResponse) -> Any:
        return answer_json(resp)

    async def inspect_containers(self, *, include_all: bool = False) -> list[dict[str, Any]]:
        """What ``docker inspect $(docker ps -aq --filter label=…)`` prints: list, then every inspect pipelined.

        A container removed between the two steps (404) is left out, as the CLI path does.
        """
        def inspect_listed(answers: list[HTTPResponse]) -> list[str]:
            try:
                return [queries.inspect_target(i) for i in queries.listed_ids(self._json(answers[0]))]
            except ValueError as exc:
                raise EngineUnavailable(str(exc)) from exc

        listing, *inspected = await self.exchange([queries.list_target(include_all=include_all)], inspect_listed)
        self._json(listing)
        return [self._json(a) for a in inspected if a.status != 404]

    async def container_stats(
        self, ids: Sequence[str] | None = None, *, one_shot: bool = False
    ) -> list[ContainerResources]:
        """``docker stats --no-stream``: every running container (or ``ids``), one sample each, in parallel.

        ``one_shot``: memory, PIDs and I/O from a single sample (faster; CPU % unknown).
        A container that stopped meanwhile is left out.
        """
        if ids is None:
            try:
                listing = await self.get_json(queries.list_target(include_all=True, running_only=True))
                ids = queries.listed_ids(listing)
            except ValueError as exc:
                raise EngineUnavailable(str(exc)) from exc
        gate = asyncio.Semaphore(self.stats_streams)

        async def one(cid: str) -> ContainerResources | None:
            async with gate:
                (resp,) = await self.exchange([queries.stats_target(cid, one_shot=one_shot)])
            if resp.status in (404, 409):
                return None
            return queries.parse_stats(self._json(resp), cpu_known=not one_shot)

        found = await asyncio.gather(*(one(i) for i in ids))
        return [r for r in found if r is not None]
