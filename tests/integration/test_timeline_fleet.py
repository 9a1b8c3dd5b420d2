"""The timeline on the real test fleet, through the Engine API and through ``docker events`` (engine_api=false).

Each test causes its own events inside the window: a fresh crash loop of web1's shop/worker (restarted, so the
engine's back-off starts small), a fresh OOM kill of db1's data/db (started again), and a deploy of a test
project (``tlproj``) on web1 through dozor, audited.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from dozor.fleet import Fleet
from dozor.report.timeline_models import EntryKind, EntrySource, Timeline
from tests.integration.test_engine_api import inventory

pytestmark = pytest.mark.integration

PROJECT = "tlproj"
PATHS = pytest.mark.parametrize("engine_api", [True, False], ids=["engine-api", "cli"])


async def _timeline(inv: Any, host: str, **kw: Any) -> Timeline:
    async with Fleet(inv) as f:
        t = await f.timeline(host, **kw)
        streams = f.pool.stats()[host]["streams"] if host in f.pool.stats() else 0
    t.__dict__["_streams"] = streams  # not a field: for the path assertion below
    return t


def _path_used(t: Timeline, engine_api: bool) -> None:
    for h in t.hosts:
        assert h.answered, h
        assert h.events_source == ("engine" if engine_api else "cli"), h
        assert h.events_held > 0 and h.events_from is not None and h.host_time is not None


@PATHS
async def test_a_crash_loop_is_one_line_with_host_service_and_times(fleet_mutable: Any, engine_api: bool) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    fleet_mutable.docker("web1", "restart", "-t", "0", "shop_worker_1")
    await asyncio.sleep(8)  # back-off 0.1, 0.2, 0.4 ... s: several exits
    t = await _timeline(inventory(fleet_mutable, engine_api=engine_api), "web1", since="2m", services=["worker"])
    _path_used(t, engine_api)
    loops = [e for e in t.entries if e.kind is EntryKind.CRASH_LOOP]
    assert len(loops) == 1, [e.model_dump() for e in t.entries]
    [loop] = loops
    assert (loop.host, loop.project, loop.service, loop.container) == ("web1", "shop", "worker", "shop_worker_1")
    assert loop.count >= 3 and "exit 1" in loop.detail and loop.source is EntrySource.ENGINE
    assert loop.last is not None and before - timedelta(minutes=2) <= loop.time < loop.last <= datetime.now(UTC)
    # No separate start/die lines of the worker inside the loop's span.
    assert not [e for e in t.entries if e.kind in (EntryKind.START, EntryKind.DIE) and e.source is EntrySource.ENGINE
                and loop.time <= e.time <= loop.last]


@PATHS
async def test_an_oom_kill_shows_on_db1_data_db_at_its_time(fleet_mutable: Any, engine_api: bool) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    fleet_mutable.docker("db1", "start", "data_db_1")
    await asyncio.sleep(2)
    after = datetime.now(UTC) + timedelta(seconds=1)
    state = json.loads(fleet_mutable.docker("db1", "inspect", "data_db_1").stdout)[0]["State"]
    assert state["OOMKilled"] is True, state
    t = await _timeline(inventory(fleet_mutable, engine_api=engine_api), "db1", since="1m", services=["db"])
    _path_used(t, engine_api)
    ooms = [e for e in t.entries if e.kind is EntryKind.OOM and before <= e.time <= after]
    assert ooms, [e.model_dump() for e in t.entries]
    assert {(e.host, e.project, e.service, e.container) for e in ooms} == {("db1", "data", "db", "data_db_1")}
    assert any(e.kind is EntryKind.DIE and e.detail == "exited 137" and before <= e.time <= after
               for e in t.entries)
    assert {e.service for e in t.entries} == {"db"}


async def test_container_state_tells_what_the_window_misses_in_the_engine_log(fleet: Any) -> None:
    """A window ending before the engine's oldest held event: only container state speaks, and the gap is said."""
    inv = inventory(fleet)
    [h] = (await _timeline(inv, "db1", since="30d")).hosts
    assert h.gap is not None and "events before" in h.gap  # the fleet's engines are younger than 30 days
    until = (h.events_from - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")  # type: ignore[operator]
    t = await _timeline(inv, "db1", since="30d", until=until)
    # Nothing from the engine's log (it holds nothing that old); container state speaks, and the deploy records
    # kept on the host may too (earlier tests deploy on the fleet).
    sources = {e.source for e in t.entries}
    assert EntrySource.STATE in sources and EntrySource.ENGINE not in sources, sources
    assert ("db1", "data", "db", EntryKind.CREATE) in {(e.host, e.project, e.service, e.kind) for e in t.entries}
    assert t.hosts[0].gap is not None


# ------------------------------------------------------------------------------------------------ deploy


def _compose(mark: str) -> str:
    loop = "trap 'exit 0' TERM; while true; do sleep 1; done"
    return ('version: "2.4"\nservices:\n  app:\n    image: dozor-test/busybox:1\n    network_mode: none\n'
            f'    stop_grace_period: 1s\n    environment:\n      MARK: "{mark}"\n'
            f"    command: {json.dumps(['sh', '-c', loop])}\n")


@pytest.fixture(scope="module")
def deployed(fleet: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """tlproj deployed twice on web1 through dozor (the second deploy recreates the container), audited."""
    root = tmp_path_factory.mktemp("tl")
    pdir = Path(fleet.dir) / "host1" / "projects" / PROJECT
    pdir.mkdir(parents=True, exist_ok=True)
    data = tomllib.loads(Path(fleet.inventory).read_text())
    data["defaults"]["state_dir"] = str(root / "state")
    data["hosts"]["web1"]["projects"] = [*data["hosts"]["web1"].get("projects", []),
                                         {"name": PROJECT, "path": str(pdir), "services": ["app"]}]
    inv_path = root / "fleet.toml"
    inv_path.write_text(tomli_w.dumps(data))
    audit = root / "audit.jsonl"
    old = os.environ.get("DOZOR_AUDIT_LOG")
    os.environ["DOZOR_AUDIT_LOG"] = str(audit)
    started = datetime.now(UTC) - timedelta(seconds=1)
    ids = []

    async def deploy(mark: str) -> None:
        (pdir / "docker-compose.yml").write_text(_compose(mark))
        async with Fleet.load(inv_path) as f:
            r = (await f.deploy(PROJECT, "web1", wait=True, actor="cli:timeline-test")).get("web1")
        assert r.ok and r.data.status == "succeeded", (r.reason, r.data)
        ids.append(r.data.id)

    try:
        asyncio.run(deploy("one"))
        asyncio.run(deploy("two"))
        yield {"inventory": inv_path, "ids": ids, "started": started, "ended": datetime.now(UTC) + timedelta(seconds=1)}
    finally:
        if old is None:
            os.environ.pop("DOZOR_AUDIT_LOG", None)
        else:
            os.environ["DOZOR_AUDIT_LOG"] = old
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "COMPOSE_"))}
        subprocess.run(["docker-compose", "-p", PROJECT, "down", "-t", "1"], cwd=pdir, timeout=120,
                       env={**env, **fleet.hosts["web1"].env}, capture_output=True)
        shutil.rmtree(pdir, ignore_errors=True)
        for f in (Path(fleet.hosts["web1"].home) / ".local/state/dozor/deploys").glob("*"):
            if f.name.startswith(PROJECT + ".") or any(f.name.startswith(i) for i in ids):
                f.unlink()


