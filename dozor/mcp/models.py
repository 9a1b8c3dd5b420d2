"""Structured content of the MCP tools: small dedicated output models, not dozor's full domain models.

Every tool's output schema is published in ``tools/list`` and read by the client on every session, so these
models are flat, carry no per-field titles and describe a field only where its name does not say enough.
Summary fields come first; per-container detail comes only on request. Building them from the domain
models (and bounding them) happens in ``dozor.mcp.outputs``.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from dozor.mcp.state import strip_titles

T = TypeVar("T")


class Out(BaseModel):
    """Base of every MCP output model: no per-field titles in the schema."""

    model_config = ConfigDict(json_schema_extra=strip_titles)


class HostOut(Out, Generic[T]):
    """One host's outcome; ``data`` only when status is ok."""

    host: str
    status: str
    reason: str = ""
    data: T | None = None


class FleetOut(Out, Generic[T]):
    """A fleet-wide answer: one entry per selected host, failures included."""

    coverage: str
    hosts: list[HostOut[T]] = []
    omitted: str | None = None


# -- server_status ------------------------------------------------------------------------------------


class ContainerRow(Out):
    """One container (with detail=true)."""

    name: str
    image: str = ""
    state: str
    health: str | None = None
    exit_code: int | None = None
    error: str | None = None
    oom_killed: bool = False
    restart_count: int = 0
    started_at: str | None = None
    ports: list[str] = []


class ServiceRow(Out):
    """One compose service: running/total containers and its problem in words, if any."""

    project: str
    service: str | None = None
    running: int = 0
    total: int = 0
    health: str | None = None
    problem: str | None = None
    missing: bool = False
    undeclared: bool = False
    containers: list[ContainerRow] = []


class StatusData(Out):
    """A host's status: counts first, then services (problems first)."""

    services_total: int
    problem_services: int
    fresh: str | None = None  # live since T / polled at T
    services: list[ServiceRow] = []


class StatusSummary(Out):
    """Totals over the hosts that answered."""

    hosts: int
    answered: int
    services: int
    problem_services: int
    containers: int
    running: int


class StatusOutput(FleetOut[StatusData]):
    """Status of the selected hosts."""

    summary: StatusSummary


# -- server_logs --------------------------------------------------------------------------------------


class LogsData(Out):
    """A service's recent log lines on one host (untrusted text)."""

    found: bool = True
    container: str | None = None
    lines: list[str] = []
    truncated: bool = False
    matched: int | None = None


LogsOutput = FleetOut[LogsData]


# -- server_diagnose / server_health / server_analyze_logs / server_security -------------------------


class ProblemRow(Out):
    """One alert or finding."""

    severity: str
    code: str
    host: str
    project: str | None = None
    service: str | None = None
    title: str
    evidence: str = ""
    action: str = ""
    count: int = 1
    change: str | None = None  # new, ongoing


class IncidentRow(Out):
    """A root cause with the symptoms it explains (its alerts are in the alert list)."""

    id: str
    severity: str
    summary: str
    hosts: list[str] = []
    services: list[str] = []
    symptoms: int = 0


class ReportOutput(Out):
    """A diagnosis: counts, incidents, then alerts by severity."""

    mode: str
    coverage: str
    counts: dict[str, int]
    exit_code: int
    incidents: list[IncidentRow] = []
    alerts: list[ProblemRow] = []
    drift: list[str] = []  # a service failing on some hosts only, where those run another configuration
    not_answered: list[str] = []
    omitted: str | None = None


class GroupRow(Out):
    """The same finding on several hosts."""

    check: str
    severity: str
    title: str
    hosts: list[str]
    count: int


class SecurityOutput(Out):
    """A security review: counts, groups across hosts, findings by severity."""

    coverage: str
    counts: dict[str, int]
    groups: list[GroupRow] = []
    findings: list[ProblemRow] = []
    not_answered: list[str] = []
    omitted: str | None = None


# -- operations -------------------------------------------------------------------------------------


class ExecData(Out):
    """A command's output (untrusted text)."""

    argv: list[str]
    exit_status: int | None = None
    output: str = ""
    truncated: bool = False


class RestartedRow(Out):
    """A container after the restart."""

    name: str
    state: str
    health: str | None = None
    started_at: str | None = None
    restarted: bool = False


class RestartData(Out):
    """A service restart on one host."""

    project: str
    service: str
    healthy: bool | None = None
    containers: list[RestartedRow] = []
    output: str = ""


class DeployRow(Out):
    """A deploy started, finished or recorded on the host."""

    id: str
    project: str | None = None
    status: str
    step: str | None = None
    exit_code: int | None = None
    healthy: bool | None = None
    started_at: str | None = None
    finished_at: str | None = None
    detail: str = ""
    log_tail: str = ""


class PruneData(Out):
    """A prune preview (acted=false) or what was removed."""

    acted: bool
    items: int = 0
    by_kind: dict[str, int] = {}
    bytes: int = 0  # reclaimable (preview) or freed
    notes: list[str] = []


# -- fleet_hosts ------------------------------------------------------------------------------------


class LastSeen(Out):
    """The latest call's outcome for a host."""

    status: str
    reason: str = ""
    at: str
    operation: str


class HostEntry(Out):
    """One inventory host as the server knows it."""

    name: str
    address: str
    port: int | None = None
    groups: list[str] = []
    tags: list[str] = []
    projects: list[str] = []
    read_only: bool
    last_seen: LastSeen | None = None  # absent: not asked yet
    connections_opened: int = 0
    commands_run: int = 0
    engine_requests: int = 0


class HostsOutput(Out):
    """The inventory with groups, tags and last known reachability."""

    source: str
    read_only: bool
    groups: dict[str, list[str]] = {}
    hosts: list[HostEntry] = []
    connections_opened: int


# -- fleet_timeline -----------------------------------------------------------------------------------


class TimelineRow(Out):
    """One event, or a summarised run (crash loop, flapping health) with its count and last time."""

    time: str
    host: str
    kind: str
    detail: str
    service: str | None = None
    container: str | None = None
    count: int = 1
    last: str | None = None


class TimelineOutput(Out):
    """What happened in a window, oldest first; per host, from when it can tell."""

    since: str
    until: str
    total: int
    entries: list[TimelineRow] = []
    gaps: list[str] = []  # hosts whose engine cannot tell the whole window
    not_answered: list[str] = []
    omitted: str | None = None


# -- fleet_drift --------------------------------------------------------------------------------------


class DriftRow(Out):
    """One service that runs differently across its hosts: one sentence per group of differing hosts."""

    project: str
    service: str
    hosts: list[str]
    differences: list[str]


class DriftOutput(Out):
    """Services compared across hosts; only the differing ones are listed."""

    compared: int
    single_host: int
    drift: list[DriftRow] = []
    not_answered: list[str] = []
    omitted: str | None = None
