"""The live fleet on the real test fleet: event streams over SSH, changes made behind dozor's back (the docker CLI
against a host's engine socket), a stream killed from the server side and resumed, freshness in every answer,
``serve --watch`` (in memory, stdio, HTTP) and ``dozor watch`` (``--once``, SIGINT, SIGTERM).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from mcp import Client, StdioServerParameters
from prometheus_client.parser import text_string_to_metric_families

from dozor.collectors.status import ContainerState, HealthState
from dozor.fleet import Fleet
from dozor.live.fleet import LiveFleet
from dozor.live.freshness import FreshKind
from dozor.live.host import HostWatcher, LiveOptions
from dozor.mcp.server import build_server
from tests.integration.test_engine_api import inventory
from tests.integration.test_mcp import DOZOR, ROOT, TOKEN, _env, _free_port, _http_client, _start

pytestmark = [pytest.mark.integration, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


async def until(check: Callable[[], bool], timeout: float = 15, what: str = "") -> float:
    """Seconds until ``check()`` holds (polled every 10 ms); fails after ``timeout``."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.01)
    return time.monotonic() - started


def by_name(w: HostWatcher, name: str) -> Any:
    return next((c for c in w.containers.values() if c.name == name), None)


async def in_thread(fn: Callable[[], Any]) -> Any:
    return await asyncio.to_thread(fn)


async def watching(inv: Any, names: list[str], options: LiveOptions | None = None,
                   body: Callable[[Fleet, LiveFleet], Awaitable[None]] | None = None) -> None:
    async with Fleet(inv) as fleet:
        live = LiveFleet(fleet.select(",".join(names)), fleet.pool.get, options=options)
        async with live:
            assert await live.wait_ready(timeout=30)
            assert body is not None
            await body(fleet, live)


async def test_live_state_follows_a_stop_and_a_start_done_behind_dozors_back(fleet_mutable: Any) -> None:
    async def body(fleet: Fleet, live: LiveFleet) -> None:
        w = live.watchers["web1"]
        assert w.fresh.kind is FreshKind.LIVE, w.fresh
        assert by_name(w, "shop_web_1").state is ContainerState.RUNNING
        before = dict(fleet.pool.stats()["web1"])
        await in_thread(lambda: fleet_mutable.docker("web1", "stop", "-t", "1", "shop_web_1"))
        await until(lambda: by_name(w, "shop_web_1").state is ContainerState.EXITED, 10, "web exited")
        result, fresh = live.status(fleet.select("web1"))
        web = next(s for s in result.get("web1").data.services if s.service == "web")
        assert web.running == 0 and fresh["web1"].kind is FreshKind.LIVE
        await in_thread(lambda: fleet_mutable.docker("web1", "start", "shop_web_1"))
        await until(lambda: by_name(w, "shop_web_1").state is ContainerState.RUNNING, 10, "web running")
        actions = [(e.name, e.action) for e in w.recent if e.name == "shop_web_1"]
        assert ("shop_web_1", "die") in actions and ("shop_web_1", "start") in actions
        after = fleet.pool.stats()["web1"]
        # Seen through the open stream and re-read over the socket: no remote process, no new connection.
        assert after["channels"] == before["channels"] and after["connects"] == before["connects"] == 1

    await watching(inventory(fleet_mutable), ["web1"], body=body)


async def test_the_live_state_feeds_the_baselines_with_the_exits_it_saw(fleet_mutable: Any, tmp_path: Path) -> None:
    from dozor.noise.apply import baselines_file
    from dozor.noise.baselines import hour_of, live_key

    async with Fleet(inventory(fleet_mutable)) as fleet:
        live = LiveFleet(fleet.select("web1"), fleet.pool.get, state_dir=tmp_path)
        async with live:
            assert await live.wait_ready(timeout=30)
            w = live.watchers["web1"]
            await in_thread(lambda: fleet_mutable.docker("web1", "stop", "-t", "1", "shop_web_1"))
            await until(lambda: by_name(w, "shop_web_1").state is ContainerState.EXITED, 10, "web exited")
            await in_thread(lambda: fleet_mutable.docker("web1", "start", "shop_web_1"))
            await until(lambda: by_name(w, "shop_web_1").state is ContainerState.RUNNING, 10, "web running")
        # stopping the live fleet wrote what it counted
    b = baselines_file(tmp_path).load()
    hour = hour_of(datetime.now(UTC))
    key = live_key("web1", "shop", "web")
    assert (b.latest(key, "engine:die", hour) or 0) >= 1  # this hour, or the last if it just turned
    assert not any(k.endswith("|engine:oom") and k.startswith(key) for k in b.rates)


