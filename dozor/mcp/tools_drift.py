"""Drift tool over ``dozor.drift``: fleet_drift (read-only)."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from dozor.drift.models import DriftReport
from dozor.mcp.calls import answer, fleet_call
from dozor.mcp.registry import HostArg, Kind, tool
from dozor.mcp.shape import STRUCTURED_CAP
from dozor.render.drift_text import render_ai

DIFFERENCES_PER_GROUP = 20


class DriftOutput(BaseModel):
    """A drift report, bounded: differences per group of hosts capped when the JSON is too large."""

    report: DriftReport
    omitted: str | None = Field(default=None, description="What was left out to bound the size, if anything.")


def bounded(report: DriftReport) -> DriftOutput:
    """Keep the first differences of each group while the JSON is over the structured-content cap."""
    if len(report.model_dump_json()) <= STRUCTURED_CAP:
        return DriftOutput(report=report)
    drift = [d.model_copy(update={"groups": [g.model_copy(update={"differences": g.differences[:DIFFERENCES_PER_GROUP]})
                                             for g in d.groups]}) for d in report.drift]
    return DriftOutput(report=report.model_copy(update={"drift": drift}),
                       omitted=f"differences beyond the first {DIFFERENCES_PER_GROUP} per group (ask per project)")


@tool(
    "fleet_drift",
    Kind.READ,
    "Configuration drift across the fleet: every compose service that runs on two or more hosts, compared by "
    "image (reference and image ID), command/entrypoint, environment variable NAMES (values are never read), "
    "memory/CPU limits, restart policy, published ports, healthcheck and labels (compose's config hash when "
    "nothing else explains it). Reports only the differences, grouped: 'web2 differs from web1: image "
    "api:1.4.2 vs 1.4.1; env NEW_CHECKOUT only on web2; mem_limit 512m vs 256m'. Services on one host are not "
    "compared. Optional project filter.",
)
async def fleet_drift(
    ctx: Context,
    host: HostArg = None,
    project: Annotated[str | None, Field(description="Only this compose project.")] = None,
) -> Annotated[CallToolResult, DriftOutput]:
    """Drift between the selected hosts."""
    report = await fleet_call(ctx, lambda f, p: f.drift(host, project=project, progress=p))
    return answer(render_ai(report), bounded(report))
