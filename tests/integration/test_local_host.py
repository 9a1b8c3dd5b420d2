"""A host with ``address = "local"``: commands run here without SSH, against a real engine."""

from __future__ import annotations

from typing import Any

import pytest

from dozor.fleet import Fleet
from dozor.inventory.models import Inventory
from dozor.outcome import HostStatus
from dozor.transport.local import LocalTransport

pytestmark = pytest.mark.integration


async def test_local_host_discovers_compose_projects(fleet: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # This machine's "engine" for the test is web2's engine.
    monkeypatch.setenv("DOCKER_HOST", fleet.hosts["web2"].docker_host)
    inv = Inventory.model_validate({"hosts": {"here": {"address": "local"}}})
    async with Fleet(inv) as f:
        result = await f.status()
        assert isinstance(f.pool.get(inv.resolve("here")), LocalTransport)
    here = result.get("here")
    assert here.ok, here.reason
    found = {(s.project, s.service) for s in here.data.services}
    # discovered from labels: nothing declared
    assert found == {("shop", "web"), ("shop", "api"), ("jobs", "worker"), ("jobs", "gateway"), ("jobs", "billing"),
                     ("jobs", "feed"), ("edge", "proxy")}
    assert all(not s.declared for s in here.data.services)


async def test_local_host_without_engine_is_docker_unavailable(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-such.sock")
    inv = Inventory.model_validate({"hosts": {"here": {"address": "local"}}})
    async with Fleet(inv) as f:
        result = await f.status()
    r = result.get("here")
    assert r.status is HostStatus.DOCKER_UNAVAILABLE
    assert "Cannot connect to the Docker daemon" in r.reason


async def test_local_logs_and_resources(fleet: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", fleet.hosts["web1"].docker_host)
    inv = Inventory.model_validate({"hosts": {"here": {"address": "local"}}})
    async with Fleet(inv) as f:
        logs = await f.logs("worker", errors_only=True, lines=200)
        res = await f.resources()
    lg = logs.get("here").data.logs
    assert (
        lg is not None
        and lg.lines
        and all(
            "error" in ln.text.lower() or "trace" in ln.text.lower() or "exception" in ln.text.lower()
            for ln in lg.lines
        )
    )
    r = res.get("here").data
    assert r.memory is not None and r.memory.total > 0 and r.cpus
