"""Reports: what one host said (``HostReport``) and the merged answer for the fleet (``FleetReport``).

The models are data; renderers live in ``render_*`` modules and the methods here only delegate.

Exit codes (``FleetReport.exit_code``, used by ``dozor diagnose`` / ``health`` / ``report``):

- 0 healthy (info alerts allowed);
- 1 warnings only;
- 2 at least one critical problem on a host that answered;
- 3 one or more hosts did not answer and nothing critical was found on the others.

Critical wins over unreachable: a confirmed outage is more actionable than missing coverage,
and the report text names the unreachable hosts either way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from enum import IntEnum

from pydantic import BaseModel, Field, computed_field

from dozor.outcome import HostStatus
from dozor.report.alerts import Alert, AlertCode, Severity, rank
from dozor.report.findings import ServiceLogSummary


class ReportExit(IntEnum):
    """Exit codes of the report commands (see the module docstring)."""

    HEALTHY = 0
    WARNINGS = 1
    CRITICAL = 2
    UNREACHABLE = 3

    @classmethod
    def decide(cls, severities: Iterable[Severity], *, unreachable: bool) -> int:
        """The exit code for the severities found on answering hosts: critical wins over unreachable."""
        seen = set(severities)
        if Severity.CRITICAL in seen:
            return int(cls.CRITICAL)
        if unreachable:
            return int(cls.UNREACHABLE)
        if Severity.WARNING in seen:
            return int(cls.WARNINGS)
        return int(cls.HEALTHY)


class ServiceSummary(BaseModel):
    """One compose service in a line: where it stands."""

    project: str
    service: str | None
    state: str = Field(description="running, exited, restarting, missing… (worst container).")
    health: str | None = None
    exit_code: int | None = None
    restarts: int = 0
    containers: int = 0
    image: str | None = None
    kind: str | None = Field(default=None, description="Recognised service kind (postgres, nginx…).")
    declared: bool = True


class ResourceSummary(BaseModel):
    """The host's resource headline numbers."""

    disk_percent: float | None = Field(default=None, description="Fullest filesystem, percent used.")
    disk_mount: str | None = None
    memory_percent: float | None = None
    load1: float | None = None
    cpus: int | None = None
    error: str | None = Field(default=None, description="Why resources could not be collected, if so.")


class HostReport(BaseModel):
    """Everything the diagnosis learned about one host."""

    host: str
    status: HostStatus
    reason: str = ""
    duration: float = 0.0
    collected_at: datetime | None = None
    services: list[ServiceSummary] = Field(default_factory=list)
    alerts: list[Alert] = Field(default_factory=list)
    logs: list[ServiceLogSummary] = Field(default_factory=list)
    resources: ResourceSummary | None = None

    @property
    def answered(self) -> bool:
        """True when the host returned data."""
        return self.status is HostStatus.OK

    @property
    def needs_attention(self) -> bool:
        """Not answered, or a critical/warning alert."""
        return not self.answered or any(a.severity is not Severity.INFO for a in self.alerts)


class Correlation(BaseModel):
    """The same problem on several hosts."""

    code: AlertCode
    subject: str | None = Field(default=None, description="Log pattern id or service name shared by the group.")
    severity: Severity
    title: str
    hosts: list[str]
    count: int = Field(description="Occurrences summed over the hosts.")
    last_seen: datetime | None = None


class AlertChange(BaseModel):
    """An alert as remembered between cron runs."""

    key: str
    severity: Severity
    code: AlertCode
    host: str
    project: str | None = None
    service: str | None = None
    title: str
    since: datetime | None = Field(default=None, description="When a run first reported it.")


class ReportChanges(BaseModel):
    """What changed since the previous cron run."""

    previous_run: datetime | None = None
    new: list[AlertChange] = Field(default_factory=list)
    resolved: list[AlertChange] = Field(default_factory=list)
    ongoing: int = 0


class FleetReport(BaseModel):
    """The merged answer for the selected hosts: ranked alerts, correlations, coverage, exit code."""

    generated_at: datetime
    selector: str | None = None
    mode: str = Field(default="diagnose", description="diagnose, health or analyze.")
    hosts: list[HostReport] = Field(default_factory=list)
    correlations: list[Correlation] = Field(default_factory=list)
    changes: ReportChanges | None = Field(default=None, description="Set by `dozor report` (cron).")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def alerts(self) -> list[Alert]:
        """Every host's alerts, most urgent first."""
        return rank([a for h in self.hosts for a in h.alerts])

    @computed_field  # type: ignore[prop-decorator]
    @property
    def counts(self) -> dict[str, int]:
        """Alerts per severity (all three keys always present)."""
        c = Counter(a.severity.value for h in self.hosts for a in h.alerts)
        return {s.value: c.get(s.value, 0) for s in Severity}

    @computed_field  # type: ignore[prop-decorator]
    @property
    def coverage(self) -> str:
        """``"48 of 50 hosts answered"``."""
        return f"{len(self.answered)} of {len(self.hosts)} hosts answered"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def needs_attention(self) -> bool:
        """True when any host did not answer or has a critical/warning alert."""
        return any(h.needs_attention for h in self.hosts)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def exit_code(self) -> int:
        """0 healthy, 1 warnings, 2 critical, 3 hosts unreachable (critical wins; see module docstring)."""
        found = (a.severity for h in self.hosts if h.answered for a in h.alerts)
        return ReportExit.decide(found, unreachable=bool(self.unreachable))

    @property
    def answered(self) -> list[HostReport]:
        """Hosts that returned data."""
        return [h for h in self.hosts if h.answered]

    @property
    def unreachable(self) -> list[HostReport]:
        """Hosts that did not (any status but ok)."""
        return [h for h in self.hosts if not h.answered]

    @property
    def healthy_hosts(self) -> list[HostReport]:
        """Hosts that answered with no critical/warning alert."""
        return [h for h in self.hosts if not h.needs_attention]

    def host(self, name: str) -> HostReport:
        """The report of one host."""
        for h in self.hosts:
            if h.host == name:
                return h
        raise KeyError(name)

    # -- renderers (kept in their own modules) ---------------------------------------------

    def to_ai_prompt(self, max_tokens: int = 4000) -> str:
        """Short ranked text for an LLM: every claim with host, service, count and time; bounded."""
        from dozor.report.render_ai import render_ai

        return render_ai(self, max_tokens=max_tokens)

    def to_markdown(self) -> str:
        """A Markdown report for people (tickets, chat, mail)."""
        from dozor.report.render_markdown import render_markdown

        return render_markdown(self)

    def to_json(self, indent: int | None = 2) -> str:
        """The full report as JSON, secrets redacted."""
        from dozor.security.redact import redact

        return redact(self.model_dump_json(indent=indent))

    def to_prometheus(self) -> str:
        """node_exporter textfile-collector metrics."""
        from dozor.report.render_prometheus import render_prometheus

        return render_prometheus(self)

    def print(self) -> None:
        """Print to the terminal with rich."""
        from dozor.report.render_terminal import print_report

        print_report(self)


__all__ = [
    "AlertChange",
    "Correlation",
    "FleetReport",
    "HostReport",
    "ReportChanges",
    "ReportExit",
    "ResourceSummary",
    "ServiceSummary",
]
