"""The tool table: each tool is one decorated async function; the server offers every one of them.

A tool's name and description are static text written here, never built from host data, so
``tools/list`` only changes through a reviewed diff (see the snapshot test).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from mcp.types import ToolAnnotations
from pydantic import Field


class Kind(StrEnum):
    """How a tool touches the fleet; decides its annotations and read-only behaviour."""

    READ = "read"  # only looks: read-only, idempotent
    EXEC = "exec"  # runs allowlisted read-only diagnostics: not destructive, stays in read-only mode
    MUTATE = "mutate"  # changes a host: destructive, one explicit host, removed by --read-only
    STATE = "state"  # changes dozor's own state (silences, acks), no host: offered, refused per call when read-only


def annotations(kind: Kind, *, idempotent: bool = False) -> ToolAnnotations:
    """All four MCP hints, always explicit (the spec's defaults assume the worst).

    The tool's ``title`` is published beside them, in the tool itself (where the spec keeps it since 2025-06-18).

    Every tool that talks to remote hosts has ``openWorldHint`` true; a ``STATE`` tool touches only dozor's
    state directory. ``server_exec`` runs only
    allowlisted read-only diagnostics, yet it is not marked read-only: a client that runs read-only tools
    without asking should still show the command to its user. ``idempotent`` matters for mutating tools only:
    true where calling again with the same arguments changes nothing more.
    """
    if kind is Kind.READ:
        return ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=True)
    if kind is Kind.STATE:
        return ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False,
                               open_world_hint=False)
    if kind is Kind.EXEC:
        return ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=True)
    return ToolAnnotations(
        read_only_hint=False, destructive_hint=True, idempotent_hint=idempotent, open_world_hint=True
    )


@dataclass(frozen=True)
class ToolSpec:
    """One MCP tool: its function and static metadata."""

    name: str
    kind: Kind
    title: str
    description: str
    fn: Callable[..., Any]
    idempotent: bool = False

    @property
    def annotations(self) -> ToolAnnotations:
        """The tool's MCP annotations, decided by its kind."""
        return annotations(self.kind, idempotent=self.idempotent)


TOOLS: list[ToolSpec] = []


def tool(name: str, kind: Kind, title: str, description: str, *, idempotent: bool = False) -> Callable[[Any], Any]:
    """Register the decorated async function as the MCP tool ``name`` (``title``: a short human name)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if any(t.name == name for t in TOOLS):
            raise ValueError(f"tool {name!r} registered twice")
        TOOLS.append(
            ToolSpec(name=name, kind=kind, title=title, description=description, fn=fn, idempotent=idempotent)
        )
        return fn

    return register


HostArg = Annotated[
    str | None,
    Field(description="Hosts: web1, web*, @group; omit = all."),
]

SingleHostArg = Annotated[
    str,
    Field(description="Exactly one host name."),
]
