"""``dozor serve --transport`` and its seed-era aliases (``dozor.compat``), with the servers stubbed out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dozor import compat
from dozor.cli.app import app
from dozor.mcp import serving

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    seen: list[tuple[str, dict[str, Any]]] = []
    for name in ("serve_stdio", "serve_http", "serve_sse"):
        monkeypatch.setattr(serving, name, lambda _n=name, **kw: seen.append((_n, kw)))
    for var in ("DOZOR_READ_ONLY", "DOZOR_INVENTORY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr("dozor.cli.gc_policy.long_running", lambda: None)
    return seen


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_default_is_stdio_with_root_options(calls: list[tuple[str, dict[str, Any]]]) -> None:
    r = _run("-i", "fleet.toml", "--read-only", "serve")
    assert r.exit_code == 0, r.output
    assert calls == [("serve_stdio", {"inventory": "fleet.toml", "read_only": True})]


@pytest.mark.parametrize("transport", ["http", "sse", "HTTP"])
def test_http_and_sse_take_every_option(calls: list[tuple[str, dict[str, Any]]], transport: str) -> None:
    r = _run("serve", "--transport", transport, "--bind", "0.0.0.0", "--port", "9000", "--token-file", "t",
             "--allow-host", "a.example", "--allow-host", "b.example", "--inventory", "f.toml", "--read-only")
    assert r.exit_code == 0, r.output
    assert calls == [(f"serve_{transport.lower()}", {
        "inventory": "f.toml", "read_only": True, "bind": "0.0.0.0", "port": 9000, "token_file": "t",
        "allowed_hosts": ["a.example", "b.example"],
    })]


def test_http_flag_is_still_accepted(calls: list[tuple[str, dict[str, Any]]]) -> None:
    assert _run("serve", "--http", "--port", "8766").exit_code == 0
    assert [(n, kw["port"]) for n, kw in calls] == [("serve_http", 8766)]
    r = _run("serve", "--http", "--transport", "sse")
    assert r.exit_code == 2 and "--http" in r.output


def test_environment_read_only_reaches_serve(calls: list[tuple[str, dict[str, Any]]],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOZOR_READ_ONLY", "on")
    monkeypatch.setenv("DOZOR_INVENTORY", "env.toml")
    assert _run("serve").exit_code == 0
    assert calls == [("serve_stdio", {"inventory": "env.toml", "read_only": True})]


def test_serve_errors_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(**_: Any) -> None:
        raise serving.ServeError("HTTP and SSE transports need a bearer token")

    monkeypatch.setattr(serving, "serve_sse", refuse)
    monkeypatch.setattr("dozor.cli.gc_policy.long_running", lambda: None)
    r = _run("serve", "--transport", "sse")
    assert r.exit_code == 2 and "bearer token" in r.output


@pytest.mark.parametrize(("alias", "transport"), [(compat.mcp_server, "stdio"), (compat.mcp_server_sse, "sse")])
def test_compat_aliases_are_dozor_serve(calls: list[tuple[str, dict[str, Any]]], alias: Any, transport: str) -> None:
    with pytest.raises(SystemExit) as done:
        alias(["--inventory", "f.toml", "--read-only"])
    assert done.value.code == 0
    assert [(n, kw["inventory"], kw["read_only"]) for n, kw in calls] == [(f"serve_{transport}", "f.toml", True)]


def test_compat_re_exports_the_agents() -> None:
    from dozor.agent import FleetAgent, ServerAgent

    assert (compat.ServerAgent, compat.FleetAgent) == (ServerAgent, FleetAgent)


@pytest.mark.parametrize("module", ["dozor.mcp_server", "dozor.mcp_server_sse"])
def test_python_m_aliases_show_serve_help(module: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    r = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=60,
                       env=env, cwd=ROOT, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    assert "Usage: dozor serve" in r.stdout and "--transport" in r.stdout and "--token-file" in r.stdout
