"""The Engine API path's pure parts, on bytes and JSON recorded from a real engine (tests/fixtures/engine)."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import pytest

from dozor.collectors.resources import parse_stats_line
from dozor.collectors.status import container_from_inspect
from dozor.engine import queries
from dozor.engine.endpoint import LOCATE, endpoint_from, parse_locate
from dozor.engine.http import BodyTooLarge, HTTPError, HTTPStream, request_bytes
from dozor.transport.base import CommandResult

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "engine"


class ChunkedReader:
    """Hands out recorded bytes in random-sized pieces, then EOF (exercises every framing boundary)."""

    def __init__(self, data: bytes, seed: int = 1) -> None:
        self.data = data
        self.rnd = random.Random(seed)

    async def read(self, n: int = -1) -> bytes:
        size = min(n if n > 0 else len(self.data), self.rnd.randint(1, 700))
        out, self.data = self.data[:size], self.data[size:]
        return out


class Sink:
    def __init__(self) -> None:
        self.written = b""
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written += data

    def close(self) -> None:
        self.closed = True


def _pipelined() -> tuple[list[str], bytes]:
    targets = json.loads((FIXTURES / "pipelined.json").read_text())["targets"]
    return targets, (FIXTURES / "pipelined.http").read_bytes()


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_pipelined_answers_are_split_in_request_order(seed: int) -> None:
    """Chunked bodies, keep-alive and a 404 in one recorded stream, cut at random places."""
    targets, data = _pipelined()
    sink = Sink()
    answers = asyncio.run(HTTPStream(ChunkedReader(data, seed), sink, max_bytes=1 << 20).get(targets, last=True))
    assert [a.target for a in answers] == targets
    assert [a.status for a in answers] == [200] * (len(targets) - 1) + [404]
    listing = json.loads(answers[0].body)
    assert [json.loads(a.body)["Id"] for a in answers[1:-1]] == [c["Id"] for c in listing]
    assert "No such container" in queries.error_message(404, answers[-1].body)
    # What was written is exactly the requests, the last one closing the stream.
    assert sink.written == b"".join(request_bytes(t, close=i == len(targets) - 1) for i, t in enumerate(targets))
    assert sink.written.count(b"Connection: close") == 1


def test_inspect_bodies_parse_like_docker_inspect() -> None:
    """The API's inspect body is the CLI's ``docker inspect`` element: the status parser takes it as is."""
    targets, data = _pipelined()
    answers = asyncio.run(HTTPStream(ChunkedReader(data), Sink(), max_bytes=1 << 20).get(targets, last=True))
    statuses = [container_from_inspect(json.loads(a.body)) for a in answers[1:-1]]
    assert {(s.project, s.service) for s in statuses} == {("shop", "web"), ("shop", "worker")}
    assert all(len(s.id) == 12 for s in statuses)


def test_a_stream_cut_mid_answer_is_an_error() -> None:
    targets, data = _pipelined()
    cut = data[: len(data) // 2]
    with pytest.raises(HTTPError, match=r"closed the stream|bad HTTP"):
        asyncio.run(HTTPStream(ChunkedReader(cut), Sink(), max_bytes=1 << 20).get(targets, last=True))


def test_answers_past_the_cap_are_refused() -> None:
    targets, data = _pipelined()
    with pytest.raises(BodyTooLarge):
        asyncio.run(HTTPStream(ChunkedReader(data), Sink(), max_bytes=4096).get(targets, last=True))


def test_not_http_is_an_error() -> None:
    with pytest.raises(HTTPError, match="bad HTTP"):
        asyncio.run(HTTPStream(ChunkedReader(b"SSH-2.0-OpenSSH_9.2\r\n"), Sink(), max_bytes=1 << 20)
                    .get(["/containers/json"], last=True))


@pytest.mark.parametrize("name", ["shop_web_1", "shop_worker_1"])
def test_stats_match_what_the_cli_printed(name: str) -> None:
    """Same container, sampled by the API and by ``docker stats`` a moment later: same identity and limits."""
    fx = json.loads((FIXTURES / f"stats_{name}.json").read_text())
    api = queries.parse_stats(fx["api"])
    cli = parse_stats_line(fx["cli"])
    assert (api.id, api.name) == (cli.id, cli.name)
    assert (api.net_rx, api.net_tx, api.block_read, api.block_write) == (cli.net_rx, cli.net_tx, 0, 0)
    if cli.mem_limit is None:  # restarting: the CLI shows 0B / 0B
        assert api.mem_limit is None and api.mem_usage == 0 and api.pids == 0 and api.cpu_percent == 0.0
    else:  # the CLI rounds to 2 decimals of GiB
        assert api.mem_limit == pytest.approx(cli.mem_limit, rel=0.005)
        assert api.mem_usage is not None and 0 < api.mem_usage < api.mem_limit
        assert api.pids is not None and api.pids >= 1


def test_cpu_percent_is_computed_like_the_cli() -> None:
    """(container delta / system delta) × online CPUs × 100, from the recorded sample's own numbers."""
    s = json.loads((FIXTURES / "stats_shop_web_1.json").read_text())["api"]
    cpu, pre = s["cpu_stats"], s["precpu_stats"]
    want = ((cpu["cpu_usage"]["total_usage"] - pre["cpu_usage"]["total_usage"])
            / (cpu["system_cpu_usage"] - pre["system_cpu_usage"]) * cpu["online_cpus"] * 100)
    assert queries.parse_stats(s).cpu_percent == pytest.approx(want, abs=0.01)
    inactive = s["memory_stats"]["stats"].get("total_inactive_file", 0)
    assert queries.parse_stats(s).mem_usage == s["memory_stats"]["usage"] - inactive


