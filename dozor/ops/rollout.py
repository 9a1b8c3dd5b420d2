"""Deploy a project to selected hosts: at once, or rolling (one host at a time, healthy before the next).

Starting a deploy is the audited mutation (one audit pair per host started or refused);
following it (reading its state, checking the services) only reads.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from dozor.collectors.status import ContainerState, ContainerStatus, HealthState
from dozor.inventory.models import ResolvedHost
from dozor.ops.action import Action, refused_result, run_action, select_or_audit
from dozor.ops.deploy import DeployReport, DeployRequest, DeployState, read_deploys, start_deploy, validate_deploy_args
from dozor.ops.guard import check_selection
from dozor.outcome import HostResult, HostStatus
from dozor.runner.docker import container_status
from dozor.runner.fanout import HostContext, Progress, Refused
from dozor.runner.fleet_result import FleetResult
from dozor.runner.protocol import FleetRunner

POLL = 1.0


def _deploy_argv(project: str, services: Sequence[str], git_pull: bool, pull: bool, build: bool) -> list[str]:
    flags = [f for f, on in (("--git-pull", git_pull), ("--pull", pull), ("--build", build)) if on]
    return ["deploy", str(project), *flags, *([f"--services={','.join(map(str, services))}"] if services else [])]


async def _read_one(fleet: FleetRunner, host: ResolvedHost, deploy_id: str, log_bytes: int) -> DeployState | None:
    async def op(ctx: HostContext) -> list[DeployState]:
        return await read_deploys(ctx, deploy_id, log_bytes=log_bytes)

    r = (await fleet.run(op, host.name, name="deploy-status", hosts=[host])).hosts[0]
    return r.data[0] if r.ok and r.data else None


def _service_problems(containers: list[ContainerStatus], project: str, services: Sequence[str]) -> list[str]:
    mine = [c for c in containers if c.project == project and not c.oneoff]
    problems = [f"{s}: no container" for s in services if not any(c.service == s for c in mine)]
    for c in mine:
        if services and c.service not in services:
            continue
        if c.state is not ContainerState.RUNNING:
            problems.append(f"{c.service}: {c.state.value}")
        elif c.health is not None and c.health is not HealthState.HEALTHY:
            problems.append(f"{c.service}: {c.health.value}")
    if not mine:
        problems.append(f"no container of project {project}")
    return problems


async def _healthy(fleet: FleetRunner, host: ResolvedHost, project: str, services: Sequence[str],
                   timeout: float) -> list[str]:
    """Wait until the project's services run (and pass their healthchecks); the remaining problems."""
    declared = next((p.services for p in host.projects if p.name == project), [])
    wanted = list(services) or list(declared)
    deadline = time.monotonic() + timeout
    problems: list[str] = ["not checked"]
    while True:
        async def op(ctx: HostContext) -> list[ContainerStatus]:
            return await container_status(ctx)

        r = (await fleet.run(op, host.name, name="deploy-health", hosts=[host])).hosts[0]
        problems = _service_problems(r.data or [], project, wanted) if r.ok else [f"status: {r.reason}"]
        if not problems or time.monotonic() >= deadline:
            return problems
        await asyncio.sleep(POLL)


async def follow(
    fleet: FleetRunner,
    host: ResolvedHost,
    result: HostResult[DeployReport],
    *,
    wait_timeout: float,
    health_timeout: float,
    log_bytes: int = 4096,
) -> HostResult[DeployReport]:
    """Wait for a started deploy to end, then for its services to be healthy; the updated host result."""
    report = result.data
    if report is None:
        return result
    started = time.monotonic()
    deadline = started + wait_timeout
    state: DeployState | None = None
    while time.monotonic() < deadline:
        state = await _read_one(fleet, host, report.id, log_bytes)
        if state is not None and state.done:
            break
        await asyncio.sleep(POLL)
    if state is None or not state.done:
        report.detail = f"deploy {report.id} still running after {wait_timeout:g}s"
        return _with(result, report, HostStatus.TIMEOUT, report.detail, started)
    report.status, report.exit_code, report.step = state.status, state.exit_code, state.step
    report.started_at, report.finished_at = state.started_at, state.finished_at
    if state.status != "succeeded":
        report.log_tail = state.log_tail
        last = [ln for ln in state.log_tail.splitlines() if ln.strip() and not ln.startswith("==")]
        report.detail = (
            f"deploy {report.id} {state.status} at step {state.step} (exit {state.exit_code})"
            + (f": {last[-1].strip()[:300]}" if last else "")
        )
        return _with(result, report, HostStatus.ERROR, report.detail, started)
    problems = await _healthy(fleet, host, report.project, state.services, health_timeout)
    report.healthy = not problems
    if problems:
        report.detail = f"deploy {report.id} succeeded but services are not healthy: {'; '.join(problems)}"
        return _with(result, report, HostStatus.ERROR, report.detail, started)
    return _with(result, report, HostStatus.OK, "", started)


