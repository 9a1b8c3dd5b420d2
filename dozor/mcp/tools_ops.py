"""Operation tools over ``dozor.ops``: restart, deploy, deploy status, prune (one explicit host), validated exec.

Every call is audited by ``dozor.ops`` with the actor ``mcp:<client name>``; refusals made here
(no host, several hosts, read-only) are audited too before the ``ToolError`` goes back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from dozor.errors import CommandRefused
from dozor.inventory.models import ResolvedHost
from dozor.mcp.calls import answer, fleet_call, one_host_to_change, refused_everywhere, server_state, tool_error
from dozor.mcp.models import DeployRow, ExecData, FleetOut, PruneData, RestartData
from dozor.mcp.outputs import deploy_row, deploy_states, exec_data, fleet_out, prune_data, restart_data
from dozor.mcp.registry import HostArg, Kind, SingleHostArg, tool
from dozor.ops.action import audit_log_for
from dozor.ops.audit import mcp_actor
from dozor.ops.deploy import DeployReport, DeployRequest, DeployState
from dozor.ops.exec import ExecOutput
from dozor.ops.exec_policy import validate_command
from dozor.ops.prune import PruneOptions, PruneReport
from dozor.ops.restart import RestartResult
from dozor.render.payload_text import failure, header, name
from dozor.render.sanitize import fence
from dozor.runner.fleet_result import FleetResult

LOG_TAIL_CHARS = 4000


def actor(ctx: Context) -> str:
    """``mcp:<client name>`` from the client's initialize info."""
    params = getattr(ctx.session, "client_params", None)
    info = getattr(params, "client_info", None)
    return mcp_actor(getattr(info, "name", None))


def target(ctx: Context, host: str | None, tool_name: str, argv: Sequence[object]) -> ResolvedHost:
    """The one writable host of a mutating call; a refusal is audited, then raised as ``ToolError``."""
    try:
        return one_host_to_change(ctx, host, tool_name.removeprefix("server_"))
    except ToolError as exc:
        log = audit_log_for(server_state(ctx).fleet)
        log.refused(
            actor=actor(ctx), tool=tool_name.removeprefix("server_"), host=str(host), argv=list(argv), reason=str(exc)
        )
        raise


class Confirmation(BaseModel):
    """The user's answer to a confirmation request."""

    confirm: bool = Field(description="Yes: go ahead.")


def can_elicit(ctx: Context) -> bool:
    """The client declared form elicitation (an empty ``elicitation`` capability means form, per the spec) and
    this session can send it a request (sessions of the 2026-07-28 protocol have no back channel)."""
    session = ctx.session
    caps = getattr(session, "client_capabilities", None)
    elicitation = getattr(caps, "elicitation", None)
    form = elicitation is not None and (elicitation.form is not None or elicitation.url is None)
    return form and bool(getattr(session, "can_send_request", False))


async def confirmed(ctx: Context, h: ResolvedHost, tool_name: str, argv: Sequence[object], question: str) -> None:
    """Ask the user through the client (MCP elicitation) before a change; refuse unless they accept.

    Only when the client supports elicitation: other clients behave as before. The answer is never the only
    check: the host was already vetted by ``target`` and ``dozor.ops`` applies its guard again. A decline, a
    cancel or a failed request refuses the action (audited) with a clear message.
    """
    if not can_elicit(ctx):
        return
    try:
        result = await ctx.elicit(question, Confirmation)
        answer_ = result.action
        ok = answer_ == "accept" and result.data.confirm  # type: ignore[union-attr]
    except Exception as exc:  # the client could not ask: no confirmation
        answer_, ok = f"no answer: {type(exc).__name__}", False
    if ok:
        return
    action = tool_name.removeprefix("server_")
    reason = f"{action} on {h.name} not confirmed by the user ({answer_}): nothing was changed"
    log = audit_log_for(server_state(ctx).fleet)
    log.refused(actor=actor(ctx), tool=action, host=h.name, argv=list(argv), reason=reason)
    raise tool_error(reason)


def lines_for(result: FleetResult[Any], what: str, render: Any) -> str:
    """Header, then one rendered block per host (failures and refusals as lines)."""
    out = [header(result, what)]
    for h in result.hosts:
        out.append(failure(h) if not h.ok or h.data is None else render(h.host, h.data))
    return "\n".join(out)


def _restart_text(host: str, r: RestartResult) -> str:
    health = {None: "no healthcheck", True: "healthy", False: "NOT healthy"}[r.healthy]
    started = ", ".join(
        f"{name(c.name)} {c.state.value} started {c.started_at:%H:%M:%S}" if c.started_at else name(c.name)
        for c in r.containers
    )
    return f"- {host}: restarted {name(r.project)}/{name(r.service)} — {health}; {started or 'no container'}"