def test_request_targets() -> None:
    compose = "%7B%22label%22%3A%5B%22com.docker.compose.project%22%5D%7D"
    assert queries.list_target() == "/containers/json?all=1&filters=" + compose
    assert queries.list_target(include_all=True) == "/containers/json?all=1"
    assert queries.list_target(include_all=True, running_only=True) == "/containers/json"
    assert queries.inspect_target("ab/../x") == "/containers/ab%2F..%2Fx/json"
    assert queries.stats_target("abc") == "/containers/abc/stats?stream=false"


@pytest.mark.parametrize(
    ("docker_host", "context", "current", "socket"),
    [
        ("", "", "", "/var/run/docker.sock"),
        ("unix:///run/user/1000/docker.sock", "", "", "/run/user/1000/docker.sock"),
        ("unix:///tmp/e.sock", "remote", "other", "/tmp/e.sock"),  # DOCKER_HOST beats contexts, as in the CLI
        ("tcp://10.0.0.5:2376", "", "", None),
        ("ssh://me@box", "", "", None),
        ("", "remote", "", None),
        ("", "", "remote", None),
        ("", "", "default", "/var/run/docker.sock"),
        ("", "default", "remote", "/var/run/docker.sock"),
    ],
)
def test_endpoint_follows_the_cli_precedence(docker_host: str, context: str, current: str, socket: str | None) -> None:
    assert endpoint_from(docker_host, context, current).socket == socket


def test_locate_output_is_read() -> None:
    out = 'DOCKER_HOST=unix:///tmp/dzf/eng1/docker.sock\nDOCKER_CONTEXT=\n"currentContext": "x"\n'
    r = parse_locate(CommandResult(argv=LOCATE.argv(), exit_status=0, stdout=out))
    assert r.socket == "/tmp/dzf/eng1/docker.sock"
    out = 'DOCKER_HOST=\nDOCKER_CONTEXT=\n"currentContext":"x"\n'
    r = parse_locate(CommandResult(argv=LOCATE.argv(), exit_status=0, stdout=out))
    assert r.socket is None and "'x'" in r.reason
    r = parse_locate(CommandResult(argv=LOCATE.argv(), exit_status=None, timed_out=True))
    assert r.socket is None


def test_locate_script_runs_in_sh(tmp_path: Path) -> None:
    """The real script in a real sh, with a config file naming a context."""
    import os
    import subprocess

    (tmp_path / "config.json").write_text('{\n  "auths": {},\n  "currentContext": "prod"\n}\n')
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "DOCKER_CONFIG": str(tmp_path)}
    p = subprocess.run(LOCATE.argv(), env=env, capture_output=True, text=True, check=True)
    r = parse_locate(CommandResult(argv=LOCATE.argv(), exit_status=p.returncode, stdout=p.stdout))
    assert r.socket is None and "'prod'" in r.reason
    env["DOCKER_HOST"] = "unix:///x.sock"
    p = subprocess.run(LOCATE.argv(), env=env, capture_output=True, text=True, check=True)
    assert parse_locate(CommandResult(argv=LOCATE.argv(), exit_status=0, stdout=p.stdout)).socket == "/x.sock"


