"""A host set up like many real ones (the fleet's ``app1``): dozor logs in as a non-root user of the ``docker``
group, with no sudo, and compose is the real Docker Compose v2 CLI plugin (``docker compose``, containers named
``project-service-1``), while Debian's docker-compose v1 is on the same PATH.

Every read (status, logs, diagnose, security) and every operation (restart, deploy) runs over real SSH as that
user, through the real v2 binary. The planted project ``notes``: web (healthy, depends_on api), api (healthy),
migrate (a one-shot that failed with exit 1). One test takes the user out of the docker group for a moment (the
usual mistake on such hosts) and checks that dozor says so.
"""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from dozor.collectors.status import ContainerState, HealthState
from dozor.fleet import Fleet
from dozor.ops.audit import read_audit
from dozor.outcome import HostStatus
from dozor.security.findings import Check, Severity

pytestmark = pytest.mark.integration

HOST = "app1"
PROJECT = "notes"
DOZOR = [sys.executable, "-m", "dozor"]


def _inventory(fleet: Any, tmp_path: Path, **defaults: Any) -> Path:
    data = tomllib.loads(Path(fleet.inventory).read_text())
    data["defaults"]["state_dir"] = str(tmp_path / "state")
    data["defaults"].update(defaults)
    path = tmp_path / "fleet.toml"
    path.write_text(tomli_w.dumps(data))
    return path


@pytest.fixture
def inventory(fleet: Any, tmp_path: Path) -> Path:
    """The fleet's inventory with a state dir of this test's own (no remembered engine or diagnosis)."""
    return _inventory(fleet, tmp_path)


@pytest.fixture
def audit_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("DOZOR_AUDIT_LOG", str(path))
    return path


