"""One long-lived ``GET /events`` on a host's engine socket: the answer's chunks read as they come.

Docker answers ``/events`` without ``until`` with its headers at once (the handler flushes them) and then
one JSON object per event, each followed by a newline, in a chunked body that never ends while the stream
lives. ``since`` makes the engine first replay what it still holds from that time on (inclusive: the event
at exactly ``since`` comes again, so the reader dedupes). httptools parses the framing, as for every other
Engine API answer (:mod:`dozor.engine.http`); this module only adds the incremental body.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import urllib.parse
from collections import deque
from collections.abc import Sequence
from typing import Any

import httptools

from dozor.collectors.status import LABEL_PROJECT
from dozor.engine.http import request_bytes
from dozor.engine.queries import error_message
from dozor.errors import EngineRefused, EngineTimeout, EngineUnavailable
from dozor.transport.base import StreamReader, StreamWriter, UnixSocketTransport
from dozor.transport.errors import UnixSocketUnavailable

WATCHED_ACTIONS = ("create", "start", "die", "oom", "restart", "destroy", "health_status", "pause", "unpause",
                   "rename", "update")
"""Container actions that change what a status answer shows. ``kill`` and ``stop`` are always followed by ``die``;
``exec_*`` (every healthcheck run) is left out on purpose: on a host with healthchecks it is most of the traffic."""

MAX_LINE = 1 << 20
"""Longest event line accepted (an event is ~1 KB; its labels are the only part that grows)."""

_READ = 65536


def nano_text(nano: int) -> str:
    """A ``timeNano`` as the ``since``/``until`` value the engine reads: ``SECONDS.NANOSECONDS``."""
    return f"{nano // 1_000_000_000}.{nano % 1_000_000_000:09d}"


def events_target(since_nano: int | None, *, actions: Sequence[str] = WATCHED_ACTIONS) -> str:
    """``GET /events?since=…&filters=…``: compose containers' state changes, from ``since_nano`` on (None: now)."""
    filters = {"type": ["container"], "label": [LABEL_PROJECT], "event": list(actions)}
    query = "filters=" + urllib.parse.quote(json.dumps(filters, separators=(",", ":")), safe="")
    if since_nano is not None:
        query = f"since={nano_text(since_nano)}&{query}"
    return "/events?" + query


class _Parser:
    """llhttp callbacks: the status once the headers are in, body bytes as they arrive, the end."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.status = 0
        self.headers_done = False
        self.ended = False
        self.body: deque[bytes] = deque()

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.headers_done = True

    def on_body(self, data: bytes) -> None:
        self.body.append(bytes(data))

    def on_message_complete(self) -> None:
        self.ended = True


class EventStream:
    """A ``/events`` answer being read: :meth:`open` waits for the headers, :meth:`next` gives decoded events.

    Every failure is ``EngineUnavailable`` (``EngineRefused`` for an HTTP error status): the stream is over.
    """

    def __init__(self, reader: StreamReader, writer: StreamWriter, *, max_line: int = MAX_LINE) -> None:
        self.reader = reader
        self.writer = writer
        self.max_line = max_line
        self._http = _Parser()
        self._pending = b""
        self._error_body = b""

    @classmethod
    async def open(cls, transport: UnixSocketTransport, socket: str, target: str, *, timeout: float,
                   max_line: int = MAX_LINE) -> EventStream:
        """Open a stream to ``socket``, send ``target`` and wait (at most ``timeout``) for a 200's headers."""
        try:
            reader, writer = await asyncio.wait_for(transport.open_unix(socket), timeout)
        except UnixSocketUnavailable as exc:
            raise EngineUnavailable(exc.message) from exc
        except TimeoutError as exc:
            raise EngineTimeout(f"no stream to the engine socket {socket} within {timeout:g}s") from exc
        stream = cls(reader, writer, max_line=max_line)
        try:
            writer.write(request_bytes(target, close=True))
            await asyncio.wait_for(stream._headers(), timeout)
        except TimeoutError as exc:
            stream.close()
            raise EngineTimeout(f"the engine at {socket} sent no event stream headers within {timeout:g}s") from exc
        except BaseException:
            stream.close()
            raise
        return stream

    async def _feed(self) -> None:
        try:
            data = await self.reader.read(_READ)
        except (OSError, EOFError) as exc:
            raise EngineUnavailable(f"event stream lost: {exc or type(exc).__name__}") from exc
        except Exception as exc:  # the SSH library's own connection errors
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise EngineUnavailable(f"event stream lost: {type(exc).__name__}: {exc}") from exc
        if not data:
            raise EngineUnavailable("the engine ended the event stream")
        try:
            self._http.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            raise EngineUnavailable(f"bad HTTP in the event stream: {exc}") from exc

    async def _headers(self) -> None:
        while not self._http.headers_done:
            await self._feed()
        if self._http.status != 200:
            while not self._http.ended and sum(map(len, self._http.body)) < 4096:
                with contextlib.suppress(EngineUnavailable):
                    await self._feed()
                    continue
                break
            body = b"".join(self._http.body)
            raise EngineRefused(f"engine answered /events: {error_message(self._http.status, body)}",
                                self._http.status)

    async def next(self) -> list[dict[str, Any]]:
        """The next events (at least one), decoded; blocks until the engine sends one."""
        while True:
            out = self._lines()
            if out:
                return out
            if self._http.ended:
                raise EngineUnavailable("the engine ended the event stream")
            await self._feed()

    def _lines(self) -> list[dict[str, Any]]:
        body = self._http.body
        if not body:
            return []
        data = self._pending + b"".join(body)
        body.clear()
        *complete, self._pending = data.split(b"\n")
        if len(self._pending) > self.max_line:
            raise EngineUnavailable(f"an event line passed {self.max_line} bytes")
        out = []
        for line in complete:
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except ValueError as exc:
                raise EngineUnavailable(f"the event stream sent a line that is not JSON: {line[:80]!r}") from exc
            if isinstance(obj, dict):
                out.append(obj)
        return out

    def close(self) -> None:
        """Close the stream (the engine drops the subscription; over SSH the channel closes)."""
        with contextlib.suppress(Exception):
            self.writer.close()


__all__ = ["MAX_LINE", "WATCHED_ACTIONS", "EventStream", "events_target", "nano_text"]
