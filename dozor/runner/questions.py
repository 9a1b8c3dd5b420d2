"""The read-only questions every front end asks of a fleet: status, resources, reachability, logs.

Each is a function of a :class:`~dozor.runner.protocol.FleetRunner` and returns a ``FleetResult``;
``Fleet`` offers them as methods.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field

from dozor.collectors.base import ServiceNotFound, check_docker
from dozor.collectors.compose import COMPOSE_DETECT
from dozor.collectors.logs import LOGS, LogResult
from dozor.collectors.resources import HostResources
from dozor.collectors.status import ContainerStatus, ServiceState, match_declared
from dozor.inventory.models import ResolvedHost
from dozor.runner.docker import container_status, host_resources
from dozor.runner.fanout import HostContext, Progress
from dozor.runner.fleet_result import FleetResult
from dozor.runner.protocol import FleetRunner


class HostContainers(BaseModel):
    """The status payload of one host: its containers and the compose services they form."""

    collected_at: datetime = Field(description="When the host answered (UTC).")
    containers: list[ContainerStatus] = Field(default_factory=list)
    services: list[ServiceState] = Field(default_factory=list)


class HostCheck(BaseModel):
    """What a reachability check learns about a host."""

    docker_version: str | None = Field(description="The engine's version (docker version .Server.Version).")
    compose: str | None = Field(default=None, description="v2 (docker compose plugin), v1 (docker-compose) or None.")
    compose_version: str | None = None
    compose_command: list[str] = Field(default_factory=list, description="argv prefix used for compose commands.")


class ServiceLogs(BaseModel):
    """The logs payload of one host: the service's log lines, or ``found=False`` when it does not run there."""

    service: str
    project: str | None = None
    found: bool = True
    logs: LogResult | None = None


def may_run(host: ResolvedHost, service: str, project: str | None) -> bool:
    """False only when the inventory says for sure that ``service`` is not on ``host``."""
    projects = [p for p in host.projects if project is None or p.name == project]
    if not host.projects:
        return True
    if not projects:
        return False
    return any(not p.services or service in p.services for p in projects)


async def status(
    runner: FleetRunner, host: str | None = None, *, service: str | None = None, progress: Progress | None = None
) -> FleetResult[HostContainers]:
    """Containers of each host's compose projects (see :meth:`dozor.fleet.Fleet.status`)."""

    async def op(ctx: HostContext) -> HostContainers:
        containers = await container_status(ctx)
        services = match_declared(containers, ctx.host.projects)
        if service is not None:
            services = [s for s in services if s.service == service]
            containers = [c for c in containers if c.service == service]
        return HostContainers(collected_at=datetime.now(UTC), containers=containers, services=services)

    return await runner.run(op, host, name="status", progress=progress)


async def resources(
    runner: FleetRunner, host: str | None = None, *, progress: Progress | None = None
) -> FleetResult[HostResources]:
    """Per-container CPU/memory and per-host disk, memory, swap, load and CPU count."""
    return await runner.run(host_resources, host, name="resources", progress=progress)


async def check(
    runner: FleetRunner, host: str | None = None, *, progress: Progress | None = None
) -> FleetResult[HostCheck]:
    """Reachability: connect, ask the Docker engine its version and detect compose (v2 plugin or v1)."""

    async def op(ctx: HostContext) -> HostCheck:
        r = await ctx.run(["docker", "version", "--format", "{{.Server.Version}}"])
        check_docker(r)
        compose = await ctx.collect(COMPOSE_DETECT)
        return HostCheck(
            docker_version=r.stdout.strip() or None,
            compose=compose.variant,
            compose_version=compose.version,
            compose_command=compose.argv_prefix,
        )

    return await runner.run(op, host, name="check", progress=progress)


async def logs(
    runner: FleetRunner,
    service: str,
    host: str | None = None,
    *,
    lines: int = 100,
    since: str | None = None,
    errors_only: bool = False,
    grep: str | None = None,
    project: str | None = None,
    max_bytes: int = 256 * 1024,
    progress: Progress | None = None,
) -> FleetResult[ServiceLogs]:
    """Recent logs of ``service`` on each selected host where it may run (see :meth:`dozor.fleet.Fleet.logs`)."""
    argv = LOGS.argv(
        service, project=project, tail=lines, since=since, errors_only=errors_only, grep=grep, max_bytes=max_bytes
    )
    selected = runner.select(host)
    chosen = [h for h in selected if may_run(h, service, project)] if len(selected) > 1 else selected

    async def op(ctx: HostContext) -> ServiceLogs:
        try:
            result = LOGS.parse(await ctx.run(argv))
        except ServiceNotFound:
            return ServiceLogs(service=service, project=project, found=False)
        return ServiceLogs(service=service, project=project, logs=result)

    return await runner.run(op, host, name="logs", hosts=chosen, progress=progress)


__all__ = ["HostCheck", "HostContainers", "ServiceLogs", "check", "logs", "may_run", "resources", "status"]
