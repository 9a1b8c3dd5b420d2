"""The timeline tool: fleet_timeline (what happened in a window, one time-ordered list)."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from dozor.mcp.calls import answer, fleet_call, server_state
from dozor.mcp.models import TimelineOutput
from dozor.mcp.outputs import timeline_output
from dozor.mcp.registry import HostArg, Kind, tool
from dozor.render.timeline_text import timeline_text


@tool(
    "fleet_timeline",
    Kind.READ,
    "Fleet timeline",
    "What happened in a window, oldest first: starts, exits, OOM, kills, health changes, pulls, deploys, "
    "audited actions; a crash loop is one line. Per host: from when its engine knows.",
)
async def fleet_timeline(
    ctx: Context,
    host: HostArg = None,
    since: Annotated[str, Field(description="Start: 10m, 2h, 1d ago, or a time.")] = "1h",
    until: Annotated[str | None, Field(description="End (default: now).")] = None,
    service: Annotated[list[str] | None, Field(description="Only these services.")] = None,
    limit: Annotated[int, Field(ge=1, le=300, description="Most entries (newest kept).")] = 100,
) -> Annotated[CallToolResult, TimelineOutput]:
    """The timeline of the selected hosts."""
    result = await fleet_call(ctx, lambda f, p: f.timeline(host, since=since, until=until, services=service,
                                                           limit=limit, progress=p))
    server_state(ctx).keep_timeline(result)
    return answer(timeline_text(result), timeline_output(result))