@tool(
    "server_restart",
    Kind.MUTATE,
    "Restart a service",
    "Restart one compose service on exactly one host (not a read-only one); reports the new start time "
    "and health. Audited.",
)
async def server_restart(
    ctx: Context,
    host: SingleHostArg,
    service: Annotated[str, Field(description="Compose service to restart.")],
    project: Annotated[str | None, Field(description="Project, if ambiguous.")] = None,
) -> Annotated[CallToolResult, FleetOut[RestartData]]:
    """Restart a service on one host."""
    h = target(ctx, host, "server_restart", ["restart", service])
    await confirmed(ctx, h, "server_restart", ["restart", service],
                    f"Restart {name(service)}{f' (project {name(project)})' if project else ''} on {h.name}?")
    state = server_state(ctx)
    result = await fleet_call(
        ctx, lambda f, p: f.restart(
            service, h.name, project=project, actor=actor(ctx), read_only=state.read_only, progress=p,
        )
    )
    return answer(lines_for(result, "restart", _restart_text), fleet_out(result, restart_data))


def _deploy_text(host: str, d: DeployReport) -> str:
    line = f"- {host}: deploy {d.id} of {name(d.project)}: {d.status}"
    if d.step:
        line += f" (step {d.step})"
    if d.exit_code is not None:
        line += f", exit {d.exit_code}"
    if d.healthy is not None:
        line += ", healthy" if d.healthy else ", NOT healthy"
    if d.detail:
        line += f" — {name(d.detail, 200)}"
    if d.log_tail:
        line += "\n" + fence(d.log_tail, source=f"{host} deploy {d.id} log", max_chars=LOG_TAIL_CHARS)
    return line


@tool(
    "server_deploy",
    Kind.MUTATE,
    "Deploy a project",
    "Deploy an inventory compose project on exactly one host in the background (optional git pull, pull, "
    "build); returns an id for server_deploy_status. Audited.",
)
async def server_deploy(
    ctx: Context,
    host: SingleHostArg,
    project: Annotated[str, Field(description="Inventory compose project.")],
    services: Annotated[list[str] | None, Field(description="Only these services.")] = None,
    git_pull: Annotated[bool, Field(description="git pull first.")] = False,
    pull: Annotated[bool, Field(description="Pull images first.")] = False,
    build: Annotated[bool, Field(description="Build images first.")] = False,
    wait: Annotated[bool, Field(description="Wait (up to 10 min), check health.")] = False,
) -> Annotated[CallToolResult, FleetOut[DeployRow]]:
    """Start a deploy on one host."""
    h = target(ctx, host, "server_deploy", ["deploy", project, *(services or [])])
    question = f"Deploy {name(project)} on {h.name}"
    if services:
        question += f" (services: {', '.join(name(s) for s in services)})"
    steps = [step for step, on in (("git pull", git_pull), ("image pull", pull), ("build", build)) if on]
    if steps:
        question += f" with {', '.join(steps)}"
    await confirmed(ctx, h, "server_deploy", ["deploy", project, *(services or [])], question + "?")
    state = server_state(ctx)
    result = await fleet_call(
        ctx,
        lambda f, p: f.deploy(
            DeployRequest(project=project, services=services, git_pull=git_pull, pull=pull, build=build, wait=wait),
            h.name,
            actor=actor(ctx),
            read_only=state.read_only,
            progress=p,
        ),
    )
    return answer(lines_for(result, "deploy", _deploy_text), fleet_out(result, deploy_row))


def _states_text(host: str, states: list[DeployState]) -> str:
    if not states:
        return f"- {host}: no deploys recorded"
    out = []
    for s in states:
        line = f"- {host}: deploy {s.id} of {name(s.project)}: {s.status}"
        if s.step:
            line += f" (step {s.step})"
        if s.exit_code is not None:
            line += f", exit {s.exit_code}"
        if s.log_tail:
            line += "\n" + fence(s.log_tail, source=f"{host} deploy {s.id} log", max_chars=LOG_TAIL_CHARS)
        out.append(line)
    return "\n".join(out)


