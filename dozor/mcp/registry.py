"""The tool table: each tool is one decorated async function; the server offers every one of them.

A tool's name and description are static text written here, never built from host data, so
``tools/list`` only changes through a reviewed diff (see the snapshot test).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field


class Kind(StrEnum):
    """How a tool touches the fleet; decides its annotations and read-only behaviour."""

    READ = "read"  # only looks: readOnlyHint
    EXEC = "exec"  # runs allowlisted read-only diagnostics: not destructive, stays in read-only mode
    MUTATE = "mutate"  # changes a host: destructiveHint, one explicit host, removed by --read-only


@dataclass(frozen=True)
class ToolSpec:
    """One MCP tool: its function and static metadata."""

    name: str
    kind: Kind
    description: str
    fn: Callable[..., Any]


TOOLS: list[ToolSpec] = []


def tool(name: str, kind: Kind, description: str) -> Callable[[Any], Any]:
    """Register the decorated async function as the MCP tool ``name``."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if any(t.name == name for t in TOOLS):
            raise ValueError(f"tool {name!r} registered twice")
        TOOLS.append(ToolSpec(name=name, kind=kind, description=description, fn=fn))
        return fn

    return register


HostArg = Annotated[
    str | None,
    Field(
        description="Host selector: a name (web1), glob (web*), @group or @tag (@prod), list (web1,db1), "
        "exclusion (@prod:!db1) or intersection (@web:&@eu). Omit for the whole fleet."
    ),
]

SingleHostArg = Annotated[
    str,
    Field(description="Exactly one host name from the inventory. Selectors matching several hosts are refused."),
]