def _cli(inventory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    for k in ("DOZOR_HOST", "DOZOR_INVENTORY", "DOZOR_READ_ONLY"):
        env.pop(k, None)
    return subprocess.run([*DOZOR, "--inventory", str(inventory), *args], capture_output=True, text=True,
                          timeout=120, env=env, stdin=subprocess.DEVNULL)


def _inspect(fleet: Any, container: str) -> dict[str, Any]:
    return json.loads(fleet.docker(HOST, "inspect", container).stdout)[0]


def _uid(fleet: Any) -> int:
    return pwd.getpwnam(fleet.host(HOST).user).pw_uid


def test_app1_logs_in_as_a_docker_group_user_and_has_both_composes(fleet: Any) -> None:
    h = fleet.host(HOST)
    assert h.user != "root" and h.compose == "v2"
    out = fleet.ssh(HOST, "id -u; id -Gn; docker compose version --short; docker-compose version --short")
    uid, groups, v2, v1 = out.stdout.split("\n")[:4]
    assert int(uid) == _uid(fleet) != 0
    assert "docker" in groups.split() and "sudo" not in groups.split()
    assert v2.lstrip("v").startswith("2.") and v1.startswith("1."), out.stdout
    # Root may not log in at all (PermitRootLogin no): everything below runs as the user.
    argv = fleet.ssh_argv(HOST, "true")
    argv[argv.index(f"{h.user}@{h.address}")] = f"root@{h.address}"
    denied = subprocess.run(argv, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert denied.returncode == 255 and "Permission denied" in denied.stderr, denied.stderr


def test_hosts_check_reports_compose_v2_on_app1_and_v1_elsewhere(fleet: Any, inventory: Path) -> None:
    r = _cli(inventory, "--json", "--host", f"{HOST},web1", "hosts", "--check")
    assert r.returncode == 0, r.stderr
    hosts = {h["name"]: h for h in json.loads(r.stdout)["hosts"]}
    app1, web1 = hosts[HOST], hosts["web1"]
    assert app1["reachable"] and app1["user"] == fleet.host(HOST).user
    assert app1["compose"] == "v2" and web1["compose"] == "v1", (app1, web1)
    text = _cli(inventory, "--host", HOST, "hosts", "--check")
    assert text.returncode == 0 and "compose v2 2." in text.stdout, text.stdout


@pytest.mark.parametrize("engine_api", [True, False], ids=["engine-api", "docker-cli"])
async def test_status_matches_v2_container_names_to_their_services(fleet: Any, tmp_path: Path,
                                                                   engine_api: bool) -> None:
    async with Fleet.load(_inventory(fleet, tmp_path, engine_api=engine_api)) as f:
        r = await f.status(HOST)
        stats = f.pool.stats()
    h = r.hosts[0]
    assert h.ok, h.reason
    by_service = {c.service: c for c in h.data.containers}
    assert {s: (c.project, c.name) for s, c in by_service.items()} == {
        "web": (PROJECT, "notes-web-1"), "api": (PROJECT, "notes-api-1"), "migrate": (PROJECT, "notes-migrate-1")}
    for s in ("web", "api"):
        assert (by_service[s].state, by_service[s].health) == (ContainerState.RUNNING, HealthState.HEALTHY), s
    migrate = by_service["migrate"]
    assert (migrate.state, migrate.exit_code, migrate.restart_policy) == (ContainerState.EXITED, 1, "no")
    # depends_on exists only as a compose v2 label: read from the real one.
    assert by_service["web"].depends_on == ["api"] and by_service["api"].depends_on == []
    assert [(s.service, s.missing) for s in h.data.services] == [("web", False), ("api", False), ("migrate", False)]
    # The user's sshd session reached the engine socket (docker group): through the Engine API stream, or the
    # user's docker CLI when the API is turned off.
    assert stats[HOST]["streams"] == (1 if engine_api else 0), stats[HOST]
    assert _inspect(fleet, "notes-web-1")["Id"].startswith(by_service["web"].id)


async def test_logs_of_a_v2_container_as_non_root(fleet: Any, inventory: Path) -> None:
    async with Fleet.load(inventory) as f:
        full = (await f.logs("migrate", HOST, lines=200)).hosts[0]
        errors = (await f.logs("migrate", HOST, lines=200, errors_only=True)).hosts[0]
        web = (await f.logs("web", HOST, lines=5, grep="GET /products/")).hosts[0]
    assert full.ok and full.data.found, full.reason
    assert full.data.logs.container_name == "notes-migrate-1"
    text = [x.text for x in full.data.logs.lines]
    assert any("Running upgrade 3f2a1c0d9e8b -> 9b7e44a1c2d3" in t for t in text), text
    assert any(t.startswith("sqlalchemy.exc.ProgrammingError:") for t in text), text
    etext = [x.text for x in errors.data.logs.lines]
    assert any("DuplicateColumn" in t for t in etext) and not any(t.startswith("INFO  [alembic") for t in etext)
    assert web.ok and web.data.logs.container_name == "notes-web-1"
    assert 0 < len(web.data.logs.lines) <= 5 and all("GET /products/" in x.text for x in web.data.logs.lines)


async def test_diagnose_as_non_root(fleet: Any, inventory: Path) -> None:
    async with Fleet.load(inventory) as f:
        report = await f.diagnose(HOST)
    h = report.hosts[0]
    assert h.answered, h.reason
    by = {(a.service, a.code.value) for a in h.alerts}
    assert ("migrate", "container.exited") in by, by
    exited = next(a for a in h.alerts if a.code.value == "container.exited")
    assert (exited.host, exited.project) == (HOST, PROJECT) and "exit 1" in exited.evidence
    assert exited.excerpt and "DuplicateColumn" in exited.excerpt
    assert not [a for a in h.alerts if a.service in ("web", "api")], [a.title for a in h.alerts]
    # Host facts need no root: disks, memory and Docker's disk usage all read.
    assert h.resources is not None and h.resources.disk_percent is not None and h.resources.memory_percent
    assert not h.resources.error and not h.resources.section_errors, h.resources
    assert [(x.service, x.upstream, x.rule) for x in h.links] == [("web", "api", "depends_on")]
    assert [i.hosts for i in report.incidents] == [[HOST]]


async def test_security_as_non_root_says_what_needs_root(fleet: Any, inventory: Path) -> None:
    async with Fleet.load(inventory) as f:
        report = await f.security(f"{HOST},web1")
    hosts = {h.host: h for h in report.hosts}
    app1 = hosts[HOST]
    assert app1.answered and app1.containers == 3, app1.reason
    skipped = {x.subject: x for x in app1.findings if x.code is Check.NOT_CHECKED}
    assert set(skipped) == {"effective sshd settings", "owners of listening sockets"}, list(skipped)
    assert all(x.severity is Severity.INFO and "root" in x.action for x in skipped.values())
    assert "sshd -T not permitted" in skipped["effective sshd settings"].evidence
    assert "needs root" in skipped["owners of listening sockets"].evidence
    # What a docker-group user can check was checked: every container, and sshd from its config file
    # (PermitRootLogin no, PasswordAuthentication no: nothing to report there).
    assert {x.container for x in app1.findings if x.code is Check.ROOT_USER} == {
        "notes-web-1", "notes-api-1", "notes-migrate-1"}
    assert not [x for x in app1.findings if x.code in (Check.SSH_ROOT_PASSWORD, Check.SSH_PASSWORD)]
    # As root (web1) the same checks need no such note.
    assert not [x for x in hosts["web1"].findings if x.code is Check.NOT_CHECKED], hosts["web1"].findings
    r = _cli(inventory, "--host", HOST, "security")
    assert r.returncode == 1, r.stdout + r.stderr  # warnings (containers as root), not a failure
    assert "not checked" in r.stdout.lower() and "needs root" in r.stdout, r.stdout


async def test_restart_through_compose_v2_as_non_root(fleet_mutable: Any, inventory: Path, audit_log: Path) -> None:
    fleet = fleet_mutable
    before = _inspect(fleet, "notes-api-1")["State"]["StartedAt"]
    async with Fleet.load(inventory) as f:
        r = await f.restart("api", HOST, actor="test")
    h = r.hosts[0]
    assert h.ok, h.reason
    assert h.data.healthy is True
    (c,) = h.data.containers
    assert (c.name, c.state, c.health, c.restarted) == ("notes-api-1", ContainerState.RUNNING, HealthState.HEALTHY,
                                                        True)
    after = _inspect(fleet, "notes-api-1")["State"]["StartedAt"]
    assert after != before and c.started_at is not None
    assert "Container notes-api-1" in h.data.output, h.data.output  # compose v2's own words
    assert [e["phase"] for e in read_audit(audit_log)] == ["before", "after"]


async def test_deploy_through_compose_v2_as_non_root(fleet_mutable: Any, inventory: Path, audit_log: Path) -> None:
    fleet = fleet_mutable
    h = fleet.host(HOST)
    compose = Path(h.compose_file(PROJECT))
    original = compose.read_text()
    old_id = _inspect(fleet, "notes-web-1")["Id"]
    compose.write_text(original.replace("  web:\n", '  web:\n    environment:\n      RELEASE: "2"\n', 1))
    try:
        async with Fleet.load(inventory) as f:
            web = (await f.deploy(PROJECT, HOST, services=["web"], wait=True, health_timeout=60)).hosts[0]
            whole = (await f.deploy(PROJECT, HOST, wait=True, health_timeout=3)).hosts[0]
    finally:
        compose.write_text(original)
    assert web.ok, web.reason
    assert (web.data.status, web.data.exit_code, web.data.healthy) == ("succeeded", 0, True)
    c = _inspect(fleet, "notes-web-1")
    assert c["Id"] != old_id and "RELEASE=2" in c["Config"]["Env"]  # recreated by v2 from compose.yaml
    # The deploy ran as the user: its state is the user's, in the user's HOME.
    state = Path(h.home) / ".local/state/dozor/deploys" / f"{web.data.id}.json"
    assert state.stat().st_uid == _uid(fleet) and json.loads(state.read_text())["status"] == "succeeded"
    log = (Path(h.home) / ".local/state/dozor/deploys" / f"{web.data.id}.log").read_text()
    assert "Container notes-web-1" in log, log
    # The whole project: compose succeeded, but its migration job failed again — said, not hidden.
    assert not whole.ok and whole.data.status == "succeeded" and whole.data.healthy is False
    assert "migrate: exited" in whole.data.detail, whole.data.detail
    assert len(read_audit(audit_log)) == 4


@pytest.fixture(autouse=True, scope="module")
def _replant_web(fleet: Any) -> Iterator[None]:
    """After this module, notes/web again runs from the planted compose.yaml (the deploy test changed it)."""
    yield
    h = fleet.host(HOST)
    plugin = Path(h.home) / ".docker/cli-plugins/docker-compose"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "COMPOSE_"))}
    subprocess.run([str(plugin), "-p", PROJECT, "-f", h.compose_file(PROJECT), "up", "-d", "web"],
                   cwd=h.projects[PROJECT], env={**env, **h.env}, capture_output=True, timeout=120, check=True,
                   stdin=subprocess.DEVNULL)


