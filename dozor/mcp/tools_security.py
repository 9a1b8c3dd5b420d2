"""Security tool over ``dozor.security``: server_security (read-only)."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from dozor.mcp.calls import answer, fleet_call
from dozor.mcp.models import SecurityOutput
from dozor.mcp.outputs import security_output
from dozor.mcp.registry import HostArg, Kind, tool


@tool(
    "server_security",
    Kind.READ,
    "Security review",
    "Security review: exposed datastore/admin ports and Docker API, privileged containers, socket/host "
    "mounts, root users, no limits, unpinned images, sshd password login, .env files, inline secrets, "
    "scanners.",
)
async def server_security(
    ctx: Context,
    host: HostArg = None,
    logs: Annotated[bool, Field(description="Also scan access logs for scanners.")] = True,
    max_tokens: Annotated[int, Field(ge=500, le=8000, description="Token budget.")] = 3000,
) -> Annotated[CallToolResult, SecurityOutput]:
    """Audit the selected hosts."""
    report = await fleet_call(ctx, lambda f, p: f.security(host, logs=logs, progress=p))
    return answer(report.to_ai_prompt(max_tokens=max_tokens), security_output(report))
