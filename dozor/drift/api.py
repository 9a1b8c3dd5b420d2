"""``drift``: one container inspect per host (Engine API, else the CLI), then the pure comparison."""

from __future__ import annotations

from datetime import UTC, datetime

from dozor.drift.compare import compare
from dozor.drift.config import ServiceConfig, configs_from_inspect
from dozor.drift.models import DriftHost, DriftReport
from dozor.runner.docker import inspect_containers
from dozor.runner.fanout import HostContext, Progress
from dozor.runner.protocol import FleetRunner


async def drift(
    runner: FleetRunner, host: str | None = None, *, project: str | None = None, progress: Progress | None = None
) -> DriftReport:
    """Compare every compose service that runs on two or more of the selected hosts (``project``: only it)."""

    async def op(ctx: HostContext) -> list[ServiceConfig]:
        configs = configs_from_inspect(ctx.host.name, await inspect_containers(ctx))
        return [c for c in configs if project is None or c.project == project]

    result = await runner.run(op, host, name="drift", progress=progress)
    configs = [c for r in result.hosts if r.ok and r.data for c in r.data]
    compared, single, found = compare(configs)
    hosts = [DriftHost(host=r.host, status=r.status, reason=r.reason, duration=r.duration,
                       containers=len(r.data) if r.ok and r.data else 0) for r in result.hosts]
    return DriftReport(generated_at=datetime.now(UTC), selector=host, project=project, hosts=hosts,
                       compared=compared, single_host=single, drift=found)


__all__ = ["drift"]
