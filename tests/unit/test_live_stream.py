"""The long-lived ``/events`` reader on a recorded real stream (tests/fixtures/live/record.py, Docker 20.10)."""

from __future__ import annotations

import json
import random
import urllib.parse
from pathlib import Path

import pytest

from dozor.errors import EngineRefused, EngineUnavailable
from dozor.live.stream import WATCHED_ACTIONS, EventStream, events_target, nano_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "live"
STREAM = (FIXTURES / "events_stream.http").read_bytes()


class Replay:
    """Serves recorded bytes in pieces of random size, then end of stream (a reader, not an engine)."""

    def __init__(self, data: bytes, seed: int) -> None:
        self.data = data
        self.rng = random.Random(seed)
        self.closed = False
        self.written = b""

    async def read(self, n: int = -1) -> bytes:
        take = min(n, self.rng.randint(1, 300))
        out, self.data = self.data[:take], self.data[take:]
        return out

    def write(self, data: bytes) -> None:
        self.written += data

    def close(self) -> None:
        self.closed = True


class OneSocket:
    """A transport whose only unix socket replays ``data``."""

    def __init__(self, data: bytes, seed: int = 0) -> None:
        self.replay = Replay(data, seed)
        self.opened: list[str] = []

    async def open_unix(self, path: str) -> tuple[Replay, Replay]:
        self.opened.append(path)
        return self.replay, self.replay


def _recorded_actions() -> list[str]:
    body = STREAM.partition(b"\r\n\r\n")[2]
    return [json.loads(m)["Action"] for m in body.split(b"\n") if m.startswith(b"{")]


@pytest.mark.parametrize("seed", range(8))
async def test_every_recorded_event_comes_out_in_order_whatever_the_chunking(seed: int) -> None:
    transport = OneSocket(STREAM, seed)
    stream = await EventStream.open(transport, "/run/docker.sock", "/events?since=1.000000000", timeout=5)
    assert transport.opened == ["/run/docker.sock"]
    assert transport.replay.written.startswith(b"GET /events?since=1.000000000 HTTP/1.1\r\n")
    got: list[dict] = []
    with pytest.raises(EngineUnavailable, match="ended the event stream"):
        while True:
            got += await stream.next()
    assert [e["Action"] for e in got] == _recorded_actions()
    assert [e["Action"] for e in got] == ["start", "oom", "die", "die", "start", "restart", "health_status: healthy"]
    assert got[0]["Actor"]["Attributes"]["name"] == "data_db_1"
    assert got[2]["Actor"]["Attributes"]["exitCode"] == "137"
    stream.close()
    assert transport.replay.closed


async def test_an_http_error_is_engine_refused_with_the_engines_message() -> None:
    transport = OneSocket((FIXTURES / "events_bad_filter.http").read_bytes())
    with pytest.raises(EngineRefused, match="HTTP 500: invalid character") as err:
        await EventStream.open(transport, "/s", "/events", timeout=5)
    assert err.value.http_status == 500
    assert transport.replay.closed


async def test_a_stream_cut_before_its_headers_is_unavailable() -> None:
    with pytest.raises(EngineUnavailable, match="ended"):
        await EventStream.open(OneSocket(STREAM[:40]), "/s", "/events", timeout=5)


async def test_a_line_past_the_cap_ends_the_stream() -> None:
    head, _, _ = STREAM.partition(b"\r\n\r\n")
    big = b"x" * 5000
    chunked = head + b"\r\n\r\n" + f"{len(big):x}".encode() + b"\r\n" + big + b"\r\n"
    stream = await EventStream.open(OneSocket(chunked), "/s", "/events", timeout=5, max_line=1000)
    with pytest.raises(EngineUnavailable, match="passed 1000 bytes"):
        await stream.next()


async def test_a_line_that_is_not_json_ends_the_stream() -> None:
    head, _, _ = STREAM.partition(b"\r\n\r\n")
    junk = b"<html>\n"
    stream = await EventStream.open(OneSocket(head + b"\r\n\r\n" + b"7\r\n" + junk + b"\r\n"), "/s", "/e", timeout=5)
    with pytest.raises(EngineUnavailable, match="not JSON"):
        await stream.next()


def test_the_target_asks_for_compose_containers_state_changes_from_since() -> None:
    target = events_target(1796646353133033728)
    assert target.startswith("/events?since=1796646353.133033728&filters=")
    filters = json.loads(urllib.parse.unquote(target.split("filters=", 1)[1]))
    assert filters == {"type": ["container"], "label": ["com.docker.compose.project"], "event": list(WATCHED_ACTIONS)}
    assert "exec_start" not in filters["event"]
    assert " " not in target and "\r" not in target
    assert events_target(None).startswith("/events?filters=")


def test_nano_text_keeps_every_digit() -> None:
    assert nano_text(1_000_000_000) == "1.000000000"
    assert nano_text(1796646353000000007) == "1796646353.000000007"