async def test_an_oom_kill_and_a_health_change_are_seen_live(fleet_mutable: Any) -> None:
    async def body(fleet: Fleet, live: LiveFleet) -> None:
        w = live.watchers["db1"]
        db = by_name(w, "data_db_1")
        assert db.state is ContainerState.EXITED
        seen = len(w.recent)
        await in_thread(lambda: fleet_mutable.docker("db1", "start", "data_db_1"))  # it OOM-kills itself again
        await until(lambda: any(e.name == "data_db_1" and e.action == "oom" for e in list(w.recent)[seen:]), 15,
                    "oom event")
        await until(lambda: by_name(w, "data_db_1").state is ContainerState.EXITED, 10, "db exited again")
        db = by_name(w, "data_db_1")
        assert db.oom_killed and db.exit_code == 137
        await in_thread(lambda: fleet_mutable.docker("db1", "restart", "-t", "1", "data_db-ok_1"))
        await until(lambda: by_name(w, "data_db-ok_1").health is HealthState.STARTING, 10, "health starting")
        await until(lambda: by_name(w, "data_db-ok_1").health is HealthState.HEALTHY, 30, "healthy again")
        assert any(e.name == "data_db-ok_1" and e.action == "health_status: healthy" for e in w.recent)

    await watching(inventory(fleet_mutable), ["db1"], body=body)


def _ssh_sessions(fleet: Any, host: str) -> list[int]:
    """The sshd processes serving this host's open connections (children of its listener)."""
    listener = int((Path(fleet.dir) / f"host{fleet.host(host).engine}" / "sshd.pid").read_text().split()[0])
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == listener:
            kids.append(int(stat.parent.name))
    return kids


def _engine_events(fleet: Any, host: str, name: str, since: int, until_s: int) -> list[dict]:
    out = fleet.docker(host, "events", "--since", str(since), "--until", str(until_s), "--filter",
                       f"container={name}", "--format", "{{json .}}").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


async def test_a_killed_stream_resumes_where_it_stopped_and_loses_no_event(fleet_mutable: Any) -> None:
    """The SSH session is killed on the server; while the watcher waits to reconnect the container is stopped;
    after the resume the stop's events are there, replayed by the engine from ``since`` = the last event seen."""
    options = LiveOptions(retry_base=3.0, stable_after=600)

    async def body(fleet: Fleet, live: LiveFleet) -> None:
        w = live.watchers["web1"]
        await in_thread(lambda: fleet_mutable.docker("web1", "restart", "-t", "0", "shop_web_1"))
        await until(lambda: any(e.name == "shop_web_1" and e.action == "start" for e in w.recent), 10, "start")
        last = w.last_nano
        assert last is not None
        sessions = _ssh_sessions(fleet_mutable, "web1")
        assert sessions, "no sshd session found for web1"
        cut = time.time()
        for pid in sessions:
            os.kill(pid, signal.SIGTERM)
        await until(lambda: w.fresh.kind is not FreshKind.LIVE, 10, "the stream noticed")
        assert w.fresh.kind is FreshKind.RESUMING and "stream lost at" in w.fresh.text()
        # During the gap (the retry waits ~3 s): stopped behind dozor's back.
        await in_thread(lambda: fleet_mutable.docker("web1", "stop", "-t", "0", "shop_web_1"))
        gap_end = time.time()
        assert w.fresh.kind is FreshKind.RESUMING, "resumed before the gap's event: the test proves nothing"
        await until(lambda: w.fresh.kind is FreshKind.LIVE, 30, "live again")
        assert w.stats.resumes == 1 and w.stats.last_since >= last
        engine = [e for e in _engine_events(fleet_mutable, "web1", "shop_web_1", int(cut) - 1, int(gap_end) + 1)
                  if e["Action"] == "die" and e["timeNano"] / 1e9 >= cut]
        assert len(engine) == 1, engine
        await until(lambda: any(e.nano == engine[0]["timeNano"] for e in w.recent), 10, "the gap's die event")
        got = next(e for e in w.recent if e.nano == engine[0]["timeNano"])
        assert got.action == "die" and got.replayed and got.name == "shop_web_1"
        assert by_name(w, "shop_web_1").state is ContainerState.EXITED
        nanos = [e.nano for e in w.recent]
        assert len(nanos) == len(set(zip(nanos, [e.action for e in w.recent], strict=True)))  # nothing twice
        assert w.stats.duplicates >= 1  # the event at `since` came again and was dropped

    await watching(inventory(fleet_mutable), ["web1"], options, body)


