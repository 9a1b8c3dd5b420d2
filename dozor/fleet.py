"""The Python API: a ``Fleet`` loaded from an inventory, one async method per question."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, Field

from dozor.collectors.logs import LOGS, LogResult
from dozor.collectors.resources import HostResources
from dozor.collectors.status import ContainerStatus, ServiceState, match_declared
from dozor.errors import ServiceNotFound
from dozor.inventory.loader import load_inventory
from dozor.inventory.models import Inventory, ResolvedHost
from dozor.inventory.selector import select_hosts
from dozor.runner.docker import container_status, host_resources
from dozor.runner.fanout import HostContext, Progress, run_on_hosts
from dozor.runner.fleet_result import FleetResult
from dozor.transport.pool import TransportFactory, TransportPool

if TYPE_CHECKING:
    from dozor.ops.api import DeployReport, DeployState, ExecOutput, PruneOptions, PruneReport, RestartResult
    from dozor.report.models import FleetReport
    from dozor.security.findings import SecurityReport

T = TypeVar("T")


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


def _may_run(host: ResolvedHost, service: str, project: str | None) -> bool:
    """False only when the inventory says for sure that ``service`` is not on ``host``."""
    projects = [p for p in host.projects if project is None or p.name == project]
    if not host.projects:
        return True
    if not projects:
        return False
    return any(not p.services or service in p.services for p in projects)


class Fleet:
    """A set of hosts and a pool of connections to them.

    Every method takes an optional ``host`` selector (a name, glob, ``@group``/``@tag``,
    lists, ``!`` exclusion and ``&`` intersection); None means the whole fleet.
    Methods return ``FleetResult`` objects: one ``HostResult`` per selected host,
    failures included as data. Use as ``async with Fleet.load() as fleet: ...``.
    """

    def __init__(
        self,
        inventory: Inventory,
        *,
        transport_factory: TransportFactory | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.inventory = inventory
        self.pool = TransportPool(transport_factory)
        self.progress = progress

    @classmethod
    def load(
        cls,
        path: str | Path | None = None,
        *,
        env: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Fleet:
        """Load the inventory (explicit path, ``DOZOR_INVENTORY``, ``./fleet.toml``, user config,
        ``.env`` single host, or this machine) and build a fleet from it."""
        return cls(load_inventory(path, env=env), **kwargs)

    async def __aenter__(self) -> Fleet:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.pool.close()

    # -- selection -------------------------------------------------------------------------

    def select(self, host: str | None = None) -> list[ResolvedHost]:
        """The hosts a selector picks, with defaults applied. Raises ``UnknownHostError``."""
        return [self.inventory.resolve(n) for n in select_hosts(self.inventory, host)]

    async def run(
        self,
        operation: Callable[[HostContext], Awaitable[T]],
        host: str | None = None,
        *,
        name: str = "run",
        hosts: list[ResolvedHost] | None = None,
    ) -> FleetResult[T]:
        """Run ``operation`` on every selected host in parallel; never raises for a host's failure."""
        chosen = hosts if hosts is not None else self.select(host)
        started = time.monotonic()
        results = await run_on_hosts(
            chosen,
            operation,
            transport_for=self.pool.get,
            concurrency=self.inventory.defaults.concurrency,
            fleet_timeout=self.inventory.defaults.timeouts.fleet,
            progress=self.progress,
        )
        return FleetResult[T](operation=name, selector=host, duration=time.monotonic() - started, hosts=results)

    # -- questions -------------------------------------------------------------------------

    async def status(self, host: str | None = None, *, service: str | None = None) -> FleetResult[HostContainers]:
        """Containers of each host's compose projects: state, health, exit code, OOM, restarts, ports.

        Declared services with no container are reported as missing; a host that declares no
        projects reports every compose project its engine knows. ``service`` keeps one service.
        """

        async def op(ctx: HostContext) -> HostContainers:
            containers = await container_status(ctx)
            services = match_declared(containers, ctx.host.projects)
            if service is not None:
                services = [s for s in services if s.service == service]
                containers = [c for c in containers if c.service == service]
            return HostContainers(collected_at=datetime.now(UTC), containers=containers, services=services)

        return await self.run(op, host, name="status")

    async def resources(self, host: str | None = None) -> FleetResult[HostResources]:
        """Per-container CPU/memory and per-host disk, memory, swap, load and CPU count."""

        async def op(ctx: HostContext) -> HostResources:
            return await host_resources(ctx)

        return await self.run(op, host, name="resources")

    async def check(self, host: str | None = None) -> FleetResult[HostCheck]:
        """Reachability: connect, ask the Docker engine its version and detect compose (v2 plugin or v1)."""

        async def op(ctx: HostContext) -> HostCheck:
            from dozor.collectors.base import check_docker
            from dozor.collectors.compose import COMPOSE_DETECT

            r = await ctx.run(["docker", "version", "--format", "{{.Server.Version}}"])
            check_docker(r)
            compose = await ctx.collect(COMPOSE_DETECT)
            return HostCheck(
                docker_version=r.stdout.strip() or None,
                compose=compose.variant,
                compose_version=compose.version,
                compose_command=compose.argv_prefix,
            )

        return await self.run(op, host, name="check")

    async def logs(
        self,
        service: str,
        host: str | None = None,
        *,
        lines: int = 100,
        since: str | None = None,
        errors_only: bool = False,
        grep: str | None = None,
        project: str | None = None,
        max_bytes: int = 256 * 1024,
    ) -> FleetResult[ServiceLogs]:
        """Recent logs of ``service`` on each selected host where it may run, filtered and capped on the host.

        Hosts whose inventory says the service is not there are skipped; hosts where no container
        carries the service's labels answer ``found=False``. Invalid arguments raise ``ValueError``.
        """
        argv = LOGS.argv(
            service, project=project, tail=lines, since=since, errors_only=errors_only, grep=grep, max_bytes=max_bytes
        )
        selected = self.select(host)
        chosen = [h for h in selected if _may_run(h, service, project)] if len(selected) > 1 else selected

        async def op(ctx: HostContext) -> ServiceLogs:
            try:
                result = LOGS.parse(await ctx.run(argv))
            except ServiceNotFound:
                return ServiceLogs(service=service, project=project, found=False)
            return ServiceLogs(service=service, project=project, logs=result)

        return await self.run(op, host, name="logs", hosts=chosen)

    # -- diagnosis (dozor.report) ------------------------------------------------------------

    async def diagnose(
        self, host: str | None = None, *, services: list[str] | None = None, log_lines: int = 200
    ) -> FleetReport:
        """Full diagnosis: status + resources + analysed error logs of suspicious services → ``FleetReport``."""
        from dozor.report.diagnose import diagnose

        return await diagnose(self, host, services=services, log_lines=log_lines)

    async def health(self, host: str | None = None, *, services: list[str] | None = None) -> FleetReport:
        """Quick diagnosis: container state and health only (no resources, no logs)."""
        from dozor.report.diagnose import diagnose

        return await diagnose(self, host, services=services, quick=True)

    async def analyze(
        self, service: str, host: str | None = None, *, lines: int = 1000, project: str | None = None
    ) -> FleetReport:
        """Deep log analysis of one service on every selected host where it runs."""
        from dozor.report.diagnose import analyze

        return await analyze(self, service, host, lines=lines, project=project)

    # -- operations (dozor.ops): guarded, audited ----------------------------------------------

    async def restart(
        self,
        service: str,
        host: str | None = None,
        *,
        project: str | None = None,
        actor: str | None = None,
        read_only: bool = False,
        allow_many: bool = False,
    ) -> FleetResult[RestartResult]:
        """Restart a compose service on one host; reports the containers' new start time and health.

        A selector matching several hosts is refused unless ``allow_many``; read-only hosts refuse.
        """
        from dozor.ops.api import restart

        return await restart(self, service, host, project=project, actor=actor, read_only=read_only,
                             allow_many=allow_many)

    async def deploy(
        self,
        project: str,
        host: str | None = None,
        *,
        services: list[str] | None = None,
        git_pull: bool = False,
        pull: bool = False,
        build: bool = False,
        rolling: bool = False,
        continue_on_error: bool = False,
        wait: bool = False,
        actor: str | None = None,
        read_only: bool = False,
        allow_many: bool = False,
        wait_timeout: float = 600.0,
        health_timeout: float = 60.0,
    ) -> FleetResult[DeployReport]:
        """Start a background deploy of an inventory project (it survives this process).

        ``rolling``: one host at a time, each waited for and checked healthy before the next,
        stopping at the first failure unless ``continue_on_error``. ``wait``: follow a non-rolling
        deploy to its end. A deploy of a project already deploying on a host is refused.
        """
        from dozor.ops.api import deploy

        return await deploy(self, project, host, services=services, git_pull=git_pull, pull=pull, build=build,
                            rolling=rolling, continue_on_error=continue_on_error, wait=wait, actor=actor,
                            read_only=read_only, allow_many=allow_many, wait_timeout=wait_timeout,
                            health_timeout=health_timeout)

    async def deploy_status(
        self, host: str | None = None, id: str | None = None, *, project: str | None = None, log_bytes: int = 8192
    ) -> FleetResult[list[DeployState]]:
        """A deploy's state by id, or the latest deploy of each project, read from each selected host."""
        from dozor.ops.api import deploy_status

        return await deploy_status(self, host, id, project=project, log_bytes=log_bytes)

    async def prune(
        self,
        host: str | None = None,
        *,
        options: PruneOptions | None = None,
        confirm: bool = False,
        actor: str | None = None,
        read_only: bool = False,
        allow_many: bool = False,
    ) -> FleetResult[PruneReport]:
        """Preview what a prune would remove (default), or remove it with ``confirm=True``."""
        from dozor.ops.api import prune

        return await prune(self, host, options=options, confirm=confirm, actor=actor, read_only=read_only,
                           allow_many=allow_many)

    async def exec(
        self, command: str | list[str], host: str | None = None, *, actor: str | None = None, max_bytes: int = 65536
    ) -> FleetResult[ExecOutput]:
        """Run an allowlisted read-only command (``dozor exec --list``) on each selected host, audited."""
        from dozor.ops.api import exec_command

        return await exec_command(self, command, host, actor=actor, max_bytes=max_bytes)

    # -- security (dozor.security) -------------------------------------------------------------

    async def security(self, host: str | None = None, *, logs: bool = True) -> SecurityReport:
        """Security review: exposure, container privileges/mounts/user/limits, sshd, Docker daemon,
        project secrets and scanner reconnaissance in web access logs → ``SecurityReport``."""
        from dozor.security.api import security

        return await security(self, host, logs=logs)