@PATHS
async def test_a_deploy_shows_its_records_audit_and_recreated_container(
        deployed: dict[str, Any], engine_api: bool) -> None:
    inv = tomllib.loads(Path(deployed["inventory"]).read_text())
    inv["defaults"]["engine_api"] = engine_api
    from dozor.inventory.models import Inventory

    t = await _timeline(Inventory.model_validate(inv), "web1", since="5m")
    _path_used(t, engine_api)
    window = (deployed["started"], deployed["ended"])
    mine = [e for e in t.entries if e.project == PROJECT]
    deploys = [e for e in mine if e.kind is EntryKind.DEPLOY]
    for i in deployed["ids"]:
        assert {e.detail for e in deploys if i in e.detail} == {f"deploy {i} started", f"deploy {i} succeeded"}
    assert all(e.host == "web1" and window[0] - timedelta(seconds=2) <= e.time <= window[1] for e in deploys)
    actions = [e for e in mine if e.kind is EntryKind.ACTION]
    assert len(actions) == 2 and all(e.detail == "deploy by cli:timeline-test: ok" for e in actions)
    engine = [(e.kind, e.service, e.container) for e in mine if e.source is EntrySource.ENGINE]
    assert (EntryKind.CREATE, "app", f"{PROJECT}_app_1") in engine
    assert (EntryKind.DESTROY, "app", f"{PROJECT}_app_1") in engine or any(
        k is EntryKind.DESTROY for k, *_ in engine), (  # v1 renames the old container before removing it
        [(e.time.isoformat(), e.kind.value, e.container, e.container_id, e.source.value) for e in mine], t.hosts)
    assert [e.time for e in t.entries] == sorted(e.time for e in t.entries)


