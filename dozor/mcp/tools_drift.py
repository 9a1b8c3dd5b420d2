"""Drift tool over ``dozor.drift``: fleet_drift (read-only)."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from dozor.mcp.calls import answer, fleet_call
from dozor.mcp.models import DriftOutput
from dozor.mcp.outputs import drift_output
from dozor.mcp.registry import HostArg, Kind, tool
from dozor.render.drift_text import render_ai


@tool(
    "fleet_drift",
    Kind.READ,
    "Configuration drift",
    "Config drift: services on several hosts compared by image (and ID), command, env names (never "
    "values), limits, restart, ports, healthcheck, labels.",
)
async def fleet_drift(
    ctx: Context,
    host: HostArg = None,
    project: Annotated[str | None, Field(description="Only this compose project.")] = None,
) -> Annotated[CallToolResult, DriftOutput]:
    """Drift between the selected hosts."""
    report = await fleet_call(ctx, lambda f, p: f.drift(host, project=project, progress=p))
    return answer(render_ai(report), drift_output(report))
