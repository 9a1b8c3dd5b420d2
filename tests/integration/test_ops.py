"""Operations on the real test fleet: restart, background deploy (kill, lock, rolling), prune, exec, guard, audit.

The tests use their own compose project ``opsdemo`` on web1, web2 and db1 (declared in a copy of the
inventory) and leave the planted ``shop``/``data`` projects alone. Every test writes its own audit log
(``DOZOR_AUDIT_LOG``) and checks that each attempted action left exactly one before/after pair.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from dozor.fleet import Fleet
from dozor.ops.audit import read_audit
from dozor.ops.exec_policy import CommandRefused, validate_command
from dozor.ops.guard import NAME_RE
from dozor.ops.prune import PruneOptions
from dozor.outcome import HostStatus
from tests.fixtures.hostile import load_payloads, new_canary

pytestmark = pytest.mark.integration

PROJECT = "opsdemo"
HOSTS = ("web1", "web2", "db1")
DOZOR = [sys.executable, "-m", "dozor"]


def compose_text(mark: str, *, slow: bool = False, broken: bool = False) -> str:
    """opsdemo's compose file; ``slow`` makes ``up`` wait ~6 s for a gate service to become healthy."""
    if broken:
        return 'version: "2.4"\nservices:\n  app:\n    image: [this is not valid\n'
    loop = "trap 'exit 0' TERM; while true; do sleep 1; done"
    text = (
        'version: "2.4"\nservices:\n'
        "  app:\n"
        "    image: dozor-test/busybox:1\n"
        "    network_mode: none\n"
        "    stop_grace_period: 1s\n"
        f'    environment:\n      MARK: "{mark}"\n'
        f"    command: {json.dumps(['sh', '-c', loop])}\n"
        "    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 1s\n"
    )
    if slow:
        gate = "sleep 6; touch /tmp/ready; " + loop
        text += (
            "    depends_on:\n      gate:\n        condition: service_healthy\n"
            "  gate:\n"
            "    image: dozor-test/busybox:1\n"
            "    network_mode: none\n"
            "    stop_grace_period: 1s\n"
            f'    environment:\n      MARK: "{mark}"\n'
            f"    command: {json.dumps(['sh', '-c', gate])}\n"
            '    healthcheck:\n      test: ["CMD-SHELL", "test -f /tmp/ready"]\n      interval: 1s\n'
            "      retries: 30\n"
        )
    return text


class Ops:
    """The opsdemo setup: project dirs per host and an inventory that declares them."""

    def __init__(self, fleet: Any, root: Path) -> None:
        self.fleet = fleet
        self.root = root
        self.dirs = {h: Path(fleet.dir) / f"host{fleet.hosts[h].engine}" / "projects" / PROJECT for h in HOSTS}
        inv = tomllib.loads(Path(fleet.inventory).read_text())
        inv["defaults"]["state_dir"] = str(root / "state")
        inv["defaults"]["timeouts"] = {"connect": 5, "command": 30, "host": 60, "fleet": 120}
        for h in HOSTS:
            inv["hosts"][h]["projects"] = [
                *inv["hosts"][h].get("projects", []),
                {"name": PROJECT, "path": str(self.dirs[h]), "services": ["app"]},
            ]
        ro = dict(inv["hosts"]["web1"], read_only=True, tags=["readonly"])
        ro["projects"] = [{"name": PROJECT, "path": str(self.dirs["web1"]), "services": ["app"]}]
        inv["hosts"]["web1ro"] = ro
        self.inventory = root / "fleet.toml"
        self.inventory.write_text(tomli_w.dumps(inv))

    def write(self, host: str, text: str) -> None:
        self.dirs[host].mkdir(parents=True, exist_ok=True)
        (self.dirs[host] / "docker-compose.yml").write_text(text)

    def compose(self, host: str, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "COMPOSE_"))}
        subprocess.run(["docker-compose", "-p", PROJECT, *args], cwd=self.dirs[host], check=True, timeout=120,
                       env={**env, **self.fleet.hosts[host].env}, capture_output=True)

    def inspect(self, host: str, container: str = f"{PROJECT}_app_1") -> dict[str, Any]:
        return json.loads(self.fleet.docker(host, "inspect", container).stdout)[0]

    def mark(self, host: str) -> str | None:
        env = self.inspect(host)["Config"]["Env"] or []
        return next((e.split("=", 1)[1] for e in env if e.startswith("MARK=")), None)

    def load(self) -> Fleet:
        return Fleet.load(self.inventory)

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*DOZOR, "-i", str(self.inventory), *args], capture_output=True, text=True,
                              timeout=timeout, env=_cli_env(), stdin=subprocess.DEVNULL)