def test_cli_timeline_ai_text_and_json(deployed: dict[str, Any]) -> None:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    for k in ("DOZOR_HOST", "DOZOR_INVENTORY", "DOZOR_READ_ONLY"):
        env.pop(k, None)
    base = [sys.executable, "-m", "dozor", "-i", str(deployed["inventory"]), "--host", "web1"]
    p = subprocess.run([*base, "timeline", "--since", "5m"], capture_output=True, text=True, timeout=60, env=env)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].startswith("timeline of web1, ") and "1 of 1 hosts answered" in lines[0]
    deploy_lines = [ln for ln in lines if f" {PROJECT} deploy: deploy " in ln]
    assert len(deploy_lines) == 4 and all(ln.split()[1] == "web1" for ln in deploy_lines), p.stdout
    assert sum(f" {PROJECT} action: deploy by cli:timeline-test: ok [audit]" in ln for ln in lines) == 2, p.stdout
    p = subprocess.run([*base, "--json", "timeline", "--since", "5m", "--limit", "3"], capture_output=True,
                       text=True, timeout=60, env=env)
    data = json.loads(p.stdout)
    assert len(data["entries"]) == 3 and data["omitted"] == data["total"] - 3 > 0


async def test_an_hour_of_timeline_text_is_small(fleet: Any) -> None:
    """The measure reported for the issue: tokens (chars/4) of a 1-hour fleet-wide AI text."""
    from dozor.render.timeline_text import timeline_text

    t0 = time.monotonic()
    async with Fleet(inventory(fleet)) as f:
        t = await f.timeline(since="1h")
    text = timeline_text(t)
    print(f"\n[1h timeline: {len(t.entries)} entries of {t.total}, {len(text)} chars ≈ {len(text) // 4} tokens, "
          f"{time.monotonic() - t0:.2f}s]")
    assert len(text) // 4 <= 3500
    assert {h.host for h in t.hosts if h.answered} == {"web1", "web2", "db1", "app1"}


async def test_mcp_fleet_timeline_answers_with_unreachable_hosts_and_refuses_a_bad_window(fleet: Any) -> None:
    from mcp import Client

    from dozor.mcp.server import build_server

    async with Client(build_server(inventory=fleet.inventory, read_only=True)) as c:
        r = await c.call_tool("fleet_timeline", {"since": "1h", "limit": 20})
        assert not r.is_error, r.content[0].text
        t = r.structured_content
        assert len(t["entries"]) <= 20 and {n.split(":")[0] for n in t["not_answered"]} == {"dead", "blackhole"}
        assert "dead: NOT ANSWERED" in r.content[0].text
        bad = await c.call_tool("fleet_timeline", {"since": "bogus"})
        assert bad.is_error and "neither a duration" in bad.content[0].text


@PATHS
async def test_what_happened_earlier_in_the_current_second_is_in_the_timeline(
        fleet_mutable: Any, engine_api: bool) -> None:
    """The engine's log is read up to the host's clock to the nanosecond: a start a few milliseconds before the
    question is in the answer (a whole-second `until` left out the current second: a deploy that had just
    finished lost its last events). Last in this module: the scenarios it re-plants after itself start db1's
    OOM-killed data/db again, which would make the OOM test above read a crash loop."""
    inv = inventory(fleet_mutable)
    inv.defaults.engine_api = engine_api
    async with Fleet(inv) as f:
        await f.timeline("web1", since="1m")  # connection and engine lookup done: the next call is quick
        for _ in range(3):  # each try lands in the second of the start with a good chance; all must see it
            before = datetime.now(UTC)  # the engines run on this machine: one clock
            await asyncio.to_thread(fleet_mutable.docker, "web1", "restart", "-t", "0", "shop_web_1")
            t = await f.timeline("web1", since="1m")
            started = [e for e in t.entries if e.container == "shop_web_1" and e.kind is EntryKind.START
                       and e.source is EntrySource.ENGINE and e.time >= before]
            assert started, ([(e.time, e.kind, e.container) for e in t.entries[-8:]], t.hosts[0])
