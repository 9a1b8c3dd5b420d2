"""What every tool does around its own work: fleet with progress, errors as ToolError, safe results."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel

from dozor.errors import FileLimitTooLow
from dozor.fleet import Fleet
from dozor.inventory.models import ResolvedHost
from dozor.inventory.selector import UnknownHostError
from dozor.mcp.shape import cap_text, structured
from dozor.mcp.state import ServerState
from dozor.outcome import HostStatus
from dozor.runner.fanout import Progress
from dozor.security.redact import redact

R = TypeVar("R")


def server_state(ctx: Context) -> ServerState:
    """The state the lifespan shares with every call."""
    return ctx.request_context.lifespan_context


async def fleet_call(ctx: Context, job: Callable[[Fleet, Progress], Awaitable[R]]) -> R:
    """Run ``job(fleet, progress)``: a fan-out with this call's own progress notifications; bad selectors and
    arguments become ``ToolError``.

    ``job`` returns a ``FleetResult`` or a ``FleetReport``: anything with per-host ``hosts``.
    """
    state = server_state(ctx)

    async def progress(done: int, total: int, host: str) -> None:
        await ctx.report_progress(done, total, f"{done}/{total} hosts done (last: {host})")

    try:
        result = await job(state.fleet, progress)
    except UnknownHostError as exc:
        raise ToolError(str(exc)) from None
    except ValueError as exc:  # the collectors' argument checks
        raise ToolError(f"invalid argument: {exc}") from None
    except FileLimitTooLow as exc:  # nothing ran: the server's own file limit is too low for the selection
        raise ToolError(str(exc)) from None
    state.record(getattr(result, "operation", None) or getattr(result, "mode", "call"), result.hosts)
    return result


def select(ctx: Context | ServerState, host: str | None) -> list[ResolvedHost]:
    """The hosts a selector picks; unknown names become a ``ToolError`` listing close matches."""
    state = ctx if isinstance(ctx, ServerState) else server_state(ctx)
    try:
        return state.fleet.select(host)
    except UnknownHostError as exc:
        raise ToolError(str(exc)) from None


def one_host_to_change(ctx: Context, host: str | None, action: str) -> ResolvedHost:
    """The single host a mutating tool may act on, or a ``ToolError`` saying why not.

    A missing host, a selector matching several hosts and a read-only host are all refused:
    a fleet-wide restart from an agent is never what anyone meant.
    """
    if not host or not host.strip():
        raise ToolError(f"{action} needs an explicit host: name exactly one host (fleet-wide {action} is refused)")
    chosen = select(ctx, host)
    if len(chosen) != 1:
        names = ", ".join(h.name for h in chosen[:10])
        raise ToolError(
            f"{action} acts on exactly one host; selector {host!r} matches {len(chosen)} ({names}). Name one host."
        )
    target = chosen[0]
    if server_state(ctx).read_only or target.read_only:
        raise ToolError(f"host {target.name!r} is read-only (inventory read_only = true): {action} refused")
    return target


def refused_everywhere(result: Any) -> str | None:
    """The one reason every selected host was refused for, or None (some host ran, or reasons differ).

    A refusal of the arguments themselves refuses every host for the same rule: that is the call's error.
    Refusals for per-host reasons (a read-only host) stay per-host data.
    """
    reasons = {h.reason for h in result.hosts if h.status is HostStatus.REFUSED}
    if result.hosts and len(reasons) == 1 and all(h.status is HostStatus.REFUSED for h in result.hosts):
        return reasons.pop()
    return None


def answer(text: str, model: BaseModel | Callable[[str], BaseModel]) -> CallToolResult:
    """A tool result: capped, redacted AI text plus the redacted structured model.

    ``model`` may be a function of the final text, for outputs bounded by the text's size.
    """
    text = cap_text(redact(text))
    out = model if isinstance(model, BaseModel) else model(text)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=structured(out))


def tool_error(message: str) -> Any:
    """A ``ToolError`` carrying a redacted message, to ``raise``."""
    return ToolError(redact(message))
