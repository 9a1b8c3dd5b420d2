"""Diagnosis tools over ``dozor.report``: server_diagnose, server_health, server_analyze_logs."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from dozor.mcp.calls import answer, fleet_call, server_state
from dozor.mcp.models import ReportOutput
from dozor.mcp.outputs import report_output
from dozor.mcp.registry import HostArg, Kind, tool

MaxTokens = Annotated[int, Field(ge=500, le=8000, description="Token budget.")]
Services = Annotated[list[str] | None, Field(description="Only these services.")]


@tool(
    "server_diagnose",
    Kind.READ,
    "Diagnose fleet",
    "Full diagnosis in one call: state, health, crash loops, OOM kills, missing services, "
    "disk/memory/CPU, every service's recent logs. Incidents (root cause, then symptoms), then alerts "
    "with evidence and action.",
)
async def server_diagnose(
    ctx: Context, host: HostArg = None, services: Services = None, max_tokens: MaxTokens = 3000
) -> Annotated[CallToolResult, ReportOutput]:
    """Diagnose the selected hosts."""
    report = await fleet_call(ctx, lambda f, p: f.diagnose(host, services=services, progress=p))
    server_state(ctx).keep_report(report)
    return answer(report.to_ai_prompt(max_tokens=max_tokens), report_output(report))


@tool(
    "server_health",
    Kind.READ,
    "Quick health check",
    "Quick check: container state and healthchecks only, alerts by severity. Faster than server_diagnose.",
)
async def server_health(
    ctx: Context, host: HostArg = None, services: Services = None, max_tokens: MaxTokens = 2000
) -> Annotated[CallToolResult, ReportOutput]:
    """Quick health of the selected hosts."""
    report = await fleet_call(ctx, lambda f, p: f.health(host, services=services, progress=p))
    server_state(ctx).keep_report(report)
    return answer(report.to_ai_prompt(max_tokens=max_tokens), report_output(report))


@tool(
    "server_analyze_logs",
    Kind.READ,
    "Analyse service logs",
    "Deep log analysis of one service: known error patterns (counts, times, action), repeated messages "
    "clustered, scanners apart.",
)
async def server_analyze_logs(
    ctx: Context,
    service: Annotated[str, Field(description="Service name.")],
    host: HostArg = None,
    lines: Annotated[int, Field(ge=1, le=5000, description="Lines per host.")] = 1000,
    project: Annotated[str | None, Field(description="Project, if ambiguous.")] = None,
    max_tokens: MaxTokens = 3000,
) -> Annotated[CallToolResult, ReportOutput]:
    """Analyse a service's logs on the selected hosts."""
    report = await fleet_call(ctx, lambda f, p: f.analyze(service, host, lines=lines, project=project, progress=p))
    return answer(report.to_ai_prompt(max_tokens=max_tokens), report_output(report))
