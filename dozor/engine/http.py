"""HTTP/1.1 over a byte stream, the way the Docker Engine API speaks it on its unix socket.

Requests are pipelined: every request is written at once and the answers are read back in order,
so asking for twenty containers costs one round trip on one stream. h11 does the parsing
(chunked bodies, keep-alive, framing errors); this module only drives it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import h11

from dozor.transport.base import StreamReader, StreamWriter

_HEADERS = [("Host", "docker"), ("User-Agent", "dozor")]
_CLOSE_HEADERS = [*_HEADERS, ("Connection", "close")]
_HEAD = "".join(f"{k}: {v}\r\n" for k, v in _HEADERS)
_CLOSE_HEAD = "".join(f"{k}: {v}\r\n" for k, v in _CLOSE_HEADERS)
_READ = 65536


class HTTPError(Exception):
    """The stream ended early or the answer is not HTTP."""


class BodyTooLarge(HTTPError):
    """The answers went past the byte cap."""


@dataclass(frozen=True)
class HTTPResponse:
    """One answer: status code and the whole body."""

    target: str
    status: int
    body: bytes

    @property
    def ok(self) -> bool:
        """2xx."""
        return 200 <= self.status < 300


def request_bytes(target: str, *, close: bool) -> bytes:
    """One GET request with dozor's fixed headers (``close`` asks the engine to end the stream after it).

    Written directly: method and headers are constants and targets are built by ``dozor.engine.queries``
    (percent-quoted); h11 still checks each request when it is sent (``HTTPStream``), and answers.
    """
    if not target.startswith("/") or any(c in target for c in " \r\n"):
        raise ValueError(f"not a request target: {target!r}")
    return f"GET {target} HTTP/1.1\r\n{_CLOSE_HEAD if close else _HEAD}\r\n".encode()


class HTTPStream:
    """Keep-alive HTTP/1.1 on one stream: batches of pipelined GETs, answers in request order."""

    def __init__(self, reader: StreamReader, writer: StreamWriter, *, max_bytes: int) -> None:
        self.reader = reader
        self.writer = writer
        self.max_bytes = max_bytes
        self._conn = h11.Connection(h11.CLIENT)
        self._total = 0
        self._eof = False
        self._closing = False

    async def get(self, targets: Sequence[str], *, last: bool = False) -> list[HTTPResponse]:
        """Write every GET at once, then read the answers; ``last`` asks the engine to close afterwards."""
        if not targets:
            return []
        if self._closing:
            raise HTTPError("the stream was already closed")
        n = len(targets)
        self.writer.write(b"".join(request_bytes(t, close=last and i == n - 1) for i, t in enumerate(targets)))
        out = []
        for i, target in enumerate(targets):
            close = last and i == n - 1
            # Keep h11's view of our side in step with what was already written (and let it check the request).
            self._conn.send(h11.Request(method="GET", target=target, headers=_CLOSE_HEADERS if close else _HEADERS))
            self._conn.send(h11.EndOfMessage())
            out.append(await self._answer(target))
            if close:
                self._closing = True
            else:
                try:
                    self._conn.start_next_cycle()
                except h11.LocalProtocolError as exc:  # the engine chose to close after this answer
                    raise HTTPError(f"the engine closed the stream after {target}") from exc
        return out

    async def _answer(self, target: str) -> HTTPResponse:
        status = 0
        body = bytearray()
        while True:
            try:
                event = self._conn.next_event()
            except h11.RemoteProtocolError as exc:
                raise HTTPError(f"bad HTTP from the engine for {target}: {exc}") from exc
            if event is h11.NEED_DATA:
                if self._eof:
                    raise HTTPError(f"the engine closed the stream before answering {target}")
                data = await self.reader.read(_READ)
                self._eof = not data
                self._total += len(data)
                if self._total > self.max_bytes:
                    raise BodyTooLarge(f"engine answers passed {self.max_bytes} bytes")
                self._conn.receive_data(data)  # b"" tells h11 about the end; it decides if that is a cut
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                return HTTPResponse(target=target, status=status, body=bytes(body))
            elif isinstance(event, h11.ConnectionClosed):
                raise HTTPError(f"the engine closed the stream before answering {target}")
