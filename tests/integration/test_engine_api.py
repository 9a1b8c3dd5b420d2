"""The Engine API path against the real fleet: same answers as the docker CLI, fewer remote processes,
and the CLI fallback wherever the socket cannot be reached (forwarding disabled in sshd, a wrong socket)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dozor.collectors.status import ContainerStatus
from dozor.engine import cache
from dozor.engine.endpoint import EngineEndpoint
from dozor.fleet import Fleet
from dozor.inventory.models import Inventory
from dozor.outcome import HostStatus

pytestmark = pytest.mark.integration

LIVE = ["web1", "web2", "db1"]


def inventory(fleet: Any, hosts: dict[str, dict] | None = None, **defaults: Any) -> Inventory:
    """The fleet's inventory with [defaults] overridden and host tables changed or added.

    Each call gets a fresh state dir (unless given), so no engine socket is remembered from another test.
    """
    data = tomllib.loads(Path(fleet.inventory).read_text())
    data["defaults"]["state_dir"] = tempfile.mkdtemp(prefix="dozor-state-", dir=fleet.dir)
    data["defaults"].update(defaults)
    for name, table in (hosts or {}).items():
        data["hosts"].setdefault(name, {}).update(table)
    return Inventory.model_validate(data)


def stable(c: ContainerStatus) -> tuple:
    """What must not differ between two reads a moment apart (the crash loop moves its counters)."""
    looping = c.service == "worker"
    return (c.id, c.name, c.project, c.service, c.image, c.oom_killed, c.restart_policy, c.mem_limit,
            c.network_mode, c.privileged, tuple(p.model_dump_json() for p in c.ports), c.created_at,
            None if looping else (c.state, c.health, c.exit_code, c.restart_count, c.started_at))


async def _status(inv: Inventory, selector: str = "@prod") -> tuple[dict[str, Any], dict[str, dict[str, int]]]:
    async with Fleet(inv) as f:
        r = await f.status(selector)
        stats = f.pool.stats()
    return {h.host: h for h in r.hosts}, stats


async def test_status_through_the_engine_matches_the_cli(fleet: Any) -> None:
    api, api_stats = await _status(inventory(fleet))
    cli, cli_stats = await _status(inventory(fleet, engine_api=False))
    for host in LIVE:
        assert api[host].ok and cli[host].ok, (api[host].reason, cli[host].reason)
        a = sorted(stable(c) for c in api[host].data.containers)
        b = sorted(stable(c) for c in cli[host].data.containers)
        assert a == b and a, host
        assert [(s.service, s.missing) for s in api[host].data.services] == [
            (s.service, s.missing) for s in cli[host].data.services]
        # API: one exec (the engine lookup) and one socket stream; CLI: the status script, no stream.
        assert api_stats[host] == {"connects": 1, "channels": 1, "streams": 1}, api_stats[host]
        assert cli_stats[host] == {"connects": 1, "channels": 1, "streams": 0}, cli_stats[host]


async def test_warm_calls_open_no_remote_process(fleet: Any) -> None:
    async with Fleet(inventory(fleet)) as f:
        await f.status("@prod")
        before = f.pool.stats()
        for _ in range(3):
            r = await f.status("@prod")
            assert all(h.ok for h in r.hosts)
        after = f.pool.stats()
    for host in LIVE:
        assert after[host]["channels"] == before[host]["channels"] == 1
        assert after[host]["streams"] == before[host]["streams"] + 3
        assert after[host]["connects"] == 1


async def test_container_stats_through_the_engine_match_the_cli(fleet: Any) -> None:
    async with Fleet(inventory(fleet)) as f:
        api = {h.host: h for h in (await f.resources("@prod")).hosts}
        status = {h.host: h for h in (await f.status("@prod")).hosts}
    async with Fleet(inventory(fleet, engine_api=False)) as f:
        cli = {h.host: h for h in (await f.resources("@prod")).hosts}
    for host in LIVE:
        a, b = api[host].data, cli[host].data
        assert api[host].ok and a.docker_error is None and not a.section_errors, (api[host].reason, a)
        # A crash-looping container may be between death and restart (not listed) in either sample.
        looping = {c.name for c in status[host].data.containers if c.restart_count or c.state != "running"}
        differ = {c.name for c in a.containers} ^ {c.name for c in b.containers}
        assert not differ - looping, host
        assert {c.name for c in a.containers} - looping, host
        limits = {c.name: c.mem_limit for c in b.containers}
        for c in a.containers:
            if c.name not in limits or c.name in looping:
                continue
            if limits[c.name] is None:
                assert c.mem_limit is None or c.mem_usage == 0
            else:
                assert c.mem_limit == pytest.approx(limits[c.name], rel=0.005), c.name
        # The host part still comes from the host.
        assert a.memory and a.load and a.cpus and a.disks
        assert a.memory.total == b.memory.total and a.cpus == b.cpus


async def test_a_socket_that_cannot_be_opened_falls_back_to_the_cli(fleet: Any, tmp_path: Path) -> None:
    wrong = {"docker_socket": f"{tmp_path}/no-engine-here.sock"}
    inv = inventory(fleet, hosts={"web1": wrong})
    async with Fleet(inv) as f:
        first = (await f.status("web1")).hosts[0]
        second = (await f.status("web1")).hosts[0]
        stats = f.pool.stats()["web1"]
    assert first.ok and second.ok, first.reason
    assert {c.service for c in first.data.containers} == {"web", "worker", "proxy"}
    # The failed socket is remembered: the second call goes straight to the CLI, one exec per call.
    assert stats == {"connects": 1, "channels": 2, "streams": 0}


@pytest.fixture
def sshd_without_forwarding(fleet: Any, tmp_path: Path) -> Iterator[tuple[str, int, str]]:
    """web1's sshd config, started again on 127.0.0.6 with ``AllowStreamLocalForwarding no``."""
    web1 = fleet.host("web1")
    address = "127.0.0.6"
    with socket.socket() as s:
        s.bind((address, 0))
        port = s.getsockname()[1]
    cfg = Path(fleet.dir) / "host1" / "sshd_config"
    pid = tmp_path / "sshd.pid"
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    subprocess.run([sshd, "-f", str(cfg), "-o", f"ListenAddress={address}:{port}", "-o", f"PidFile={pid}",
                    "-o", "AllowStreamLocalForwarding=no", "-E", str(tmp_path / "sshd.log")], check=True)
    deadline = time.monotonic() + 10
    while not pid.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    kh = tmp_path / "known_hosts"
    key = web1.host_key_line.split(None, 1)[1]
    kh.write_text(f"[{address}]:{port} {key}\n")
    try:
        yield address, port, str(kh)
    finally:
        with contextlib.suppress(OSError, ValueError):
            os.kill(int(pid.read_text()), 15)