def _cli_env() -> dict[str, str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    for k in ("DOZOR_HOST", "DOZOR_INVENTORY", "DOZOR_READ_ONLY"):
        env.pop(k, None)
    return env


@pytest.fixture(scope="module")
def ops(fleet: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ops]:
    o = Ops(fleet, tmp_path_factory.mktemp("ops"))
    for h in HOSTS:
        o.write(h, compose_text("initial"))
        o.compose(h, "up", "-d")
    yield o
    for h in HOSTS:
        o.write(h, compose_text("teardown", slow=True))  # so down also removes a gate container
        try:
            o.compose(h, "down", "-t", "1", "--remove-orphans")
        finally:
            shutil.rmtree(o.dirs[h], ignore_errors=True)
            home = Path(fleet.hosts[h].home) / ".local/state/dozor/deploys"
            for f in home.glob(f"{PROJECT}.*"):
                f.unlink()


@pytest.fixture
def audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("DOZOR_AUDIT_LOG", str(path))
    monkeypatch.delenv("DOZOR_READ_ONLY", raising=False)
    return path


def assert_pairs(path: Path, expected: int) -> list[dict[str, Any]]:
    """Every action in the log has exactly one before and one after line; ``expected`` actions in all."""
    records = read_audit(path)
    phases: dict[str, list[str]] = {}
    for r in records:
        phases.setdefault(str(r["action"]), []).append(str(r["phase"]))
    bad = {a: p for a, p in phases.items() if p != ["before", "after"]}
    assert not bad, f"actions without exactly one before/after pair: {list(bad.items())[:5]}"
    assert len(phases) == expected, f"{len(phases)} audited actions, expected {expected}"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    return [r for r in records if r["phase"] == "after"]


async def wait_state(fleet: Fleet, host: str, deploy_id: str, want: set[str], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        r = (await fleet.deploy_status(host, deploy_id)).get(host)
        state = r.data[0] if r.ok and r.data else None
        if state is not None and state.status in want:
            return state
        assert time.monotonic() < deadline, f"deploy {deploy_id} not in {want}: {state}"
        time.sleep(0.3)


# ------------------------------------------------------------------------------------------------ restart


async def test_restart_changes_the_start_time(ops: Ops, audit: Path) -> None:
    before = ops.inspect("web1")["State"]["StartedAt"]
    async with ops.load() as f:
        r = (await f.restart("app", "web1", project=PROJECT, actor="cli:test")).get("web1")
    assert r.ok, r.reason
    [c] = r.data.containers
    assert c.restarted and c.previous_started_at is not None and c.started_at > c.previous_started_at
    assert c.health is not None and c.health.value == "healthy" and r.data.healthy
    assert ops.inspect("web1")["State"]["StartedAt"] != before
    [after] = assert_pairs(audit, 1)
    assert after["outcome"] == "ok" and after["actor"] == "cli:test" and after["tool"] == "restart"


async def test_restart_refuses_a_multi_host_selector_without_allow_many(ops: Ops, audit: Path) -> None:
    async with ops.load() as f:
        r = await f.restart("app", "web1,web2", project=PROJECT)
    assert [h.status for h in r.hosts] == [HostStatus.REFUSED, HostStatus.REFUSED]
    assert "single-host" in r.hosts[0].reason
    assert_pairs(audit, 2)


def test_cli_restart_needs_all_for_several_hosts(ops: Ops, audit: Path) -> None:
    p = ops.cli("--host", "web1,web2", "restart", "app", "-p", PROJECT, "-y")
    assert p.returncode == 1 and "single-host" in p.stderr
    records = assert_pairs(audit, 2)
    assert {r["actor"] for r in records} == {f"cli:{os.environ.get('USER') or 'root'}"}


# ------------------------------------------------------------------------------------------------ deploy


async def test_deploy_applies_a_compose_change(ops: Ops, audit: Path) -> None:
    mark = "m-" + secrets.token_hex(4)
    ops.write("web1", compose_text(mark))
    async with ops.load() as f:
        r = (await f.deploy(PROJECT, "web1", wait=True)).get("web1")
        assert r.ok, r.reason
        assert r.data.status == "succeeded" and r.data.exit_code == 0 and r.data.healthy
        [state] = (await f.deploy_status("web1", project=PROJECT)).get("web1").data
    assert state.id == r.data.id and state.status == "succeeded"
    assert state.finished_at is not None and state.started_at is not None
    assert ops.mark("web1") == mark
    deploys = Path(ops.fleet.hosts["web1"].home) / ".local/state/dozor/deploys"
    assert oct(deploys.stat().st_mode & 0o777) == "0o700"
    assert_pairs(audit, 1)


def test_killed_controller_deploy_finishes_and_a_new_process_reads_it(ops: Ops, audit: Path) -> None:
    mark = "k-" + secrets.token_hex(4)
    ops.write("web2", compose_text(mark, slow=True))
    proc = subprocess.Popen([*DOZOR, "-i", str(ops.inventory), "--json", "--host", "web2", "deploy", PROJECT,
                             "--wait", "-y"], env=_cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    deploys = Path(ops.fleet.hosts["web2"].home) / ".local/state/dozor/deploys"
    deadline = time.monotonic() + 30
    current = deploys / f"{PROJECT}.current"
    while not current.exists():
        assert proc.poll() is None and time.monotonic() < deadline, "deploy did not start"
        time.sleep(0.1)
    deploy_id = current.read_text().strip()
    time.sleep(1.0)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    st = ops.cli("--json", "--host", "web2", "deploy-status", deploy_id)
    assert st.returncode == 0, st.stderr
    first = json.loads(st.stdout)["hosts"][0]["data"][0]
    assert first["status"] == "running", first  # the controller is gone, the deploy is not
    deadline = time.monotonic() + 60
    while first["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.5)
        st = ops.cli("--json", "--host", "web2", "deploy-status", deploy_id)
        first = json.loads(st.stdout)["hosts"][0]["data"][0]
    assert first["status"] == "succeeded" and first["exit_code"] == 0, first
    assert "up" in first["log_tail"]
    assert ops.mark("web2") == mark
    assert_pairs(audit, 1)  # the start was audited (before and after) before the controller was killed


async def test_second_deploy_of_a_project_is_refused_while_one_runs(ops: Ops, audit: Path) -> None:
    ops.write("web1", compose_text("c-" + secrets.token_hex(4), slow=True))
    async with ops.load() as f:
        first = (await f.deploy(PROJECT, "web1")).get("web1")
        assert first.ok, first.reason
        second = (await f.deploy(PROJECT, "web1")).get("web1")
        assert second.status is HostStatus.REFUSED
        assert first.data.id in second.reason and "still running" in second.reason
        final = await wait_state(f, "web1", first.data.id, {"succeeded", "failed", "lost"})
        assert final.status == "succeeded"
        # The lock is released with the deploy: a third one runs.
        third = (await f.deploy(PROJECT, "web1", wait=True)).get("web1")
        assert third.ok, third.reason
    log = final.log_tail
    assert log.count("== ") >= 2 and first.data.id not in log.replace(final.id, "")
    assert_pairs(audit, 3)


async def test_rolling_deploy_stops_at_the_failing_host(ops: Ops, audit: Path) -> None:
    mark = "r-" + secrets.token_hex(4)
    ops.write("web1", compose_text(mark))
    ops.write("web2", compose_text(mark, broken=True))
    ops.write("db1", compose_text(mark))
    try:
        async with ops.load() as f:
            r = await f.deploy(PROJECT, "web1,web2,db1", rolling=True, health_timeout=30)
    finally:
        ops.write("web2", compose_text("initial"))
    assert [h.host for h in r.hosts] == ["web1", "web2", "db1"]
    web1, web2, db1 = r.hosts
    assert web1.ok and web1.data.status == "succeeded" and web1.data.healthy
    assert web2.status is HostStatus.ERROR and web2.data.status == "failed" and web2.data.step == "up"
    assert db1.status is HostStatus.REFUSED and "skipped" in db1.reason
    assert ops.mark("web1") == mark and ops.mark("db1") != mark
    assert_pairs(audit, 2)  # db1 was never attempted


# ------------------------------------------------------------------------------------------------ prune


async def test_prune_preview_lists_what_the_prune_removes(ops: Ops, audit: Path) -> None:
    fl = ops.fleet
    image = fl.image
    for _ in range(2):
        cid = fl.docker("web1", "run", "-d", "--network", "none", "--label", "dozor.test=prune", image, "true").stdout
        fl.docker("web1", "wait", cid.strip())
    containers = set(fl.docker("web1", "ps", "-aq", "--filter", "label=dozor.test=prune").stdout.split())
    assert len(containers) >= 2
    tar = Path(fl.dir) / "image" / "busybox.tar"
    for _ in range(2):  # the second import takes the tag: the first image is left dangling
        fl.docker("web1", "import", "--change", "LABEL dozor.test=prune", str(tar), "dozor-test/prunable:1")
    out = fl.docker("web1", "image", "ls", "-q", "--filter", "dangling=true", "--filter", "label=dozor.test=prune")
    dangling = set(out.stdout.split())
    assert dangling
    planted = set(fl.docker("web1", "ps", "-aq").stdout.split()) - containers
    opts = PruneOptions(label="dozor.test=prune", build_cache=False)
    async with ops.load() as f:
        preview = (await f.prune("web1", options=opts)).get("web1")
        assert preview.ok, preview.reason
        listed = {(i.kind, i.id) for i in preview.data.preview.items}
        assert listed == {("container", c) for c in containers} | {("image", i) for i in dangling}
        acted = (await f.prune("web1", options=opts, confirm=True)).get("web1")
    assert acted.ok, acted.reason
    removed = {(i.kind, i.id) for i in acted.data.result.removed if i.id}
    assert removed == listed
    assert set(fl.docker("web1", "ps", "-aq").stdout.split()) == planted
    fl.docker("web1", "image", "rm", "dozor-test/prunable:1")
    assert_pairs(audit, 1)  # the preview reads only


# ------------------------------------------------------------------------------------------------ guard


async def test_read_only_hosts_refuse_every_mutation(ops: Ops, audit: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = ops.inspect("web1")["State"]["StartedAt"]
    attempts = 0
    async with ops.load() as f:
        for host, flag in (("web1", True), ("web1ro", False)):
            results = [
                await f.restart("app", host, project=PROJECT, read_only=flag),
                await f.deploy(PROJECT, host, read_only=flag),
                await f.prune(host, options=PruneOptions(label="dozor.test=none"), confirm=True, read_only=flag),
            ]
            attempts += len(results)
            for r in results:
                assert r.hosts[0].status is HostStatus.REFUSED and "read-only" in r.hosts[0].reason, r
        monkeypatch.setenv("DOZOR_READ_ONLY", "1")
        r = await f.restart("app", "web1", project=PROJECT)
        assert r.hosts[0].status is HostStatus.REFUSED and "read-only" in r.hosts[0].reason
        monkeypatch.delenv("DOZOR_READ_ONLY")
        attempts += 1
        ex = (await f.exec("docker ps -a", "web1ro")).get("web1ro")  # reading is fine on a read-only host
        assert ex.ok and ex.data.exit_status == 0
        attempts += 1
    p = ops.cli("--read-only", "--host", "web1", "restart", "app", "-y")
    assert p.returncode == 1 and "read-only" in p.stderr
    attempts += 1
    assert ops.inspect("web1")["State"]["StartedAt"] == before
    outcomes = Counter(r["outcome"] for r in assert_pairs(audit, attempts))
    assert outcomes == {"refused": attempts - 1, "ok": 1}


# ------------------------------------------------------------------------------------------------ exec


async def test_exec_runs_allowlisted_commands_and_refuses_the_rest(ops: Ops, audit: Path) -> None:
    async with ops.load() as f:
        ok = await f.exec(["docker", "ps", "-a"], "web1,web2")
        assert all(h.ok and "shop_web_1" in h.data.output for h in ok.hosts)
        capped = (await f.exec("docker logs --tail 1000 shop_web_1", "web2", max_bytes=100)).get("web2")
        assert capped.ok and capped.data.truncated and len(capped.data.output.encode()) <= 100
        bad = (await f.exec("docker rm -f shop_web_1", "web2")).get("web2")
        assert bad.status is HostStatus.REFUSED and "subcommand" in bad.reason
    p = ops.cli("--host", "web2", "exec", "--", "docker", "ps", "-a")
    assert p.returncode == 0 and "shop_api_1" in p.stdout
    assert ops.cli("exec", "--list").stdout.startswith("Read-only commands")
    outcomes = Counter(r["outcome"] for r in assert_pairs(audit, 5))
    assert outcomes == {"ok": 4, "refused": 1}


# ------------------------------------------------------------------------------------------------ hostile input


async def test_hostile_payloads_are_refused_everywhere_and_audited(ops: Ops, audit: Path) -> None:
    canary = new_canary()
    payloads = load_payloads(canary)
    assert len(payloads) >= 1000
    audited = 0
    async with ops.load() as f:
        calls = [
            ("exec", lambda p: f.exec(p, "web2"), True),
            ("restart service", lambda p: f.restart(p, "web1", project=PROJECT), True),
            ("restart project", lambda p: f.restart("app", "web1", project=p), True),
            ("deploy project", lambda p: f.deploy(p, "web1"), True),
            ("deploy services", lambda p: f.deploy(PROJECT, "web1", services=[p]), True),
            ("deploy-status id", lambda p: f.deploy_status("web1", p), False),
            ("deploy-status project", lambda p: f.deploy_status("web1", project=p), False),
            ("prune until", lambda p: f.prune("web1", options=PruneOptions(until=p), confirm=True), True),
            ("prune label", lambda p: f.prune("web1", options=PruneOptions(label=p), confirm=True), True),
        ]
        for what, call, is_audited in calls:
            for p in payloads:
                r = await call(p)
                [h] = r.hosts
                if h.ok and NAME_RE.fullmatch(p) and what in ("deploy-status project", "prune label"):
                    # A plain name is a valid project to read or label to filter by: it ran, harmlessly.
                    assert h.data == [] or not h.data.result.removed, (what, p)
                    audited += is_audited
                    continue
                assert h.status is HostStatus.REFUSED, f"{what}: {p!r} was not refused: {h.status} {h.reason}"
                assert h.reason.startswith("refused by rule "), (what, p, h.reason)
                audited += is_audited
        # Inputs that pass validation but carry injection text still only run as argv, end to end.
        accepted = []
        for p in payloads:
            pattern = p.strip()
            try:
                accepted.append(validate_command(["grep", "-c", "-F", pattern, "/var/log/dozor-none.log"]))
            except CommandRefused:
                continue
        assert accepted, "expected some payloads to be valid grep patterns"
        for argv in accepted[:40]:
            r = (await f.exec(argv, "web2")).get("web2")
            assert r.ok and r.data.exit_status == 2, (argv, r)  # grep: no such file; nothing else ran
            audited += 1
    assert not Path(canary).exists(), f"canary {canary} was created"
    assert not list(Path("/tmp").glob(Path(canary).name + "*"))
    assert_pairs(audit, audited)
