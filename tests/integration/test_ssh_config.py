"""OpenSSH client config is honoured: aliases (HostName, User, Port, IdentityFile) and ProxyJump."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from dozor.fleet import Fleet
from dozor.inventory.models import Inventory

pytestmark = pytest.mark.integration


def _inv(fleet: Any, cfg: Path, hosts: dict[str, str]) -> Inventory:
    return Inventory.model_validate(
        {
            "defaults": {
                "ssh_config": [str(cfg)],
                "known_hosts_files": [fleet.known_hosts],
                "state_dir": str(cfg.parent / "state"),
                "timeouts": {"connect": 5},
            },
            "hosts": {name: {"address": alias} for name, alias in hosts.items()},
        }
    )


async def test_alias_from_ssh_config(fleet: Any, tmp_path: Path) -> None:
    inv = _inv(fleet, Path(fleet.ssh_config), {"a": "web1", "b": "db1"})
    async with Fleet(inv) as f:
        result = await f.run(lambda ctx: ctx.run(["sh", "-c", "echo $DOCKER_HOST"]))
    assert result.get("a").data.stdout.strip() == fleet.hosts["web1"].docker_host
    assert result.get("b").data.stdout.strip() == fleet.hosts["db1"].docker_host


async def test_proxyjump_through_another_host(fleet: Any, tmp_path: Path) -> None:
    cfg = tmp_path / "ssh_config"
    cfg.write_text(
        Path(fleet.ssh_config).read_text()
        + f"\nHost web2-via-web1\n  HostName {fleet.hosts['web2'].address}\n  Port {fleet.hosts['web2'].port}\n"
        f"  User root\n  ProxyJump web1\n  IdentityFile {fleet.identity_file}\n"
    )
    inv = _inv(fleet, cfg, {"hidden": "web2-via-web1"})
    async with Fleet(inv) as f:
        result = await f.run(lambda ctx: ctx.run(["sh", "-c", "echo $DOCKER_HOST"]))
        conn = await f.pool.get(inv.resolve("hidden")).connect()
        local = conn.get_extra_info("sockname")
    r = result.get("hidden")
    assert r.ok, r.reason
    assert r.data.stdout.strip() == fleet.hosts["web2"].docker_host
    # The session to web2 is tunnelled: there is no direct TCP connection from us to 127.0.0.3:22.
    assert local is None or local[0] != "127.0.0.1" or _no_direct(local[1])


def _no_direct(port: int) -> bool:
    out = subprocess.run(["ss", "-tnH", f"sport = :{port}"], capture_output=True, text=True).stdout
    return "127.0.0.3:" not in out
