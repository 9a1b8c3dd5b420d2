"""Restart one compose service on a host and report its containers' new start time and health.

The command is ``<compose> -p PROJECT [-f FILE]... restart SERVICE`` run in the project's
directory from the inventory, through a constant ``sh -c`` script that takes the directory
and the argv as positional arguments (nothing is interpolated into a shell string).
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from pydantic import BaseModel, Field

from dozor.collectors.base import check_docker, first_line
from dozor.collectors.compose import COMPOSE_DETECT
from dozor.collectors.status import ContainerState, ContainerStatus, HealthState
from dozor.inventory.models import Project
from dozor.ops.action import ActionFailed
from dozor.ops.guard import declared_project
from dozor.runner.docker import container_status
from dozor.runner.fanout import HostContext

# $1 = directory, the rest = argv to run there.
IN_DIR_SCRIPT = 'cd -- "$1" || exit 125; shift; exec "$@"'
RESTART_TIMEOUT = 120.0
HEALTH_POLL = 1.0


def in_dir(path: str, argv: list[str]) -> list[str]:
    """argv that runs ``argv`` inside directory ``path`` (both passed as data, never as shell text)."""
    return ["sh", "-c", IN_DIR_SCRIPT, "dozor-cd", path, *argv]


def compose_base(prefix: list[str], project: Project) -> list[str]:
    """``<compose> -p NAME [-f FILE]...`` for an inventory project."""
    argv = [*prefix, "-p", project.name]
    for f in project.files:
        argv += ["-f", f]
    return argv


async def compose_prefix(ctx: HostContext) -> list[str]:
    """The host's compose command (``docker compose`` or ``docker-compose``); ActionFailed if none."""
    info = await ctx.collect(COMPOSE_DETECT)
    if not info.argv_prefix:
        raise ActionFailed(f"no docker compose on {ctx.host.name}: {info.detail or 'not found'}")
    return info.argv_prefix


class RestartedContainer(BaseModel):
    """One container of the service after the restart."""

    name: str
    state: ContainerState
    health: HealthState | None = Field(default=None, description="None when the image has no healthcheck.")
    started_at: datetime | None = Field(description="Start time after the restart.")
    previous_started_at: datetime | None = Field(default=None, description="Start time before the restart.")
    restarted: bool = Field(description="The start time changed.")


class RestartResult(BaseModel):
    """What a restart did on one host."""

    project: str
    service: str
    containers: list[RestartedContainer] = Field(default_factory=list)
    healthy: bool | None = Field(
        default=None, description="All healthchecked containers healthy; None when none has a healthcheck."
    )
    output: str = Field(default="", description="compose's own output (last lines).")


def _of_service(containers: list[ContainerStatus], project: str, service: str) -> list[ContainerStatus]:
    return [c for c in containers if c.project == project and c.service == service and not c.oneoff]


async def restart_service(
    ctx: HostContext, service: str, project: str | None, *, health_wait: float = 30.0
) -> RestartResult:
    """Restart ``service`` of a declared project on this host; wait briefly for its health."""
    started = time.monotonic()
    proj = declared_project(ctx.host, project, service)
    prefix = await compose_prefix(ctx)
    before = {c.name: c.started_at for c in _of_service(await container_status(ctx), proj.name, service)}
    argv = in_dir(proj.path or "", [*compose_base(prefix, proj), "restart", service])
    result = await ctx.run(argv, timeout=max(ctx.host.timeouts.command, RESTART_TIMEOUT))
    check_docker(result)
    output = (result.stdout + result.stderr).strip()
    if not result.ok:
        why = first_line(result.stderr or result.stdout)
        raise ActionFailed(f"compose restart failed (exit {result.exit_status}): {why}")
    budget = min(health_wait, ctx.host.timeouts.host - (time.monotonic() - started) - 3.0)
    deadline = time.monotonic() + max(budget, 0.0)
    while True:
        after = _of_service(await container_status(ctx), proj.name, service)
        if not any(c.health is HealthState.STARTING for c in after) or time.monotonic() >= deadline:
            break
        await asyncio.sleep(HEALTH_POLL)
    if not after:
        raise ActionFailed(f"compose restart exited 0 but no container of {proj.name}/{service} exists")
    checked = [c for c in after if c.health is not None]
    return RestartResult(
        project=proj.name,
        service=service,
        containers=[
            RestartedContainer(
                name=c.name,
                state=c.state,
                health=c.health,
                started_at=c.started_at,
                previous_started_at=before.get(c.name),
                restarted=c.started_at is not None and c.started_at != before.get(c.name),
            )
            for c in after
        ],
        healthy=all(c.health is HealthState.HEALTHY for c in checked) if checked else None,
        output="\n".join(output.splitlines()[-20:]),
    )
