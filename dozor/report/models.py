"""The diagnosis report as data: what one host said (``HostReport``) and the merged answer (``FleetReport``).

Counts, coverage, ``needs_attention`` and the exit code come from :class:`dozor.model.report.ProblemReport`.
Renderers (``dozor.render``) take these models; the models never import a renderer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field, computed_field, model_validator

from dozor.drift.models import DriftNote
from dozor.model.incident import Incident, ServiceLink
from dozor.model.problem import fingerprint_of, rank
from dozor.model.report import HostSection, ProblemReport, ReportExit
from dozor.model.severity import Severity
from dozor.noise.models import NoiseSummary
from dozor.report.alerts import Alert, AlertCode
from dozor.report.findings import ServiceLogSummary


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
    section_errors: dict[str, str] = Field(
        default_factory=dict, description="Parts that failed while the rest answered (docker_df: Docker disk usage)."
    )


class HostReport(HostSection):
    """Everything the diagnosis learned about one host."""

    collected_at: datetime | None = None
    services: list[ServiceSummary] = Field(default_factory=list)
    alerts: list[Alert] = Field(default_factory=list)
    logs: list[ServiceLogSummary] = Field(default_factory=list)
    resources: ResourceSummary | None = None
    links: list[ServiceLink] = Field(
        default_factory=list, description="Dependencies between this host's services that its data showed."
    )

    def problems(self) -> Sequence[Alert]:
        """The host's alerts that count: a silenced one stays in ``alerts`` but not in the counts or exit code."""
        return [a for a in self.alerts if not a.silenced_by]


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
    """A problem as remembered between diagnoses of one selection (see ``dozor.report.memory``)."""

    key: str
    fingerprint: str = Field(default="", description="The problem's stable fingerprint (its identity).")
    severity: Severity
    code: AlertCode
    host: str
    project: str | None = None
    service: str | None = None
    title: str
    since: datetime | None = Field(default=None, description="When a run first reported it.")
    broke_through: bool = Field(default=False, description="Announced as breaking through a silence.")

    @model_validator(mode="after")
    def _fingerprint(self) -> AlertChange:
        if not self.fingerprint:  # remembered before fingerprints existed: the same hash of the same key
            self.fingerprint = fingerprint_of(self.key)
        return self


class ReportChanges(BaseModel):
    """What changed since the previous diagnosis of the same selection (or the previous cron run)."""

    previous_run: datetime | None = Field(default=None, description="None: no previous diagnosis to compare.")
    new: list[AlertChange] = Field(default_factory=list)
    resolved: list[AlertChange] = Field(default_factory=list)
    ongoing: int = 0
    warning: str | None = Field(default=None, description="Why the memory could not be read or saved, if so.")


class FleetReport(ProblemReport[HostReport]):
    """The merged answer for the selected hosts: ranked alerts, correlations, coverage, exit code."""

    mode: str = Field(default="diagnose", description="diagnose, health or analyze.")
    incidents: list[Incident] = Field(
        default_factory=list, description="The alerts grouped by cause: root cause first, most urgent first."
    )
    correlations: list[Correlation] = Field(default_factory=list)
    changes: ReportChanges | None = Field(default=None, description="Set by `dozor report` (cron).")
    drift_notes: list[DriftNote] = Field(
        default_factory=list, description="Services failing on some of their hosts only, where those are configured "
        "differently (also appended to the failing alerts' evidence)."
    )
    noise: NoiseSummary | None = Field(default=None, description="Silences, acks and baselines applied (dozor.noise).")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def alerts(self) -> list[Alert]:
        """Every host's alerts, most urgent first."""
        return rank(a for h in self.hosts for a in h.alerts)

    @property
    def active_alerts(self) -> list[Alert]:
        """The alerts no silence hides, most urgent first (what renderers list)."""
        return [a for a in self.alerts if not a.silenced_by]

    def unchecked(self) -> list[tuple[str, str, str]]:
        """(host, part, why) for every part of an answering host that could not be read (resources, or one of
        their sections such as Docker disk usage): what the verdict could not look at."""
        out: list[tuple[str, str, str]] = []
        for h in self.hosts:
            if h.resources is None:
                continue
            if h.resources.error:
                out.append((h.host, "resources", h.resources.error))
            out += [(h.host, part, err) for part, err in sorted(h.resources.section_errors.items())]
        return out


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
