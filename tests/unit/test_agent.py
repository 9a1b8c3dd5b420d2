"""ServerAgent.from_env: the seed's single-host variables, never a fleet.toml."""

from __future__ import annotations

import pytest

from dozor.agent import ServerAgent
from dozor.inventory.loader import InventoryError


def test_from_env_builds_one_host(tmp_path):
    (tmp_path / "fleet.toml").write_text('[hosts.other]\naddress = "10.0.0.1"\n')  # must be ignored
    (tmp_path / ".env").write_text("SERVER_USER=deploy\nSERVER_SERVICES=web,db\n")
    env = {"SERVER_HOST": "app.example.com", "SERVER_COMPOSE_PATH": "/srv/Shop"}
    agent = ServerAgent.from_env(env, cwd=tmp_path)
    assert agent.host == "app.example.com"
    h = agent.inventory.resolve(agent.host)
    assert h.user == "deploy" and [(p.name, p.services) for p in h.projects] == [("shop", ["web", "db"])]


def test_from_env_without_server_host(tmp_path):
    with pytest.raises(InventoryError, match="SERVER_HOST"):
        ServerAgent.from_env({}, cwd=tmp_path)


def test_sync_wrapper_refuses_inside_a_loop(tmp_path):
    import asyncio

    agent = ServerAgent.from_env({"SERVER_HOST": "local"}, cwd=tmp_path)

    async def inside():
        with pytest.raises(RuntimeError, match="running event loop"):
            agent.health_sync()

    asyncio.run(inside())