async def test_a_cli_path_host_is_polled_and_dead_hosts_say_since_when(fleet: Any) -> None:
    inv = inventory(fleet, hosts={"web2": {"engine_api": False}})

    async def body(f: Fleet, live: LiveFleet) -> None:
        _, fresh = live.status(f.select("web1,web2,dead"))
        assert fresh["web1"].kind is FreshKind.LIVE
        assert fresh["web2"].kind is FreshKind.POLLED and "no event stream" in fresh["web2"].why
        assert fresh["dead"].kind is FreshKind.UNREACHABLE
        result, _ = live.status(f.select("web2,dead"))
        assert result.get("web2").ok and result.get("web2").data.services
        assert result.get("dead").reason.startswith("unreachable since ")
        assert live.watchers["web2"].stats.polls >= 1 and live.watchers["web2"].stats.streams == 0

    await watching(inv, ["web1", "web2", "dead"], LiveOptions(poll_interval=2), body)


async def test_serve_watch_answers_status_from_live_state_with_freshness(fleet_mutable: Any) -> None:
    server = build_server(inventory=fleet_mutable.inventory, watch=True)
    async with Client(server) as c:
        first = await c.call_tool("server_status", {"host": "web1,dead"})
        assert not first.is_error
        text = first.content[0].text
        assert "live since" in text and "unreachable since" in text
        hosts = {h["host"]: h for h in first.structured_content["hosts"]}
        assert hosts["web1"]["data"]["fresh"].startswith("live since ")
        assert hosts["dead"]["reason"].startswith("unreachable since ")
        counters = (await c.call_tool("fleet_hosts", {"host": "web1"})).structured_content["hosts"][0]
        warm = await c.call_tool("server_status", {"host": "web1"})
        again = (await c.call_tool("fleet_hosts", {"host": "web1"})).structured_content["hosts"][0]
        assert not warm.is_error
        # a warm answer asks nothing of the host
        assert (again.get("commands_run", 0), again.get("engine_requests", 0)) == (
            counters.get("commands_run", 0), counters.get("engine_requests", 0))
        await asyncio.to_thread(lambda: fleet_mutable.docker("web1", "stop", "-t", "1", "shop_web_1"))
        deadline = time.monotonic() + 10
        while True:
            r = await c.call_tool("server_status", {"host": "web1", "service": "web"})
            row = r.structured_content["hosts"][0]["data"]["services"][0]
            if row.get("running", 0) == 0:
                break
            assert time.monotonic() < deadline, row
            await asyncio.sleep(0.05)
        assert row["problem"] and "exited" in row["problem"]


async def test_serve_watch_over_stdio(fleet: Any) -> None:
    params = StdioServerParameters(command=DOZOR, args=["serve", "--watch"], env=_env(fleet), cwd=ROOT)
    async with Client(params, read_timeout_seconds=90) as c:
        r = await c.call_tool("server_status", {"host": "@prod"})
        assert not r.is_error
        assert {h["data"]["fresh"][:10] for h in r.structured_content["hosts"]} == {"live since"}


