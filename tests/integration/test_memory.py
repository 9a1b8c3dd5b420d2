"""Memory between diagnoses on the real fleet: a fixed problem is resolved, an unchanged one ongoing since T.

A throw-away project ``fixme`` on web1 (a container carrying compose labels) logs Redis OOM errors; after
the first diagnosis it is "fixed" the way a deploy fixes it (the container replaced by one that logs no
error). The second diagnosis of the same selection must say: fixme/app's problem RESOLVED, web1
shop/worker's crash loop ONGOING since the first diagnosis, nothing new.
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest

from dozor.fleet import Fleet
from dozor.inventory.models import Inventory
from tests.fleet.fleet import IMAGE

pytestmark = pytest.mark.integration

BAD = ("while true; do echo \"redis.exceptions.OutOfMemoryError: OOM command not allowed when used memory > "
       "'maxmemory'.\" >&2; sleep 1; done")
GOOD = "while true; do echo \"app: request served in 3ms\"; sleep 1; done"


def _inventory(fleet: Any, state_dir: str) -> Inventory:
    data = tomllib.loads(Path(fleet.inventory).read_text())
    data["defaults"]["state_dir"] = state_dir
    data["hosts"]["web1"]["projects"].append({"name": "fixme", "services": ["app"]})
    return Inventory.model_validate(data)


def _run(fleet: Any, name: str, script: str) -> None:
    fleet.docker("web1", "rm", "-f", name, check=False)
    fleet.docker("web1", "run", "-d", "--name", name, "--network", "none",
                 "--label", "com.docker.compose.project=fixme", "--label", "com.docker.compose.service=app",
                 IMAGE, "sh", "-c", script)


async def test_a_fix_is_resolved_and_an_unchanged_problem_is_ongoing(fleet: Any) -> None:
    name = "fixme_app_" + secrets.token_hex(3)
    state = tempfile.mkdtemp(prefix="dozor-memory-", dir=fleet.dir)
    try:
        _run(fleet, name, BAD)
        await asyncio.sleep(3)  # a few error lines
        async with Fleet(_inventory(fleet, state)) as f:
            first = await f.diagnose("web1")
        assert first.changes is not None and first.changes.previous_run is None
        oom = [a for a in first.alerts if a.service == "app" and a.subject == "redis.oom"]
        assert oom and oom[0].change == "new", [a.key for a in first.alerts]
        crash = [a for a in first.alerts if a.service == "worker" and a.code == "crash_loop"]
        assert crash and crash[0].change == "new"

        fleet.docker("web1", "rm", "-f", name)  # the fix: the app replaced by a healthy one
        _run(fleet, name, GOOD)
        await asyncio.sleep(2)

        async with Fleet(_inventory(fleet, state)) as f:  # a new process would read the same file
            second = await f.diagnose("web1")
        ch = second.changes
        assert ch is not None and ch.previous_run == first.generated_at
        assert [(c.service, c.code) for c in ch.resolved] == [("app", "log_pattern")], ch.resolved
        worker = next(a for a in second.alerts if a.service == "worker" and a.code == "crash_loop")
        assert worker.change == "ongoing" and worker.since == first.generated_at
        assert not [a for a in second.alerts if a.service == "app"]
        assert not ch.new, ch.new
        text = second.to_ai_prompt()
        assert "1 resolved" in text and "RESOLVED:" in text and "ongoing since" in text, text
    finally:
        fleet.docker("web1", "rm", "-f", name, check=False)


async def test_a_running_service_of_an_undeclared_project_is_diagnosed(fleet: Any) -> None:
    """web1's inventory declares only ``shop``: a stack it does not list still gets its log read."""
    name = "fixme_app_" + secrets.token_hex(3)
    try:
        _run(fleet, name, BAD)
        await asyncio.sleep(3)
        data = tomllib.loads(Path(fleet.inventory).read_text())
        data["defaults"]["state_dir"] = tempfile.mkdtemp(prefix="dozor-memory-", dir=fleet.dir)
        async with Fleet(Inventory.model_validate(data)) as f:
            report = await f.diagnose("web1", remember=False)
        found = [a for a in report.alerts if a.project == "fixme" and a.service == "app"]
        assert [a.subject for a in found] == ["redis.oom"], [a.key for a in report.alerts]
        assert not report.host("web1").services[-1].declared or any(
            not s.declared for s in report.host("web1").services if s.project == "fixme")
    finally:
        fleet.docker("web1", "rm", "-f", name, check=False)