async def test_sshd_refusing_socket_forwarding_gets_the_cli_path(fleet: Any, sshd_without_forwarding: Any) -> None:
    address, port, kh = sshd_without_forwarding
    web1 = tomllib.loads(Path(fleet.inventory).read_text())["hosts"]["web1"]
    inv = inventory(fleet, hosts={"locked": {**web1, "address": address, "port": port, "tags": []}},
                    known_hosts_files=[kh, fleet.known_hosts])
    async with Fleet(inv) as f:
        locked = (await f.status("locked")).hosts[0]
        direct = (await f.status("web1")).hosts[0]
        stats = f.pool.stats()
    assert locked.ok, locked.reason
    assert sorted(stable(c) for c in locked.data.containers) == sorted(stable(c) for c in direct.data.containers)
    assert stats["locked"]["streams"] == 0 and stats["locked"]["channels"] == 2  # lookup, then the CLI
    assert stats["web1"]["streams"] == 1


async def test_an_engine_that_never_answers_is_a_timeout(fleet: Any, tmp_path: Path) -> None:
    """A real unix socket on the host that accepts and stays silent: the command timeout ends the wait."""
    path = tmp_path / "silent.sock"
    server = await asyncio.start_unix_server(lambda r, w: asyncio.sleep(30), path=str(path))
    inv = inventory(fleet, hosts={"web1": {"docker_socket": str(path),
                                           "timeouts": {"connect": 3, "command": 1.5, "host": 10, "fleet": 20}}})
    try:
        async with Fleet(inv) as f:
            t = time.monotonic()
            r = (await f.status("web1")).hosts[0]
            took = time.monotonic() - t
    finally:
        server.close()
    assert r.status is HostStatus.TIMEOUT
    assert "did not answer within 1.5s" in (r.reason or "")
    assert took < 8  # bounded by the command timeout, not the host's or the fleet's


