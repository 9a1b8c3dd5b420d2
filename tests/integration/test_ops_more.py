"""Deploy options and lock fallback on the real fleet: ``--build``, ``--pull``, ``--git-pull``, mkdir lock.

The tests use their own compose project ``opsmore`` (declared in a copy of the inventory) and leave the
planted projects and test_ops.py's ``opsdemo`` alone. No registry is reachable from the fleet, so:

* ``--build`` builds ``FROM dozor-test/busybox:1`` (the image every engine imported locally);
* ``--pull`` of a local-only image fails: docker-compose 1.29 asks the registry and exits 1 (services
  with ``build:`` and no ``image:`` are skipped by ``pull``), and the deploy must say so truthfully;
* ``--git-pull`` pulls from a local bare repository (a plain path, same machine).

The mkdir lock (hosts without ``flock``) is exercised through a second sshd for web1 whose ``SetEnv``
gives commands a PATH without ``flock``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from dozor.fleet import Fleet
from dozor.ops.prune import PruneOptions
from dozor.outcome import HostStatus

pytestmark = pytest.mark.integration

PROJECT = "opsmore"
NOFLOCK = "noflock"  # web1 again, through an sshd whose commands have no flock on PATH
NOFLOCK_PROJECT = "opsmorenf"
HOSTS = ("web1", "web2", "db1")
DOZOR = [sys.executable, "-m", "dozor"]
LOOP = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def service(mark: str, *, image: str | None = "dozor-test/busybox:1", build: bool = False, slow: bool = False) -> str:
    """One compose service ``app`` (optionally built from ``./Dockerfile``; ``slow``: ~5 s until started)."""
    text = "  app:\n"
    if build:
        text += "    build:\n      context: .\n      network: none\n"
    if image:
        text += f"    image: {image}\n"
    command = ["sh", "-c", "sleep 5; " + LOOP[2]] if slow else LOOP
    text += (
        "    network_mode: none\n    stop_grace_period: 1s\n"
        f'    environment:\n      MARK: "{mark}"\n'
        f"    command: {json.dumps(command)}\n"
        '    healthcheck:\n      test: ["CMD", "true"]\n      interval: 1s\n'
    )
    if slow:  # `up` waits for this gate to become healthy, which keeps the deploy running for a while
        text = text.replace("  app:\n", "  app:\n    depends_on:\n      gate:\n        condition: service_healthy\n")
        text += (
            "  gate:\n    image: dozor-test/busybox:1\n    network_mode: none\n    stop_grace_period: 1s\n"
            f"    command: {json.dumps(['sh', '-c', 'sleep 5; touch /tmp/ready; ' + LOOP[2]])}\n"
            '    healthcheck:\n      test: ["CMD-SHELL", "test -f /tmp/ready"]\n      interval: 1s\n'
            "      retries: 30\n"
        )
    return 'version: "2.4"\nservices:\n' + text


class More:
    """opsmore's project directories, and an inventory declaring them (plus the flock-less host)."""

    def __init__(self, fleet: Any, root: Path) -> None:
        self.fleet = fleet
        self.root = root
        self.dirs = {h: self.project_dir(h, PROJECT) for h in HOSTS}
        self.dirs[NOFLOCK] = self.project_dir("web1", NOFLOCK_PROJECT)
        self.base = tomllib.loads(Path(fleet.inventory).read_text())
        self.base["defaults"]["state_dir"] = str(root / "state")
        self.base["defaults"]["timeouts"] = {"connect": 5, "command": 30, "host": 60, "fleet": 120}
        for h in HOSTS:
            self.base["hosts"][h]["projects"] = [
                *self.base["hosts"][h].get("projects", []),
                {"name": PROJECT, "path": str(self.dirs[h]), "services": ["app"]},
            ]
        self.inventory = root / "fleet.toml"
        self.inventory.write_text(tomli_w.dumps(self.base))

    def project_dir(self, host: str, project: str) -> Path:
        return Path(self.fleet.dir) / f"host{self.fleet.hosts[host].engine}" / "projects" / project

    def deploys(self, host: str) -> Path:
        """The host's deploy state directory (web1's for the flock-less host: same HOME)."""
        real = "web1" if host == NOFLOCK else host
        return Path(self.fleet.hosts[real].home) / ".local/state/dozor/deploys"

    def write(self, host: str, text: str, name: str = "docker-compose.yml") -> None:
        self.dirs[host].mkdir(parents=True, exist_ok=True)
        (self.dirs[host] / name).write_text(text)

    def compose(self, host: str, *args: str, project: str = PROJECT) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "COMPOSE_"))}
        real = "web1" if host == NOFLOCK else host
        subprocess.run(["docker-compose", "-p", project, *args], cwd=self.dirs[host], check=True, timeout=120,
                       env={**env, **self.fleet.hosts[real].env}, capture_output=True)

    def inspect(self, host: str, container: str = f"{PROJECT}_app_1") -> dict[str, Any]:
        return json.loads(self.fleet.docker(host, "inspect", container).stdout)[0]

    def mark(self, host: str, container: str = f"{PROJECT}_app_1") -> str | None:
        env = self.inspect(host, container)["Config"]["Env"] or []
        return next((e.split("=", 1)[1] for e in env if e.startswith("MARK=")), None)

    def cli(self, *args: str, inventory: Path | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
        for k in ("DOZOR_HOST", "DOZOR_INVENTORY", "DOZOR_READ_ONLY"):
            env.pop(k, None)
        return subprocess.run([*DOZOR, "-i", str(inventory or self.inventory), *args], capture_output=True,
                              text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)

    def deploy_json(self, host: str, *args: str) -> tuple[int, dict[str, Any]]:
        """``dozor --json --host HOST deploy opsmore ARGS --wait -y``: exit code and the host's result."""
        p = self.cli("--json", "--host", host, "deploy", PROJECT, *args, "--wait", "-y")
        assert p.stdout, p.stderr
        return p.returncode, json.loads(p.stdout)["hosts"][0]

    def status_json(self, host: str, deploy_id: str) -> dict[str, Any]:
        """``dozor --json deploy-status ID`` from a fresh process."""
        p = self.cli("--json", "--host", host, "deploy-status", deploy_id, "--log-bytes", "65536")
        assert p.returncode == 0, p.stderr
        [state] = json.loads(p.stdout)["hosts"][0]["data"]
        return state


@pytest.fixture(scope="module")
def more(fleet: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[More]:
    m = More(fleet, tmp_path_factory.mktemp("opsmore"))
    for h in HOSTS:
        m.write(h, service("initial"))
        m.compose(h, "up", "-d")
    yield m
    for h in (*HOSTS, NOFLOCK):
        project = NOFLOCK_PROJECT if h == NOFLOCK else PROJECT
        if (m.dirs[h] / "docker-compose.yml").exists():
            m.write(h, service("teardown", slow=True, build=False))  # so down also removes a gate container
            with contextlib.suppress(subprocess.SubprocessError):
                m.compose(h, "down", "-t", "1", "--remove-orphans", project=project)
        shutil.rmtree(m.dirs[h], ignore_errors=True)
        for f in m.deploys(h).glob(f"{project}.*"):
            shutil.rmtree(f) if f.is_dir() else f.unlink()
    with contextlib.suppress(subprocess.SubprocessError):
        fleet.docker("web2", "image", "rm", "-f", "dozor-test/opsmore-built:1", check=False)


@pytest.fixture(autouse=True)
def audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own audit log (the CLI processes inherit it)."""
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("DOZOR_AUDIT_LOG", str(path))
    monkeypatch.delenv("DOZOR_READ_ONLY", raising=False)
    return path


# ------------------------------------------------------------------------------------------------ --build


def test_deploy_build_builds_from_the_local_image_and_runs_it(more: More) -> None:
    mark = "b-" + secrets.token_hex(4)
    more.write("web2", service(mark, image="dozor-test/opsmore-built:1", build=True))
    more.write("web2", f'FROM dozor-test/busybox:1\nRUN echo "{mark}" > /built\n', name="Dockerfile")
    rc, host = more.deploy_json("web2", "--build")
    assert rc == 0 and host["status"] == "ok", host
    data = host["data"]
    assert data["status"] == "succeeded" and data["exit_code"] == 0 and data["step"] == "done" and data["healthy"]
    built = json.loads(more.fleet.docker("web2", "image", "inspect", "dozor-test/opsmore-built:1").stdout)[0]
    container = more.inspect("web2")
    assert container["Image"] == built["Id"] and container["State"]["Running"]
    assert more.mark("web2") == mark
    out = more.fleet.docker("web2", "exec", f"{PROJECT}_app_1", "cat", "/built").stdout
    assert out.strip() == mark  # the RUN step of this very build, in the running container
    state = more.status_json("web2", data["id"])
    assert "Successfully built" in state["log_tail"] and "== " in state["log_tail"]
    assert state["log_tail"].index(" build\n") < state["log_tail"].index(" up\n")


# ------------------------------------------------------------------------------------------------ --pull


def test_deploy_pull_of_a_local_only_image_fails_at_pull_and_says_so(more: More) -> None:
    before = more.inspect("web2")["Id"]
    more.write("web2", service("p-" + secrets.token_hex(4)))
    t0 = time.monotonic()
    rc, host = more.deploy_json("web2", "--pull")
    assert time.monotonic() - t0 < 150  # ends on its own (no hang until the wait timeout)
    assert rc != 0 and host["status"] == "error", host
    data = host["data"]
    assert data["status"] == "failed" and data["step"] == "pull" and data["exit_code"] == 1, data
    state = more.status_json("web2", data["id"])
    assert state["status"] == "failed" and state["step"] == "pull" and state["exit_code"] == 1
    assert "ERROR: for app" in state["log_tail"]
    assert " up\n" not in state["log_tail"]  # up never ran
    assert more.inspect("web2")["Id"] == before


def test_deploy_pull_skips_a_build_only_service_and_goes_on(more: More) -> None:
    """docker-compose 1.29's pull skips services without ``image:``; the deploy then builds and runs."""
    mark = "pb-" + secrets.token_hex(4)
    more.write("web2", service(mark, image=None, build=True))
    more.write("web2", f'FROM dozor-test/busybox:1\nRUN echo "{mark}" > /built\n', name="Dockerfile")
    rc, host = more.deploy_json("web2", "--pull", "--build")
    assert rc == 0 and host["data"]["status"] == "succeeded", host
    log = more.status_json("web2", host["data"]["id"])["log_tail"]
    assert " pull\n" in log and " build\n" in log and " up\n" in log
    assert more.mark("web2") == mark
    assert more.fleet.docker("web2", "exec", f"{PROJECT}_app_1", "cat", "/built").stdout.strip() == mark


# ------------------------------------------------------------------------------------------------ --git-pull


def _git(*args: str, cwd: Path | None = None) -> str:
    ident = ["-c", "user.name=dozor test", "-c", "user.email=test@dozor.invalid", "-c", "init.defaultBranch=main"]
    p = subprocess.run(["git", *ident, *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"git {' '.join(args)}: {p.stderr}"
    return p.stdout.strip()


@pytest.fixture
def git() -> None:
    if shutil.which("git") is None:
        msg = "git is not installed (apt-get install git; scripts/test.sh installs it)"
        if _ci():
            pytest.fail(msg + " (CI=true: integration tests must run)", pytrace=False)
        pytest.skip(msg)


def test_deploy_git_pull_applies_a_pushed_change(more: More, git: None, tmp_path: Path) -> None:
    bare, work, project = tmp_path / "opsmore.git", tmp_path / "work", more.dirs["db1"]
    _git("init", "--bare", "-q", str(bare))
    _git("clone", "-q", str(bare), str(work))
    first = "g1-" + secrets.token_hex(4)
    (work / "docker-compose.yml").write_text(service(first))
    _git("add", "docker-compose.yml", cwd=work)
    _git("commit", "-q", "-m", "first", cwd=work)
    _git("push", "-q", "origin", "HEAD:main", cwd=work)
    shutil.rmtree(project)
    _git("clone", "-q", "-b", "main", str(bare), str(project))
    rc, host = more.deploy_json("db1")
    assert rc == 0 and more.mark("db1") == first, host

    second = "g2-" + secrets.token_hex(4)
    (work / "docker-compose.yml").write_text(service(second))
    _git("commit", "-q", "-am", "second", cwd=work)
    _git("push", "-q", "origin", "HEAD:main", cwd=work)
    pushed = _git("rev-parse", "HEAD", cwd=work)
    rc, host = more.deploy_json("db1", "--git-pull")
    assert rc == 0 and host["data"]["status"] == "succeeded", host
    assert _git("rev-parse", "HEAD", cwd=project) == pushed
    assert more.mark("db1") == second
    log = more.status_json("db1", host["data"]["id"])["log_tail"]
    assert " git-pull\n" in log and "Fast-forward" in log

    # A diverged clone cannot fast-forward: the deploy fails at git-pull and changes nothing.
    (project / "local.txt").write_text("local change\n")
    _git("add", "local.txt", cwd=project)
    _git("commit", "-q", "-m", "local", cwd=project)
    (work / "docker-compose.yml").write_text(service("g3-" + secrets.token_hex(4)))
    _git("commit", "-q", "-am", "third", cwd=work)
    _git("push", "-q", "origin", "HEAD:main", cwd=work)
    running = more.inspect("db1")["Id"]
    rc, host = more.deploy_json("db1", "--git-pull")
    assert rc != 0 and host["data"]["status"] == "failed", host
    assert host["data"]["step"] == "git-pull" and host["data"]["exit_code"] == 128
    assert more.mark("db1") == second and more.inspect("db1")["Id"] == running


# ------------------------------------------------------------------------------------------------ mkdir lock


@pytest.fixture
def noflock(more: More, tmp_path: Path) -> Iterator[Path]:
    """web1's sshd again on 127.0.0.7, its commands' PATH holding every tool but ``flock``; an inventory for it."""
    web1 = more.fleet.hosts["web1"]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for d in ("/usr/local/bin", "/usr/bin", "/usr/sbin"):
        for tool in Path(d).iterdir():
            if tool.name != "flock" and not (bin_dir / tool.name).exists():
                (bin_dir / tool.name).symlink_to(tool)
    address = "127.0.0.7"
    with socket.socket() as s:
        s.bind((address, 0))
        port = s.getsockname()[1]
    pid = tmp_path / "sshd.pid"
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    setenv = f"SetEnv=HOME={web1.home} DOCKER_HOST={web1.docker_host} PATH={bin_dir}"
    cfg = Path(more.fleet.dir) / "host1" / "sshd_config"
    subprocess.run([sshd, "-f", str(cfg), "-o", f"ListenAddress={address}:{port}", "-o", f"PidFile={pid}",
                    "-o", setenv, "-E", str(tmp_path / "sshd.log")], check=True)
    deadline = time.monotonic() + 10
    while not pid.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    kh = tmp_path / "known_hosts"
    kh.write_text(f"[{address}]:{port} {web1.host_key_line.split(None, 1)[1]}\n")
    inv = json.loads(json.dumps(more.base))
    inv["defaults"]["known_hosts_files"] = [str(kh), *inv["defaults"].get("known_hosts_files", [])]
    inv["hosts"][NOFLOCK] = {
        **inv["hosts"]["web1"], "address": address, "port": port, "tags": [],
        "projects": [{"name": NOFLOCK_PROJECT, "path": str(more.dirs[NOFLOCK]), "services": ["app"]}],
    }
    path = tmp_path / "fleet.toml"
    path.write_text(tomli_w.dumps(inv))
    probe = subprocess.run(
        ["ssh", "-i", more.fleet.identity_file, "-p", str(port), "-o", f"UserKnownHostsFile={kh}",
         "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-F", "/dev/null", f"root@{address}",
         "command -v flock; echo PATH=$PATH"],
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert probe.stdout.strip() == f"PATH={bin_dir}", (probe.stdout, probe.stderr)  # no flock found
    try:
        yield path
    finally:
        with contextlib.suppress(OSError, ValueError):
            os.kill(int(pid.read_text()), signal.SIGTERM)


async def _wait_done(f: Fleet, deploy_id: str, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        r = (await f.deploy_status(NOFLOCK, deploy_id)).get(NOFLOCK)
        assert r.ok, r.reason
        [state] = r.data
        if state.status != "running":
            return state
        assert time.monotonic() < deadline, f"deploy {deploy_id} still running: {state}"
        time.sleep(0.3)


async def _start_slow_deploy(more: More, f: Fleet, mark: str) -> tuple[Path, Any]:
    """A deploy on the flock-less host that keeps running ~5 s: (its mkdir lock dir, its host result)."""
    more.write(NOFLOCK, service(mark + secrets.token_hex(4), slow=True))
    first = (await f.deploy(NOFLOCK_PROJECT, NOFLOCK)).get(NOFLOCK)
    assert first.ok, first.reason
    return more.deploys(NOFLOCK) / f"{NOFLOCK_PROJECT}.lock.d", first


async def test_mkdir_lock_refuses_a_concurrent_deploy_and_is_released(more: More, noflock: Path) -> None:
    deploys = more.deploys(NOFLOCK)
    async with Fleet.load(noflock) as f:
        lock_d, first = await _start_slow_deploy(more, f, "nf-")
        assert lock_d.is_dir() and not (deploys / f"{NOFLOCK_PROJECT}.lock").exists()  # the mkdir lock, not flock
        runner = int((lock_d / "pid").read_text())
        assert runner == int((deploys / f"{first.data.id}.pid").read_text())
        second = (await f.deploy(NOFLOCK_PROJECT, NOFLOCK)).get(NOFLOCK)
        assert second.status is HostStatus.REFUSED, second
        assert first.data.id in second.reason and "still running" in second.reason
        final = await _wait_done(f, first.data.id)
        assert final.status == "succeeded" and final.exit_code == 0, final
        assert not lock_d.exists()  # released with the deploy
        mark = "nf2-" + secrets.token_hex(4)
        more.write(NOFLOCK, service(mark))
        third = (await f.deploy(NOFLOCK_PROJECT, NOFLOCK, wait=True)).get(NOFLOCK)
        assert third.ok and third.data.status == "succeeded", third.reason
    assert not lock_d.exists()
    assert more.mark("web1", f"{NOFLOCK_PROJECT}_app_1") == mark


async def test_mkdir_lock_of_a_killed_runner_is_taken_over(more: More, noflock: Path) -> None:
    async with Fleet.load(noflock) as f:
        lock_d, first = await _start_slow_deploy(more, f, "nk-")
        runner = int((lock_d / "pid").read_text())
        os.killpg(runner, signal.SIGKILL)  # the runner's own session: runner and compose, no chance to clean up
        deadline = time.monotonic() + 30
        while Path(f"/proc/{runner}").exists():
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert lock_d.is_dir()  # left behind
        [lost] = (await f.deploy_status(NOFLOCK, first.data.id)).get(NOFLOCK).data
        assert lost.status == "lost", lost
        mark = "nk2-" + secrets.token_hex(4)
        more.write(NOFLOCK, service(mark))
        second = (await f.deploy(NOFLOCK_PROJECT, NOFLOCK, wait=True)).get(NOFLOCK)
        assert second.ok and second.data.status == "succeeded", second.reason
    assert not lock_d.exists()
    assert more.mark("web1", f"{NOFLOCK_PROJECT}_app_1") == mark


# ------------------------------------------------------------------------------------------------ prune volumes


async def test_volume_prune_is_refused_on_an_engine_that_would_remove_named_volumes(more: More) -> None:
    """The fleet's Docker 20.10 (API 1.41) prunes named volumes too: dozor must not offer it there."""
    fl = more.fleet
    api = fl.docker("web2", "version", "--format", "{{.Server.APIVersion}}").stdout.strip()
    assert tuple(int(x) for x in api.split(".")) < (1, 42), api
    name = "opsmore-named-" + secrets.token_hex(3)
    fl.docker("web2", "volume", "create", name)
    try:
        async with Fleet.load(more.inventory) as f:
            preview = (await f.prune("web2", options=PruneOptions(volumes=True))).get("web2")
            acted = (await f.prune("web2", options=PruneOptions(volumes=True), confirm=True)).get("web2")
        for r in (preview, acted):
            assert r.status is HostStatus.REFUSED and "named volumes" in r.reason, r
        assert name in fl.docker("web2", "volume", "ls", "-q").stdout.split()
    finally:
        fl.docker("web2", "volume", "rm", name, check=False)