async def test_serve_watch_over_http(fleet: Any) -> None:
    port = _free_port()
    gen = _start(fleet, [DOZOR, "serve", "--transport", "http", "--watch", "--port", str(port)], port)
    base = next(gen)
    try:
        async with _http_client(base, TOKEN) as c:
            r = await c.call_tool("server_status", {"host": "db1"})
            assert not r.is_error and "live since" in r.content[0].text
        url = f"{base}/metrics"
        deadline = time.monotonic() + 60
        while True:  # every host's first read (the dead one's failure included) ends before the deadline
            text = await asyncio.to_thread(_get, url, {"Authorization": f"Bearer {TOKEN}"})
            fresh = {s.labels["host"]: s.labels["kind"] for f in text_string_to_metric_families(text)
                     for s in f.samples if s.name == "dozor_host_fresh" and s.value == 1}
            if "starting" not in fresh.values() or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        samples = [s for f in text_string_to_metric_families(text) for s in f.samples]
        up = {s.labels["host"]: s.value for s in samples if s.name == "dozor_host_up"}
        assert fresh["db1"] == "live" and fresh["dead"] == "unreachable", fresh
        assert up["db1"] == 1 and up["dead"] == 0, up
        assert any(s.name == "dozor_alert" and s.labels["host"] == "dead" for s in samples)
        with pytest.raises(urllib.error.HTTPError) as denied:
            await asyncio.to_thread(_get, url, {})
        assert denied.value.code == 401
        with pytest.raises(urllib.error.HTTPError) as rebound:
            await asyncio.to_thread(_get, url, {"Authorization": f"Bearer {TOKEN}", "Host": "evil.example:80"})
        assert rebound.value.code == 421
    finally:
        with pytest.raises(StopIteration):
            next(gen)


def _get(url: str, headers: dict[str, str]) -> str:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
        return r.read().decode()


def _watch_env(fleet: Any, tmp_path: Path) -> dict[str, str]:
    """The fleet's inventory with a state dir of this test's own (what watch announced is remembered there)."""
    data = tomllib.loads(Path(fleet.inventory).read_text())
    data["defaults"]["state_dir"] = str(tmp_path / "state")
    inv = tmp_path / "fleet.toml"
    inv.write_text(tomli_w.dumps(data))
    return _env(fleet, HOME=str(tmp_path), DOZOR_INVENTORY=str(inv))


def test_watch_once_prints_the_problems_and_exits_0(fleet: Any, tmp_path: Path) -> None:
    r = subprocess.run([DOZOR, "watch", "--once", "--host", "@prod"], env=_watch_env(fleet, tmp_path), cwd=ROOT,
                       capture_output=True, text=True, timeout=90)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert any(ln.startswith("PROBLEM [critical] db1 data/db — db was OOM-killed") for ln in lines), r.stdout
    assert any(ln.startswith("web1: live since ") for ln in lines)
    assert lines[-1].startswith("3 of 3 hosts answered")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_watch_ends_cleanly_on_a_signal(fleet: Any, tmp_path: Path, sig: signal.Signals) -> None:
    proc = subprocess.Popen([DOZOR, "watch", "--host", "web1"], env=_watch_env(fleet, tmp_path), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("web1: live since"), first + (proc.stderr.read() if proc.poll() else "")
        proc.send_signal(sig)
        assert proc.wait(15) == 0, proc.stderr.read() if proc.stderr else ""
        assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_watch_prints_a_stop_as_it_happens(fleet_mutable: Any, tmp_path: Path) -> None:
    proc = subprocess.Popen([DOZOR, "watch", "--host", "web1", "--settle", "1"],
                            env=_watch_env(fleet_mutable, tmp_path), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        while not proc.stdout.readline().startswith("1 of 1 hosts answered"):
            assert proc.poll() is None
        fleet_mutable.docker("web1", "stop", "-t", "1", "shop_web_1")
        line = proc.stdout.readline()
        assert " NEW [" in line and "web1 shop/web" in line, line
        proc.send_signal(signal.SIGINT)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