async def test_a_user_outside_the_docker_group_is_told_why(fleet: Any, inventory: Path) -> None:
    """The usual mistake on such hosts: the SSH user is not in the docker group. Said as such, not as a dead host."""
    user = fleet.host(HOST).user
    subprocess.run(["gpasswd", "-d", user, "docker"], check=True, capture_output=True)
    try:
        async with Fleet.load(inventory) as f:
            status = (await f.status(HOST)).hosts[0]
            audit = (await f.security(HOST)).hosts[0]
    finally:
        subprocess.run(["gpasswd", "-a", user, "docker"], check=True, capture_output=True)
    assert status.status is HostStatus.DOCKER_UNAVAILABLE, (status.status, status.reason)
    assert "permission denied" in status.reason and fleet.host(HOST).engine_socket in status.reason, status.reason
    # The rest of the review still runs, and says that no container could be inspected.
    assert audit.answered
    skipped = {x.subject: x for x in audit.findings if x.code is Check.NOT_CHECKED}
    assert "containers (docker inspect)" in skipped, skipped
    # Not one container reviewed: a warning (exit 1), never a clean-looking 0.
    assert skipped["containers (docker inspect)"].severity is Severity.WARNING
    assert "docker group" in skipped["containers (docker inspect)"].fix
    assert (await _status_ok(inventory)), "app1 must work again once the user is back in the group"


async def _status_ok(inventory: Path) -> bool:
    async with Fleet.load(inventory) as f:
        return (await f.status(HOST)).hosts[0].ok