def test_inventory_docker_socket_must_be_a_path() -> None:
    from dozor.inventory.models import Inventory

    inv = Inventory.model_validate({"hosts": {"a": {"address": "10.0.0.1", "docker_socket": "/run/docker.sock"}}})
    assert inv.resolve("a").docker_socket == "/run/docker.sock" and inv.resolve("a").engine_api is True
    with pytest.raises(ValueError, match="absolute path"):
        Inventory.model_validate({"hosts": {"a": {"address": "10.0.0.1", "docker_socket": "unix:///x.sock"}}})
    off = Inventory.model_validate({"defaults": {"engine_api": False}, "hosts": {"a": {"address": "h"}}})
    assert off.resolve("a").engine_api is False


@pytest.mark.parametrize("close", [False, True])
def test_request_bytes_are_what_h11_would_write(close: bool) -> None:
    """h11 (a test dependency) is the reference writer: our hand-built requests are byte-identical to its."""
    import h11

    headers = [("Host", "docker"), ("User-Agent", "dozor"), *([("Connection", "close")] if close else [])]
    for target in (queries.list_target(), queries.inspect_target("a b/c"), queries.stats_target("x", one_shot=True)):
        conn = h11.Connection(h11.CLIENT)
        want = conn.send(h11.Request(method="GET", target=target, headers=headers)) + conn.send(h11.EndOfMessage())
        assert request_bytes(target, close=close) == want
    for bad in ("containers/json", "/x y", "/x\r\nEvil: 1"):
        with pytest.raises(ValueError):
            request_bytes(bad, close=close)


def test_an_answer_without_framing_ends_at_the_end_of_the_stream() -> None:
    """No Content-Length, not chunked: the body is everything up to EOF (RFC 9112 6.3), not a cut stream."""
    data = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[{"Id": "a"}]'
    for seed in (1, 2, 3):
        (answer,) = asyncio.run(HTTPStream(ChunkedReader(data, seed), Sink(), max_bytes=1 << 20)
                                .get(["/containers/json"], last=True))
        assert (answer.status, answer.body) == (200, b'[{"Id": "a"}]')


def test_an_engine_that_closes_mid_pipeline_is_an_error_naming_the_last_answer() -> None:
    """The first answer says Connection: close although more were asked: the rest will never come."""
    first = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]"
    with pytest.raises(HTTPError, match=r"closed the stream after /a"):
        asyncio.run(HTTPStream(ChunkedReader(first), Sink(), max_bytes=1 << 20).get(["/a", "/b"]))


def test_a_framed_answer_cut_by_eof_is_an_error() -> None:
    cut = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n[1, 2"
    with pytest.raises(HTTPError, match="closed the stream before answering /a"):
        asyncio.run(HTTPStream(ChunkedReader(cut), Sink(), max_bytes=1 << 20).get(["/a"], last=True))


def test_a_second_batch_on_the_same_stream_continues_where_the_first_stopped() -> None:
    """Keep-alive across batches: list, then inspect, on one stream (what inspect_containers does)."""
    targets, data = _pipelined()
    stream = HTTPStream(ChunkedReader(data, 7), Sink(), max_bytes=1 << 20)

    async def two() -> list:
        return [*await stream.get(targets[:1]), *await stream.get(targets[1:], last=True)]

    answers = asyncio.run(two())
    assert [a.status for a in answers] == [200] * (len(targets) - 1) + [404]
    with pytest.raises(HTTPError, match="already closed"):
        asyncio.run(stream.get(["/x"]))


def test_an_engine_refusing_a_request_is_told_apart_from_an_engine_that_is_not_there() -> None:
    """Docker 20.10's answer to a second concurrent /system/df (recorded): an HTTP error from a working engine is
    ``EngineRefused`` carrying the status, so the disk usage can retry it instead of dropping the host to the CLI."""
    from dozor.engine.client import EngineClient
    from dozor.errors import EngineRefused, EngineUnavailable

    data = (FIXTURES / "system_df_busy.http").read_bytes()
    (answer,) = asyncio.run(HTTPStream(ChunkedReader(data), Sink(), max_bytes=1 << 20).get(["/system/df"], last=True))
    client = EngineClient(None, "/run/docker.sock", timeout=1.0)  # type: ignore[arg-type]  # _json reads no stream
    with pytest.raises(EngineRefused, match="a disk usage operation is already running") as caught:
        client._json(answer)
    assert caught.value.http_status == 500
    assert isinstance(caught.value, EngineUnavailable)  # every other caller still falls back as before
