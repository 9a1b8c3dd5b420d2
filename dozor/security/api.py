"""The security review: one operation per host (a few read-only commands on one connection), one report.

Per host, on one pooled connection and a few channels at once:

1. ``docker inspect`` of every container, listening sockets, sshd settings, the Docker daemon and the
   declared project directories (paths from the inventory only);
2. the access logs (last ``LOG_TAIL`` lines) of up to ``MAX_WEB`` running web containers;
3. pure checks turn all of it into findings (``checks_*``); what could not be read becomes an info
   finding "not checked: ..." instead of failing the host.

Nothing here runs inside a container, and nothing changes a host.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, Field

from dozor.collectors.base import CollectorError, DockerUnavailable
from dozor.collectors.container_security import ContainerSecurity, container_security_from_inspect
from dozor.collectors.hostsec import DOCKERD, PROJECT_FILES, SSHD, ProjectFiles
from dozor.collectors.listeners import LISTENERS
from dozor.collectors.logs import LOGS
from dozor.model.severity import Severity
from dozor.outcome import HostResult
from dozor.report.findings import detect_service_kind
from dozor.runner.docker import inspect_containers
from dozor.runner.fanout import HostContext, Progress
from dozor.runner.protocol import FleetRunner
from dozor.security.checks_containers import check_container
from dozor.security.checks_host import check_dockerd, check_listeners, check_project_files, check_sshd, not_checked
from dozor.security.checks_recon import check_access_log, is_web_container
from dozor.security.findings import Finding, HostSecurity, SecurityReport, group_findings
from dozor.transport.errors import TransportError

T = TypeVar("T")
MAX_WEB = 6
LOG_TAIL = 2000
LOG_MAX_BYTES = 512 * 1024
CHANNELS = 4


class HostAudit(BaseModel):
    """The findings of one host (the payload of the per-host operation)."""

    containers: int = 0
    findings: list[Finding] = Field(default_factory=list)


async def _containers(ctx: HostContext) -> list[ContainerSecurity]:
    return [container_security_from_inspect(c) for c in await inspect_containers(ctx, include_all=True)]


CONTAINERS = "containers (docker inspect)"


def unreviewed(f: Finding) -> Finding:
    """The 'not checked' finding of the containers, raised to a warning: not one container was reviewed."""
    return f.model_copy(update={
        "severity": Severity.WARNING, "title": "not checked: every container (docker inspect failed)",
        "action": "give the SSH user access to the Docker socket (the docker group) or connect as root, then run "
               "the review again",
    })


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


async def _guard(what: str, host: str, job: Awaitable[T], skipped: list[Finding]) -> T | None:
    """Await ``job``; a transport failure propagates (the host is unreachable), others become 'not checked'."""
    try:
        return await job
    except (TransportError, asyncio.CancelledError):
        raise
    except Exception as exc:  # one collector failing must not hide the other checks
        skipped.append(not_checked(host, what, _short(exc)))
        return None


def audit_operation(*, logs: bool = True) -> Callable[[HostContext], Awaitable[HostAudit]]:
    """The per-host operation (exposed for tests and other front ends)."""

    async def op(ctx: HostContext) -> HostAudit:
        name = ctx.host.name
        gate = asyncio.Semaphore(max(1, min(CHANNELS, ctx.host.max_channels)))
        skipped: list[Finding] = []
        paths = [p.path for p in ctx.host.projects if p.path]

        async def run(what: str, fn: Callable[[], Awaitable[T]]) -> T | None:
            async with gate:
                return await _guard(what, name, fn(), skipped)

        async def files() -> Any:
            return await ctx.collect(PROJECT_FILES, paths=paths) if paths else None

        containers, listeners, sshd, dockerd, project = await asyncio.gather(
            run(CONTAINERS, lambda: _containers(ctx)),
            run("listening sockets", lambda: ctx.collect(LISTENERS)),
            run("sshd settings", lambda: ctx.collect(SSHD)),
            run("Docker daemon", lambda: ctx.collect(DOCKERD)),
            run(".env files and compose secrets", files),
        )
        if containers is None:  # no container reviewed: a gap that must not read as a clean result
            skipped[:] = [unreviewed(f) if f.subject == CONTAINERS else f for f in skipped]
        found: list[Finding] = []
        cs: list[ContainerSecurity] = containers or []
        kinds = {c.id: detect_service_kind(c.image, c.service or c.name) for c in cs}
        for c in cs:
            found += check_container(c, name, kinds[c.id])
        if listeners is not None:
            found += check_listeners(listeners, name, cs)
        if sshd is not None:
            found += check_sshd(sshd, name)
        if dockerd is not None:
            found += check_dockerd(dockerd, name)
        if not paths or project is not None:
            found += check_project_files(project or ProjectFiles(), name, len(paths))
        if logs:
            web = [c for c in cs if c.state == "running" and is_web_container(c, kinds[c.id])]
            for c in web[MAX_WEB:]:
                skipped.append(not_checked(name, f"access log of {c.name}", f"more than {MAX_WEB} web containers"))

            async def scan(c: ContainerSecurity) -> list[Finding]:
                argv = LOGS.argv(container=c.id[:12], tail=LOG_TAIL, max_bytes=LOG_MAX_BYTES)
                result = await run(f"access log of {c.name}", lambda: ctx.run(argv))
                if result is None:
                    return []
                try:
                    lines = LOGS.parse(result).lines
                except CollectorError as exc:
                    skipped.append(not_checked(name, f"access log of {c.name}", _short(exc)))
                    return []
                return check_access_log(c, name, ((x.timestamp, x.text) for x in lines))

            for part in await asyncio.gather(*(scan(c) for c in web[:MAX_WEB])):
                found += part
        if containers is None and all(x is None for x in (listeners, sshd, dockerd)):
            raise DockerUnavailable("no security check could run: " + "; ".join(f.evidence for f in skipped)[:300])
        return HostAudit(containers=len(cs), findings=sorted(found + skipped, key=Finding.sort_key))

    return op


def build_report(results: list[HostResult[HostAudit]], *, selector: str | None, now: datetime) -> SecurityReport:
    """Per-host results → ``SecurityReport`` with the fleet-wide groups."""
    hosts = []
    for r in results:
        if r.ok and r.data is not None:
            hosts.append(HostSecurity(host=r.host, status=r.status, duration=r.duration,
                                      containers=r.data.containers, findings=r.data.findings))
        else:
            hosts.append(HostSecurity(host=r.host, status=r.status, reason=r.reason, duration=r.duration))
    return SecurityReport(generated_at=now, selector=selector, hosts=hosts, groups=group_findings(hosts))


async def security(
    fleet: FleetRunner, host: str | None = None, *, logs: bool = True, progress: Progress | None = None
) -> SecurityReport:
    """Audit the selected hosts (all by default) → ``SecurityReport``."""
    result = await fleet.run(audit_operation(logs=logs), host, name="security", progress=progress)
    return build_report(result.hosts, selector=host, now=datetime.now(UTC))


__all__ = ["HostAudit", "audit_operation", "build_report", "security"]
