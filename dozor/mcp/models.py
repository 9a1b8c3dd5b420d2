"""Structured content of the MCP tools: bounded, redacted views of dozor's own models."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from dozor.mcp.shape import bound_hosts
from dozor.mcp.state import Reachability
from dozor.outcome import HostResult
from dozor.runner.fleet_result import FleetResult
from dozor.runner.questions import HostContainers, ServiceLogs

T = TypeVar("T")


class FleetOutput(BaseModel, Generic[T]):
    """One fleet-wide answer: a result per selected host, failures included as data."""

    operation: str
    selector: str | None = Field(default=None, description="The host selector used; null = whole fleet.")
    coverage: str = Field(description="'3 of 5 hosts answered'.")
    duration: float = Field(description="Wall time of the fan-out, seconds.")
    hosts: list[HostResult[T]] = Field(default_factory=list)
    omitted_payloads: list[str] = Field(
        default_factory=list, description="Hosts whose payload was left out to bound the size; ask for them by host."
    )

    @classmethod
    def of(cls, result: FleetResult[T]) -> FleetOutput[T]:
        """Bound ``result`` to the structured-size cap."""
        hosts, dropped = bound_hosts(result.hosts)
        return cls(
            operation=result.operation,
            selector=result.selector,
            coverage=result.coverage,
            duration=round(result.duration, 3),
            hosts=hosts,
            omitted_payloads=dropped,
        )


StatusOutput = FleetOutput[HostContainers]
LogsOutput = FleetOutput[ServiceLogs]


class HostEntry(BaseModel):
    """One inventory host as the server knows it."""

    name: str
    address: str
    port: int | None = None
    groups: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    projects: list[str] = Field(default_factory=list, description="Compose projects declared in the inventory.")
    read_only: bool = Field(description="Mutations refused on this host.")
    last_seen: Reachability | None = Field(
        default=None, description="Outcome of the latest call that reached out to this host; null = not yet asked."
    )
    connections_opened: int = Field(default=0, description="SSH connections this server opened to the host so far.")
    commands_run: int = Field(default=0, description="Remote commands (SSH exec channels) run on the host so far.")
    engine_requests: int = Field(
        default=0, description="Streams to the host's Docker socket so far (Engine API; no remote process)."
    )


class HostsOutput(BaseModel):
    """The inventory with groups, tags and last known reachability."""

    source: str = Field(description="Where the inventory came from.")
    read_only: bool = Field(description="The server refuses every mutation (--read-only).")
    groups: dict[str, list[str]] = Field(default_factory=dict, description="Group or tag -> member hosts.")
    hosts: list[HostEntry] = Field(default_factory=list)
    connections_opened: int = Field(description="SSH connections opened by this server process, all hosts.")
