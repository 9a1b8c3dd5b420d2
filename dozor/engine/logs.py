"""Container log tails through the Engine API: the request, and a pure decoder for its answer.

``GET /containers/{id}/logs?stdout=1&stderr=1&timestamps=1&tail=N[&since=T]`` answers with the log as
the engine stores it. A container WITHOUT a TTY answers in the multiplexed stream format: frames of an
8-byte header (stream type: 0 stdin, 1 stdout, 2 stderr, 3 engine error; three zero bytes; a big-endian
uint32 payload length) and the payload. A container WITH a TTY (``Config.Tty``) answers raw text: one
stream, no headers. Every line starts with the RFC 3339 timestamp ``timestamps=1`` asked for, exactly as
``docker logs --timestamps`` prints it, so lines go through the same parser as the CLI path's.

A message the log driver split (lines over 16 KiB) arrives as several frames, only the last ending with a
newline: frames are joined per stream until a newline ends the line.
"""

from __future__ import annotations

import struct
import urllib.parse
from dataclasses import dataclass, field

STREAMS = {0: "stdin", 1: "stdout", 2: "stderr", 3: "system"}
_HEADER = struct.Struct(">BxxxI")


def logs_target(container_id: str, *, tail: int, since: int | None = None) -> str:
    """The logs request of one container: both streams, timestamps, the last ``tail`` lines
    (newer than the unix time ``since`` when given)."""
    if isinstance(tail, bool) or not isinstance(tail, int) or tail < 1:
        raise ValueError("tail must be a positive integer")
    query = f"stdout=1&stderr=1&timestamps=1&tail={tail}"
    if since is not None:
        query += f"&since={int(since)}"
    return f"/containers/{urllib.parse.quote(container_id, safe='')}/logs?{query}"


@dataclass
class DecodedLog:
    """The lines of one logs answer, in order, each with the stream it came from (None with a TTY)."""

    lines: list[tuple[str | None, str]] = field(default_factory=list)
    cut: bool = False  # the body ended inside a frame (a truncated answer)
    framed: bool = True  # False: read as raw text (TTY, or not a valid frame stream)


def looks_multiplexed(body: bytes) -> bool:
    """True when ``body`` starts with a plausible frame header (known stream, three zero bytes)."""
    return len(body) >= 8 and body[0] in STREAMS and body[1:4] == b"\x00\x00\x00"


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").rstrip("\r")


def _raw_lines(body: bytes) -> list[tuple[str | None, str]]:
    parts = body.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    return [(None, _text(p)) for p in parts]


def decode_logs(body: bytes, *, tty: bool) -> DecodedLog:
    """Split one logs answer into lines. ``tty``: the container's ``Config.Tty`` (raw text answer).

    A non-TTY body that does not start like a frame stream (an engine that sent raw text anyway) is read
    as raw text rather than misread as frames.
    """
    if not body:
        return DecodedLog()
    if tty or not looks_multiplexed(body):
        return DecodedLog(lines=_raw_lines(body), framed=False)
    out = DecodedLog()
    pending: dict[int, list[bytes]] = {}
    order: list[int] = []  # streams with an unfinished line, in the order they began
    pos, end = 0, len(body)
    while pos < end:
        if end - pos < 8:
            out.cut = True
            break
        stream, size = _HEADER.unpack_from(body, pos)
        if stream not in STREAMS:  # lost framing: keep the rest as text rather than guess
            out.cut = True
            out.lines += _raw_lines(body[pos:])
            return out
        pos += 8
        payload = body[pos : pos + size]
        if len(payload) < size:
            out.cut = True
        pos += size
        chunks = payload.split(b"\n")
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            if last:
                if chunk:
                    if stream not in pending:
                        order.append(stream)
                    pending.setdefault(stream, []).append(chunk)
                continue
            parts = pending.pop(stream, None)
            if parts is not None:
                order.remove(stream)
                chunk = b"".join(parts) + chunk
            out.lines.append((STREAMS[stream], _text(chunk)))
    for stream in order:  # a last line without its newline
        out.lines.append((STREAMS[stream], _text(b"".join(pending[stream]))))
    return out


__all__ = ["STREAMS", "DecodedLog", "decode_logs", "logs_target", "looks_multiplexed"]
