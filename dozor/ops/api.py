"""Operations as functions of a ``Fleet`` and an actor: what ``Fleet.restart`` & co. and the MCP tools call.

Every function audits its attempts (see :mod:`dozor.ops.audit`) and returns a ``FleetResult``;
refusals are ``refused`` host results that say which rule refused what. The actor is
``cli:<user>`` for the CLI, ``mcp:<client>`` for MCP clients (:func:`dozor.ops.audit.mcp_actor`).
"""

from __future__ import annotations

from collections.abc import Sequence

from dozor.ops.action import Action, refused_result, run_action, select_or_audit
from dozor.ops.deploy import DeployReport, DeployRequest, DeployState
from dozor.ops.exec import DEFAULT_MAX_BYTES, ExecOutput, run_validated
from dozor.ops.exec_policy import CommandRefused, validate_command
from dozor.ops.guard import check_name
from dozor.ops.prune import PruneOptions, PruneReport, act_prune, check_prune_options, preview_prune
from dozor.ops.restart import RestartResult, restart_service
from dozor.ops.rollout import deploy, deploy_status
from dozor.runner.fanout import HostContext, Progress, Refused
from dozor.runner.fleet_result import FleetResult
from dozor.runner.protocol import FleetRunner


async def restart(
    fleet: FleetRunner,
    service: str,
    host: str | None = None,
    *,
    project: str | None = None,
    actor: str | None = None,
    read_only: bool = False,
    allow_many: bool = False,
    health_wait: float = 30.0,
    progress: Progress | None = None,
) -> FleetResult[RestartResult]:
    """Restart a compose service on one host (several only with ``allow_many``)."""
    action = Action(
        tool="restart",
        argv=["restart", str(service), *(["--project", str(project)] if project is not None else [])],
        actor=actor,
        read_only=read_only,
        allow_many=allow_many,
    )

    def validate() -> None:
        check_name("service", service)
        if project is not None:
            check_name("project", project)

    async def op(ctx: HostContext) -> RestartResult:
        return await restart_service(ctx, service, project, health_wait=health_wait)

    return await run_action(fleet, action, host, op, validate=validate, progress=progress)


async def exec_command(
    fleet: FleetRunner,
    command: str | Sequence[str],
    host: str | None = None,
    *,
    actor: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress | None = None,
) -> FleetResult[ExecOutput]:
    """Run an allowlisted read-only command on each selected host (see ``dozor exec --list``).

    Read-only, so a selector may match several hosts and read-only hosts are not refused.
    A refused command is refused on every selected host without contacting any of them.
    """
    action = Action(tool="exec", argv=command if isinstance(command, str) else list(command), actor=actor,
                    mutation=False)
    validated: list[str] = []

    def validate() -> None:
        try:
            validated[:] = validate_command(command)
        except CommandRefused as exc:
            raise Refused(str(exc)) from None
        action.argv = list(validated)

    async def op(ctx: HostContext) -> ExecOutput:
        return await run_validated(ctx, validated, max_bytes=max_bytes)

    return await run_action(fleet, action, host, op, validate=validate, progress=progress)


async def prune(
    fleet: FleetRunner,
    host: str | None = None,
    *,
    options: PruneOptions | None = None,
    confirm: bool = False,
    actor: str | None = None,
    read_only: bool = False,
    allow_many: bool = False,
    progress: Progress | None = None,
) -> FleetResult[PruneReport]:
    """Preview a prune (``confirm=False``: read-only, not audited) or run it (``confirm=True``: audited)."""
    opts = options or PruneOptions()
    if not confirm:
        hosts = fleet.select(host)
        try:
            check_prune_options(opts)
        except Refused as exc:
            from dozor.outcome import HostResult, HostStatus

            return FleetResult[PruneReport](operation="prune-preview", selector=host, hosts=[
                HostResult(host=h.name, status=HostStatus.REFUSED, reason=str(exc)) for h in hosts
            ])

        async def look(ctx: HostContext) -> PruneReport:
            return PruneReport(acted=False, preview=await preview_prune(ctx, opts))

        return await fleet.run(look, host, name="prune-preview", hosts=hosts, progress=progress)

    action = Action(tool="prune", argv=_prune_argv(opts), actor=actor, read_only=read_only, allow_many=allow_many)

    async def act(ctx: HostContext) -> PruneReport:
        return PruneReport(acted=True, result=await act_prune(ctx, opts))

    def validate() -> None:
        check_prune_options(opts)

    return await run_action(fleet, action, host, act, validate=validate, progress=progress)


def _prune_argv(opts: PruneOptions) -> list[str]:
    argv = ["prune"]
    for flag, on in (("--containers", opts.containers), ("--images", opts.images), ("--images-all", opts.images_all),
                     ("--build-cache", opts.build_cache), ("--volumes", opts.volumes)):
        if on:
            argv.append(flag)
    if opts.until is not None:
        argv.append(f"--until={opts.until}")
    if opts.label is not None:
        argv.append(f"--label={opts.label}")
    return argv


__all__ = [
    "DeployReport",
    "DeployRequest",
    "DeployState",
    "ExecOutput",
    "PruneOptions",
    "PruneReport",
    "RestartResult",
    "deploy",
    "deploy_status",
    "exec_command",
    "prune",
    "refused_result",
    "restart",
    "select_or_audit",
]
