"""Noise tool over ``dozor.noise``: fleet_silence (silences and acks). It changes dozor's own state, not a host:
refused in read-only mode (``--read-only``), audited with the actor ``mcp:<client name>``."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from dozor.errors import NoiseRefused, NoiseStateCorrupt
from dozor.mcp.calls import answer, server_state, tool_error
from dozor.mcp.models import Out
from dozor.mcp.registry import HostArg, Kind, tool
from dozor.mcp.tools_ops import actor
from dozor.model.timetext import ts
from dozor.noise.silences import Silence


class SilenceOutput(Out):
    """What was done, and the active silences (one line each: id, matchers, end, reason)."""

    done: str
    silences: list[str] = Field(default_factory=list)


def _row(s: Silence) -> str:
    return f"{s.id} {s.match} until {ts(s.end())}: {s.reason}"


@tool(
    "fleet_silence",
    Kind.STATE,
    "Silences",
    "Silences: problems out of exit code and notifications till they end or worsen. add: match, duration, "
    "note; expire: id; ack an incident: id, note.",
)
async def fleet_silence(
    ctx: Context,
    action: Literal["add", "list", "expire", "ack"],
    host: HostArg = None,
    match: Annotated[str | None, Field(description="service=, problem=, severity=…")] = None,
    duration: Annotated[str | None, Field(description="30m, 4h, 2d.")] = None,
    note: Annotated[str | None, Field(description="Reason/ack note.")] = None,
    id: Annotated[str | None, Field(description="Silence/incident id.")] = None,
) -> Annotated[CallToolResult, SilenceOutput]:
    """Add, list or expire silences; acknowledge an incident."""
    state = server_state(ctx)
    fleet, who, ro = state.fleet, actor(ctx), state.read_only
    try:
        if action == "add":
            terms = " ".join(x for x in (f"host={host}" if host else "", match or "") if x)
            s = fleet.silence(terms, duration or "", note or "", actor=who, read_only=ro)
            done = f"silence {s.id} added: {s.match} until {ts(s.end())}"
        elif action == "expire":
            s = fleet.expire_silence(id or "", actor=who, read_only=ro)
            done = f"silence {s.id} expired"
        elif action == "ack":
            a = fleet.ack(id or "", note or "", actor=who, read_only=ro)
            done = f"incident {a.incident} acknowledged: {a.note}"
        else:
            done = "active silences listed"
        silences = fleet.silences()
    except (NoiseRefused, NoiseStateCorrupt) as exc:
        raise tool_error(str(exc)) from None
    rows = [_row(s) for s in silences]
    return answer("\n".join([done, *(rows or ["no active silences"])]), SilenceOutput(done=done, silences=rows))
