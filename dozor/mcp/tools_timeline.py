"""The timeline tool: fleet_timeline (what happened in a window, one time-ordered list)."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from dozor.mcp.calls import answer, fleet_call
from dozor.mcp.registry import HostArg, Kind, tool
from dozor.mcp.shape import STRUCTURED_CAP
from dozor.render.timeline_text import timeline_text
from dozor.report.timeline_models import Timeline


class TimelineOutput(BaseModel):
    """The timeline, bounded: entries oldest first, per-host coverage, what was left out."""

    timeline: Timeline
    omitted: str | None = Field(default=None, description="What was left out to bound the size, if anything.")


def bounded(t: Timeline) -> TimelineOutput:
    """Drop the oldest entries while the structured answer is over the size cap."""
    if len(t.model_dump_json()) <= STRUCTURED_CAP:
        return TimelineOutput(timeline=t)
    entries = list(t.entries)
    while entries and len(t.model_copy(update={"entries": entries}).model_dump_json()) > STRUCTURED_CAP:
        entries = entries[max(1, len(entries) // 10):]
    dropped = len(t.entries) - len(entries)
    slim = t.model_copy(update={"entries": entries, "omitted": t.omitted + dropped})
    return TimelineOutput(timeline=slim, omitted=f"{dropped} oldest entries (size cap); narrow since/host/service")


@tool(
    "fleet_timeline",
    Kind.READ,
    "What happened on Docker hosts in a time window, one time-ordered list: container starts, exits with exit "
    "code, OOM kills, kills with signal, restarts, health changes, containers created/removed (a deploy "
    "recreating them), image pulls, dozor deploys kept on the hosts, audited restarts/deploys/prunes. Crash loops "
    "and flapping healthchecks are one line each (count, first/last time). The engine keeps only recent events in "
    "memory, none from before its restart: each host says from when it can tell; container state fills in last "
    "starts and exits. At most `limit` entries (newest).",
)
async def fleet_timeline(
    ctx: Context,
    host: HostArg = None,
    since: Annotated[str, Field(description="Window start: 10m, 2h, 1d (before now) or an RFC 3339 time.")] = "1h",
    until: Annotated[str | None, Field(description="Window end, same forms (default: now).")] = None,
    service: Annotated[list[str] | None, Field(description="Only these compose services.")] = None,
    limit: Annotated[int, Field(ge=1, le=300, description="Most entries returned (the newest).")] = 100,
) -> Annotated[CallToolResult, TimelineOutput]:
    """The timeline of the selected hosts."""
    result = await fleet_call(ctx, lambda f, p: f.timeline(host, since=since, until=until, services=service,
                                                           limit=limit, progress=p))
    return answer(timeline_text(result), bounded(result))