def _with(result: HostResult[DeployReport], report: DeployReport, status: HostStatus, reason: str,
          started: float) -> HostResult[DeployReport]:
    return HostResult[DeployReport](host=result.host, status=status, reason=reason, data=report,
                                    duration=result.duration + time.monotonic() - started)


async def deploy(
    fleet: FleetRunner,
    request: DeployRequest,
    host: str | None = None,
    *,
    actor: str | None = None,
    read_only: bool = False,
    allow_many: bool = False,
    progress: Progress | None = None,
) -> FleetResult[DeployReport]:
    """Start ``request``'s deploy on the selected host(s); see :meth:`dozor.fleet.Fleet.deploy`."""
    project, rolling = request.project, request.rolling
    wait_timeout, health_timeout = request.wait_timeout, request.health_timeout
    svc_list = list(request.services or [])
    action = Action(
        tool="deploy",
        argv=_deploy_argv(project, svc_list, request.git_pull, request.pull, request.build),
        actor=actor,
        read_only=read_only,
        allow_many=allow_many or rolling,
    )
    checked: list[str] = []

    def validate() -> None:
        checked[:] = validate_deploy_args(project, svc_list)

    async def op(ctx: HostContext) -> DeployReport:
        s = await start_deploy(ctx, project, checked, git_pull=request.git_pull, pull=request.pull,
                               build=request.build)
        return DeployReport(id=s.id, project=s.project, status="running", detail=f"started (pid {s.pid})")

    hosts = select_or_audit(fleet, action, host)
    if not rolling:
        result = await run_action(fleet, action, host, op, validate=validate, hosts=hosts, progress=progress)
        if request.wait:
            by_name = {h.name: h for h in hosts}
            result.hosts = list(await asyncio.gather(*(
                follow(fleet, by_name[r.host], r, wait_timeout=wait_timeout, health_timeout=health_timeout)
                if r.ok else _done(r) for r in result.hosts
            )))
        return result

    try:
        validate()
        check_selection(hosts, host, allow_many=True)
    except Refused as exc:
        return refused_result(fleet, action, hosts, host, str(exc))
    started = time.monotonic()
    out: list[HostResult[DeployReport]] = []
    stopped_at: str | None = None
    for h in hosts:
        if stopped_at is not None:
            out.append(HostResult[DeployReport](
                host=h.name, status=HostStatus.REFUSED,
                reason=f"skipped: rolling deploy stopped after {stopped_at} failed (use continue_on_error)",
            ))
            continue
        r = (await run_action(fleet, action, host, op, hosts=[h])).hosts[0]
        if r.ok:
            r = await follow(fleet, h, r, wait_timeout=wait_timeout, health_timeout=health_timeout)
        out.append(r)
        if not r.ok and not request.continue_on_error:
            stopped_at = h.name
    return FleetResult[DeployReport](operation="deploy", selector=host, duration=time.monotonic() - started,
                                     hosts=out)


async def _done(r: HostResult[DeployReport]) -> HostResult[DeployReport]:
    return r


async def deploy_status(
    fleet: FleetRunner,
    host: str | None = None,
    deploy_id: str | None = None,
    *,
    project: str | None = None,
    log_bytes: int = 8192,
    progress: Progress | None = None,
) -> FleetResult[list[DeployState]]:
    """Read deploy state from each selected host: one id, or the latest deploy per project."""
    from dozor.ops.deploy import check_deploy_id
    from dozor.ops.guard import check_name

    hosts = fleet.select(host)
    try:
        if deploy_id is not None:
            check_deploy_id(deploy_id)
        if project is not None:
            check_name("project", project)
    except Refused as exc:
        return FleetResult[list[DeployState]](
            operation="deploy-status", selector=host,
            hosts=[HostResult(host=h.name, status=HostStatus.REFUSED, reason=str(exc)) for h in hosts],
        )

    async def op(ctx: HostContext) -> list[DeployState]:
        return await read_deploys(ctx, deploy_id, project, log_bytes=log_bytes)

    return await fleet.run(op, host, name="deploy-status", hosts=hosts, progress=progress)