async def test_the_socket_found_is_remembered_by_the_next_process(fleet: Any, tmp_path: Path) -> None:
    state = str(tmp_path / "state")
    async with Fleet(inventory(fleet, state_dir=state)) as f:
        first = (await f.status("@prod")).hosts
        one = f.pool.stats()
    cache._loaded.clear()  # what a new process starts with
    async with Fleet(inventory(fleet, state_dir=state)) as f:
        second = (await f.status("@prod")).hosts
        two = f.pool.stats()
    assert all(h.ok for h in first + second)
    for host in LIVE:
        assert one[host]["channels"] == 1 and one[host]["streams"] == 1  # lookup, then the socket
        assert two[host]["channels"] == 0 and two[host]["streams"] == 1  # the socket straight away
    assert len(json.loads((Path(state) / "engines.json").read_text())) == len(LIVE)


async def test_a_stale_remembered_socket_is_looked_up_again(fleet: Any, tmp_path: Path) -> None:
    """The cache says web1's engine is elsewhere (it moved): one failed stream, a lookup, the right answer."""
    state = str(tmp_path / "state")
    h = inventory(fleet, state_dir=state).resolve("web1")
    key = cache.host_key(h.user, h.address, h.port)
    cache.remember(state, key, EngineEndpoint(socket=str(tmp_path / "moved.sock"), reason="test"))
    cache._loaded.clear()
    async with Fleet(inventory(fleet, state_dir=state)) as f:
        r = (await f.status("web1")).hosts[0]
        stats = f.pool.stats()["web1"]
    assert r.ok and {c.service for c in r.data.containers} == {"web", "worker", "proxy"}
    assert stats == {"connects": 1, "channels": 1, "streams": 1}  # the lookup, then the real socket
    cache._loaded.clear()
    assert cache.recall(state, key).socket == fleet.host("web1").engine_socket


@pytest.fixture
def memory_hog(fleet_mutable: Any) -> Iterator[str]:
    """A compose-labelled container on web1 holding ~12 MB of its 16 MB limit (tmpfs pages count)."""
    name = f"hog-{os.getpid()}"
    fleet_mutable.docker("web1", "run", "-d", "--name", name, "--network", "none", "-m", "16m",
                         "--label", "com.docker.compose.project=shop", "--label", "com.docker.compose.service=hog",
                         fleet_mutable.image, "sh", "-c", "head -c 12000000 /dev/zero > /dev/shm/fill.tmp && "
                         "mv /dev/shm/fill.tmp /dev/shm/fill; sleep 600")
    try:
        deadline = time.monotonic() + 60
        while fleet_mutable.docker("web1", "exec", name, "test", "-f", "/dev/shm/fill", check=False).returncode:
            assert time.monotonic() < deadline, "the hog did not fill its memory"
            time.sleep(0.2)
        yield name
    finally:
        fleet_mutable.docker("web1", "rm", "-f", name, check=False)


