"""Security tool over ``dozor.security``: server_security (read-only)."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from dozor.mcp.calls import answer, fleet_call
from dozor.mcp.registry import HostArg, Kind, tool
from dozor.mcp.shape import STRUCTURED_CAP
from dozor.security.findings import SecurityReport

FINDINGS_PER_HOST = 60


class SecurityOutput(BaseModel):
    """A security report, bounded: findings ranked by severity per host, groups across hosts, coverage."""

    report: SecurityReport
    omitted: str | None = Field(default=None, description="What was left out to bound the size, if anything.")


def bounded(report: SecurityReport) -> SecurityOutput:
    """Keep the most urgent findings per host while the JSON is over the structured-content cap."""
    if len(report.model_dump_json()) <= STRUCTURED_CAP:
        return SecurityOutput(report=report)
    hosts = [h.model_copy(update={"findings": sorted(h.findings, key=lambda f: f.sort_key())[:FINDINGS_PER_HOST]})
             for h in report.hosts]
    return SecurityOutput(report=report.model_copy(update={"hosts": hosts}),
                          omitted=f"findings beyond the {FINDINGS_PER_HOST} most urgent per host (ask per host)")


@tool(
    "server_security",
    Kind.READ,
    "Security review of Docker hosts in one call: datastore/admin ports open on all interfaces, privileged "
    "containers, added capabilities, Docker socket and host-path mounts, host namespaces, root users, missing "
    "limits/healthchecks, unpinned images, sshd password login, Docker socket/TCP API exposure, world-readable "
    ".env files, secrets inlined in compose files (names only), bot scanners in access logs. Findings ranked "
    "by severity with evidence and a fix; the same problem on several hosts grouped; what was not checked.",
)
async def server_security(
    ctx: Context,
    host: HostArg = None,
    logs: Annotated[bool, Field(description="Also scan web containers' access logs for scanners.")] = True,
    max_tokens: Annotated[int, Field(ge=500, le=8000, description="Budget of the text answer in tokens.")] = 3000,
) -> Annotated[CallToolResult, SecurityOutput]:
    """Audit the selected hosts."""
    report = await fleet_call(ctx, lambda f, p: f.security(host, logs=logs, progress=p))
    return answer(report.to_ai_prompt(max_tokens=max_tokens), bounded(report))
