"""Diagnosis tools over ``dozor.report``: server_diagnose, server_health, server_analyze_logs."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from dozor.mcp.calls import answer, fleet_call
from dozor.mcp.registry import HostArg, Kind, tool
from dozor.mcp.shape import STRUCTURED_CAP
from dozor.report.models import FleetReport

ALERTS_PER_HOST = 50
SYMPTOMS_PER_INCIDENT = 5


class ReportOutput(BaseModel):
    """A fleet report, bounded: alerts ranked by severity, correlations across hosts, coverage."""

    report: FleetReport
    omitted: str | None = Field(default=None, description="What was left out to bound the size, if anything.")


def bounded(report: FleetReport) -> ReportOutput:
    """Drop per-service log summaries, then alerts beyond 50 per host, then incident symptoms beyond 5, while
    over the size cap."""
    if len(report.model_dump_json()) <= STRUCTURED_CAP:
        return ReportOutput(report=report)
    slim = report.model_copy(update={"hosts": [h.model_copy(update={"logs": []}) for h in report.hosts]})
    note = "per-service log summaries (the alerts keep their evidence)"
    if len(slim.model_dump_json()) > STRUCTURED_CAP:
        hosts = [h.model_copy(update={"alerts": h.alerts[:ALERTS_PER_HOST]}) for h in slim.hosts]
        slim = slim.model_copy(update={"hosts": hosts})
        note += f"; alerts beyond {ALERTS_PER_HOST} per host (ask per host)"
    if len(slim.model_dump_json()) > STRUCTURED_CAP:
        incidents = [i.model_copy(update={"symptoms": i.symptoms[:SYMPTOMS_PER_INCIDENT]}) for i in slim.incidents]
        slim = slim.model_copy(update={"incidents": incidents})
        note += f"; incident symptoms beyond {SYMPTOMS_PER_INCIDENT} (every alert stays in the host's list)"
    return ReportOutput(report=slim, omitted=note)


MaxTokens = Annotated[int, Field(ge=500, le=8000, description="Budget of the text answer in tokens (≈ 4 chars).")]
Services = Annotated[list[str] | None, Field(description="Only these compose services.")]


@tool(
    "server_diagnose",
    Kind.READ,
    "Full diagnosis of Docker hosts in one call: container state and health, crash loops, OOM kills, missing "
    "services, disk/memory/load, and the analysed recent logs of every service. Returns incidents first (a root "
    "cause with the symptoms it explains, linked across services; the same problem on several hosts is one "
    "incident), then alerts ranked by severity with host, service, evidence and a suggested action, and which "
    "hosts did not answer.",
)
async def server_diagnose(
    ctx: Context, host: HostArg = None, services: Services = None, max_tokens: MaxTokens = 3000
) -> Annotated[CallToolResult, ReportOutput]:
    """Diagnose the selected hosts."""
    report = await fleet_call(ctx, lambda f, p: f.diagnose(host, services=services, progress=p))
    return answer(report.to_ai_prompt(max_tokens=max_tokens), bounded(report))


@tool(
    "server_health",
    Kind.READ,
    "Quick health check of Docker hosts: container state and healthchecks only (no resources, no logs), "
    "with alerts ranked by severity and the hosts that did not answer. Faster than server_diagnose.",
)
async def server_health(
    ctx: Context, host: HostArg = None, services: Services = None, max_tokens: MaxTokens = 2000
) -> Annotated[CallToolResult, ReportOutput]:
    """Quick health of the selected hosts."""
    report = await fleet_call(ctx, lambda f, p: f.health(host, services=services, progress=p))
    return answer(report.to_ai_prompt(max_tokens=max_tokens), bounded(report))


@tool(
    "server_analyze_logs",
    Kind.READ,
    "Deep log analysis of one compose service on every selected host where it runs: known error patterns "
    "(PostgreSQL, Redis, Nginx, MySQL, MongoDB, tracebacks, disk, DNS...) with counts, first and last seen, "
    "meaning and suggested action; repeated messages clustered; bot-scanner requests counted separately.",
)
async def server_analyze_logs(
    ctx: Context,
    service: Annotated[str, Field(description="Compose service name.")],
    host: HostArg = None,
    lines: Annotated[int, Field(ge=1, le=5000, description="Log lines to analyse per host.")] = 1000,
    project: Annotated[str | None, Field(description="Compose project of the service, if ambiguous.")] = None,
    max_tokens: MaxTokens = 3000,
) -> Annotated[CallToolResult, ReportOutput]:
    """Analyse a service's logs on the selected hosts."""
    report = await fleet_call(ctx, lambda f, p: f.analyze(service, host, lines=lines, project=project, progress=p))
    return answer(report.to_ai_prompt(max_tokens=max_tokens), bounded(report))
