"""Which socket the engine lookup picks, rootless engines included: the locate script's outputs
(tests/fixtures/engine/locate, compared in full by the collector fixture runner) and the script in a real sh."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from dozor.engine.endpoint import DEFAULT_SOCKET, LOCATE, endpoint_from, parse_locate
from dozor.transport.base import CommandResult
from tests.unit.test_collector_fixtures import run_case

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "engine" / "locate"
CASES = sorted(FIXTURES.glob("*.json"))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_locate_fixture(path: Path) -> None:
    fx = json.loads(path.read_text())
    assert fx["argv"] == LOCATE.argv(), "the script changed: record the case again"
    run_case(LOCATE, fx)


@pytest.mark.parametrize(
    ("sockets", "chosen"),
    [
        ((), DEFAULT_SOCKET),
        ((DEFAULT_SOCKET,), DEFAULT_SOCKET),
        (("/run/user/1000/docker.sock",), "/run/user/1000/docker.sock"),
        ((DEFAULT_SOCKET, "/run/user/1000/docker.sock"), DEFAULT_SOCKET),
        (("/tmp/xdg/docker.sock", "/run/user/1000/docker.sock"), "/tmp/xdg/docker.sock"),
    ],
)
def test_rootless_only_when_the_default_is_absent(sockets: tuple[str, ...], chosen: str) -> None:
    assert endpoint_from("", "", "", sockets).socket == chosen
    # anything set explicitly still wins, as in the docker CLI
    assert endpoint_from("unix:///x.sock", "", "", sockets).socket == "/x.sock"
    assert endpoint_from("", "remote", "", sockets).socket is None
    assert endpoint_from("", "", "rootless", sockets).socket is None


def _sh(env: dict[str, str]) -> CommandResult:
    p = subprocess.run(LOCATE.argv(), env=env, capture_output=True, text=True, check=True)
    return CommandResult(argv=LOCATE.argv(), exit_status=p.returncode, stdout=p.stdout, stderr=p.stderr)


@pytest.mark.skipif(os.path.exists(DEFAULT_SOCKET), reason="this machine has a default Docker socket")
def test_locate_script_finds_a_rootless_socket_in_sh(tmp_path: Path) -> None:
    """The real script in a real sh, a real unix socket in $XDG_RUNTIME_DIR, no default socket."""
    runtime = tmp_path / "run"
    runtime.mkdir()
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(runtime / "docker.sock"))
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(runtime)}
        result = _sh(env)
        assert f"SOCKET={runtime}/docker.sock" in result.stdout.splitlines()
        found = parse_locate(result)
        assert found.socket == f"{runtime}/docker.sock" and "rootless" in found.reason
        del env["XDG_RUNTIME_DIR"]  # not a socket where it is looked for: the default stays
        assert parse_locate(_sh(env)).socket == DEFAULT_SOCKET
        (runtime / "plain").mkdir()
        env["XDG_RUNTIME_DIR"] = str(runtime / "plain")
        assert parse_locate(_sh(env)).socket == DEFAULT_SOCKET
    finally:
        server.close()