@tool(
    "server_deploy_status",
    Kind.READ,
    "Deploy status",
    "Background deploys: one by id, or each project's latest (state, step, exit code, times, log tail).",
)
async def server_deploy_status(
    ctx: Context,
    host: HostArg = None,
    id: Annotated[str | None, Field(description="Deploy id returned by server_deploy.")] = None,
    project: Annotated[str | None, Field(description="Only this compose project.")] = None,
) -> Annotated[CallToolResult, FleetOut[list[DeployRow]]]:
    """Deploy states on the selected hosts."""
    result = await fleet_call(ctx, lambda f, p: f.deploy_status(
        host, id, project=project, log_bytes=LOG_TAIL_CHARS, progress=p,
    ))
    return answer(lines_for(result, "deploy status", _states_text), fleet_out(result, deploy_states))


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024:
            return f"{n:.0f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n:.1f} TB"


def _prune_text(host: str, p: PruneReport) -> str:
    if p.acted and p.result is not None:
        return f"- {host}: removed {len(p.result.removed)} items, freed {_size(p.result.space_freed_bytes)}"
    if p.preview is None:
        return f"- {host}: nothing to preview"
    kinds: dict[str, int] = {}
    for item in p.preview.items:
        kinds[item.kind] = kinds.get(item.kind, 0) + 1
    what = ", ".join(f"{n} {k}" for k, n in kinds.items()) or "nothing"
    return (
        f"- {host}: PREVIEW — would remove {what}, about {_size(p.preview.reclaimable_bytes)}; "
        "call again with confirm=true to remove"
    )


@tool(
    "server_prune",
    Kind.MUTATE,
    "Prune Docker leftovers",
    "Free disk on exactly one host: stopped containers, dangling (or all unused) images, build cache, "
    "optionally volumes. confirm=false previews. Audited.",
    idempotent=True,  # a second prune with the same options finds nothing more to remove
)
async def server_prune(
    ctx: Context,
    host: SingleHostArg,
    confirm: Annotated[bool, Field(description="Remove; false = preview.")] = False,
    images_all: Annotated[bool, Field(description="All unused images, not only dangling.")] = False,
    volumes: Annotated[bool, Field(description="Also unused volumes (data loss!).")] = False,
    build_cache: Annotated[bool, Field(description="Also the build cache.")] = True,
    until: Annotated[str | None, Field(description="Older than: 24h, 7d.")] = None,
) -> Annotated[CallToolResult, FleetOut[PruneData]]:
    """Preview or run a prune on one host."""
    opts = PruneOptions(images_all=images_all, volumes=volumes, build_cache=build_cache, until=until)
    h = target(ctx, host, "server_prune", ["prune", f"confirm={confirm}"])
    if confirm:  # a preview changes nothing: no question
        what = ["stopped containers", "all unused images" if images_all else "dangling images"]
        what += ["build cache"] * build_cache + ["unused volumes (their data is lost)"] * volumes
        await confirmed(ctx, h, "server_prune", ["prune", "confirm=True"],
                        f"Prune on {h.name}: remove {', '.join(what)}{f' older than {name(until)}' if until else ''}?")
    state = server_state(ctx)
    result = await fleet_call(
        ctx, lambda f, p: f.prune(
            h.name, options=opts, confirm=confirm, actor=actor(ctx), read_only=state.read_only, progress=p,
        )
    )
    return answer(lines_for(result, "prune", _prune_text), fleet_out(result, prune_data))


def _invalid(command: str) -> bool:
    """The command itself breaks an exec rule (as opposed to a per-host refusal)."""
    try:
        validate_command(command)
    except CommandRefused:
        return True
    return False


def _exec_text(host: str, e: ExecOutput) -> str:
    note = f"exit {e.exit_status}" + (", output cut" if e.truncated else "")
    return f"- {host}: {note}\n" + fence(e.output, source=f"{host}: {' '.join(e.argv)}", max_chars=6000)


@tool(
    "server_exec",
    Kind.EXEC,
    "Run a diagnostic command",
    "Run one allowlisted read-only command (docker ps/logs/inspect, df, free, ss, systemctl status, "
    "journalctl...), no shell. Audited.",
)
async def server_exec(
    ctx: Context,
    command: Annotated[str, Field(description="e.g. 'docker ps -a', 'df -h'.")],
    host: HostArg = None,
) -> Annotated[CallToolResult, FleetOut[ExecData]]:
    """Run an allowlisted command on the selected hosts."""
    result = await fleet_call(ctx, lambda f, p: f.exec(
        command, host, actor=actor(ctx), max_bytes=32 * 1024, progress=p,
    ))
    reason = refused_everywhere(result)
    if reason is not None and _invalid(command):
        hosts = len(result.hosts)
        raise tool_error(
            f"server_exec refused the command on {'every selected host' if hosts > 1 else 'the host'} ({hosts}): "
            f"{reason}. Only allowlisted read-only commands run; nothing was executed."
        )
    return answer(lines_for(result, "exec", _exec_text), fleet_out(result, exec_data))
