"""MCP resources: the latest report, the inventory, one host's live status.

Many clients cannot read resources, so each one names, in its description, the tool that answers the same:
a resource is a convenience for clients that attach context, never the only way to something.
Contents are the bounded AI text or the tool's structured JSON, redacted like tool results.

Extension point: a module that offers more (a drift report, say) registers its resource here with
``@resource(...)`` and names its tool in ``tool=``; ``RESOURCE_MODULES`` lists the modules the server imports.
"""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError

from dozor.inventory.selector import UnknownHostError
from dozor.mcp.shape import cap_text, structured
from dozor.mcp.state import ServerState
from dozor.render.payload_text import status_text
from dozor.security.redact import redact

REPORT_TOKENS = 3000
"""Budget of the latest report's text (as server_diagnose's default)."""


@dataclass(frozen=True)
class ResourceSpec:
    """One MCP resource (or template, when ``uri`` has ``{...}``) and the tool that answers the same."""

    uri: str
    name: str
    title: str
    description: str
    mime_type: str
    tool: str
    fn: Callable[..., Any]


RESOURCES: list[ResourceSpec] = []

RESOURCE_MODULES = ("dozor.mcp.resources",)
"""Modules whose ``@resource`` functions the server offers (a timeline module adds itself here)."""


def resource(uri: str, name: str, title: str, description: str, *, mime_type: str, tool: str) -> Any:
    """Register the decorated async function as the resource ``uri``; ``tool`` answers the same for clients
    without resources (the description says so)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if any(r.uri == uri for r in RESOURCES):
            raise ValueError(f"resource {uri!r} registered twice")
        text = f"{description} Clients without resources: call the {tool} tool."
        RESOURCES.append(ResourceSpec(uri, name, title, text, mime_type, tool, fn))
        return fn

    return register


def add_resources(server: MCPServer, tools: set[str], state: Callable[[], ServerState | None]) -> None:
    """Offer every registered resource whose tool is offered too.

    A resource function takes the server's ``state`` first, then its URI's variables: the SDK gives no
    request context to static resources, so the state comes from the server's lifespan through ``state()``.
    """
    for module in RESOURCE_MODULES:
        importlib.import_module(module)
    for r in RESOURCES:
        if r.tool in tools:
            server.resource(r.uri, name=r.name, title=r.title, description=r.description, mime_type=r.mime_type)(
                _bound(r.fn, state)
            )


def _bound(fn: Callable[..., Any], state: Callable[[], ServerState | None]) -> Callable[..., Any]:
    """``fn`` with its ``state`` argument filled in, its other parameters published as they are."""
    sig = inspect.signature(fn)

    async def read(**params: Any) -> str:
        current = state()
        if current is None:
            raise ResourceError("the server is not running")
        return await fn(current, **params)

    params = [p for n, p in sig.parameters.items() if n != "state"]
    read.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    read.__annotations__ = {p.name: p.annotation for p in params} | {"return": sig.return_annotation}
    read.__name__ = fn.__name__
    read.__doc__ = fn.__doc__
    return read


@resource(
    "dozor://report/latest",
    "report-latest",
    "Latest fleet report",
    "The latest diagnosis made by this server (any session's server_diagnose or server_health), as bounded AI "
    "text with incidents and alerts; it says when and for which hosts.",
    mime_type="text/plain",
    tool="server_diagnose",
)
async def latest_report(state: ServerState) -> str:
    """The latest report's AI text, or how to make one."""
    report = state.latest_report
    if report is None:
        return "No diagnosis yet in this server: call server_diagnose (or server_health) to make one."
    return cap_text(redact(report.to_ai_prompt(max_tokens=REPORT_TOKENS)))  # its header says when and where


@resource(
    "dozor://timeline/latest",
    "timeline-latest",
    "Latest timeline",
    "The latest timeline asked of this server (any session's fleet_timeline): what happened in its window, "
    "oldest first, with each host's coverage, as bounded text.",
    mime_type="text/plain",
    tool="fleet_timeline",
)
async def latest_timeline(state: ServerState) -> str:
    """The latest timeline's text, or how to make one."""
    from dozor.render.timeline_text import timeline_text

    if state.latest_timeline is None:
        return "No timeline yet in this server: call fleet_timeline (since=1h by default) to make one."
    return cap_text(redact(timeline_text(state.latest_timeline)))


@resource(
    "dozor://inventory",
    "inventory",
    "Fleet inventory",
    "The fleet's hosts with groups, tags, compose projects, read-only flags and last known reachability (JSON, "
    "as fleet_hosts returns it).",
    mime_type="application/json",
    tool="fleet_hosts",
)
async def inventory(state: ServerState) -> str:
    """The inventory as fleet_hosts' structured content."""
    from dozor.mcp.tools_read import hosts_output

    return json.dumps(structured(hosts_output(state, None)), separators=(",", ":"))


@resource(
    "dozor://hosts/{name}/status",
    "host-status",
    "Host status",
    "Live container status of one host (asks the host now): services with state, health and problems, as "
    "bounded text. {name} is a host name from the inventory.",
    mime_type="text/plain",
    tool="server_status",
)
async def host_status(state: ServerState, name: str) -> str:
    """One host's status, asked now."""
    try:
        hosts = state.fleet.select(name)
    except UnknownHostError as exc:
        raise ResourceNotFoundError(str(exc)) from None
    if len(hosts) != 1 or hosts[0].name != name:
        raise ResourceError(f"{name!r} is not one host name: use a name from dozor://inventory")
    result = await state.fleet.status(name)
    state.record(result.operation, result.hosts)
    return cap_text(redact(status_text(result)))