@pytest.mark.parametrize("engine_api", [True, False])
async def test_diagnosis_samples_memory_limited_containers(fleet: Any, memory_hog: str, engine_api: bool) -> None:
    """The container-memory alert comes out the same on both paths; the engine path samples only
    running containers that have a memory limit (one sample each), the CLI path runs docker stats."""
    from dozor.report.diagnose import diagnose

    inv = inventory(fleet, hosts={"web1": {"thresholds": {"container_memory": 50}}}, engine_api=engine_api)
    async with Fleet(inv) as f:
        report = await diagnose(f, "web1,web2", log_lines=0)
        stats = f.pool.stats()
    web1 = next(h for h in report.hosts if h.host == "web1")
    hog = [a for a in web1.alerts if a.code == "container_memory"]
    assert len(hog) == 1 and hog[0].service == "hog", [a.title for a in web1.alerts]
    assert "of 16 MiB" in hog[0].evidence
    assert web1.resources is not None and web1.resources.memory_percent and web1.resources.cpus
    if engine_api:
        # web1: one stream for every inspect, one sample each for the hog and edge's proxy (mem_limit 32m), one
        # for docker system df (+ /info); web2: its only limited container is edge's proxy.
        assert stats["web1"]["streams"] == 4 and stats["web2"]["streams"] == 3, stats
        assert stats["web1"]["channels"] == stats["web2"]["channels"] == 2  # lookup + host facts
    else:  # status + resources + docker system df scripts
        assert stats["web1"]["streams"] == 0 and stats["web1"]["channels"] == 3


async def test_docker_disk_usage_is_the_same_through_the_engine_and_the_cli(fleet: Any) -> None:
    """``docker system df`` by ``/system/df`` and by the CLI: same counts, sizes within the CLI's rounding,
    the same data root; and ``dozor resources`` carries it on both paths."""
    from dozor.runner.docker import docker_disk_usage

    got = {}
    for engine_api in (True, False):
        async with Fleet(inventory(fleet, engine_api=engine_api)) as f:
            df = await f.run(docker_disk_usage, "@prod", name="docker df")
            res = await f.resources("@prod")
            got[engine_api] = ({h.host: h for h in df.hosts}, {h.host: h for h in res.hosts})
    for host in LIVE:
        (api, api_res), (cli, cli_res) = got[True], got[False]
        assert api[host].ok and cli[host].ok, (api[host].reason, cli[host].reason)
        a, b = api[host].data, cli[host].data
        assert (a.source, b.source) == ("engine", "cli")
        assert a.data_root == b.data_root == f"{fleet.dir}/eng{fleet.host(host).engine}/data"
        for kind in ("images", "containers", "volumes", "build_cache"):
            x, y = getattr(a, kind), getattr(b, kind)
            assert (x.count, x.active) == (y.count, y.active), (host, kind)
            assert x.size == pytest.approx(y.size, rel=0.001, abs=1) and x.reclaimable == pytest.approx(
                y.reclaimable, rel=0.001, abs=1), (host, kind)
        assert a.images.count >= 1 and a.containers.count >= 1, a
        assert api_res[host].data.docker_df.images.count == cli_res[host].data.docker_df.images.count
        assert api_res[host].data.docker_df.source == "engine" and cli_res[host].data.docker_df.source == "cli"


async def test_a_busy_disk_usage_answer_keeps_the_engine_path(fleet: Any) -> None:
    """Docker runs one /system/df at a time and refuses the others (409; 500 on Docker 20.10): callers in one
    process share a run, and a refusal from another process's run is that section's error, never a reason to
    drop the host to the CLI (which then costs a remote docker process per question)."""
    async with contextlib.AsyncExitStack() as stack:
        fleets = [await stack.enter_async_context(Fleet(inventory(fleet))) for _ in range(4)]
        for f in fleets:
            await f.resources("web1")  # each process-like Fleet locates the socket once
        shared = await asyncio.gather(*(fleets[0].resources("web1") for _ in range(6)))
        assert all(r.hosts[0].ok and r.hosts[0].data.docker_df is not None for r in shared)
        before = [f.pool.stats()["web1"] for f in fleets]
        apart = await asyncio.gather(*(f.resources("web1") for f in fleets for _ in range(2)))
        after = [f.pool.stats()["web1"] for f in fleets]
        for r in apart:
            (h,) = r.hosts
            assert h.ok, h.reason
            err = h.data.section_errors.get("docker_df", "")
            assert h.data.docker_df is not None or err.startswith("CollectorError: docker disk usage: engine"), err
    for b, a in zip(before, after, strict=True):
        # Still the engine path: one exec channel per call (the host part), the rest over unix-socket streams.
        assert a["channels"] - b["channels"] == 2
        assert a["streams"] > b["streams"]
