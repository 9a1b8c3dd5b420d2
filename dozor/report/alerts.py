"""The ``Alert``: one thing that is wrong, where, since when, and what to do about it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class Severity(StrEnum):
    """How urgent an alert is. ``critical`` = broken now; ``warning`` = will break or half-broken; ``info`` = FYI."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for critical, 1 for warning, 2 for info (sort ascending = most urgent first)."""
        return _RANK[self]


_RANK = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}


class AlertCode(StrEnum):
    """What kind of problem an alert names."""

    CONTAINER_EXITED = "container.exited"
    CONTAINER_STOPPED = "container.stopped"
    CONTAINER_DEAD = "container.dead"
    CONTAINER_CREATED = "container.created"
    CONTAINER_PAUSED = "container.paused"
    CONTAINER_RESTARTING = "container.restarting"
    CRASH_LOOP = "crash_loop"
    UNHEALTHY = "unhealthy"
    OOM_KILLED = "oom_killed"
    SERVICE_MISSING = "service_missing"
    DISK_FULL = "disk_full"
    HOST_MEMORY = "host_memory"
    CONTAINER_MEMORY = "container_memory"
    DOCKER_RECLAIMABLE = "docker_reclaimable"
    ERROR_BURST = "error_burst"
    LOG_PATTERN = "log_pattern"
    HOST_UNREACHABLE = "host_unreachable"


class Alert(BaseModel):
    """One problem on one host (and service, when it is about one), with evidence and a suggested action."""

    severity: Severity
    code: AlertCode
    host: str
    project: str | None = None
    service: str | None = None
    subject: str | None = Field(
        default=None, description="What within the service/host: a mount point, a log pattern id, a container."
    )
    title: str = Field(description="One line: what is wrong.")
    evidence: str = Field(description="Short, with numbers and times: why dozor says so.")
    action: str = Field(description="The suggested next step.")
    count: int = Field(default=1, description="Occurrences: restarts, log lines, containers affected.")
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    excerpt: str | None = Field(
        default=None, description="A log line as evidence: UNTRUSTED text, renderers fence and clean it."
    )

    @property
    def key(self) -> str:
        """Identity across runs: host, project/service, code (and subject when there is one)."""
        where = f"{self.project}/{self.service}" if self.service else (self.project or "-")
        tail = f":{self.subject}" if self.subject else ""
        return f"{self.host}|{where}|{self.code.value}{tail}"

    @property
    def where(self) -> str:
        """``web1 shop/worker`` or ``web1`` for host-level alerts."""
        if self.service:
            return f"{self.host} {self.project}/{self.service}" if self.project else f"{self.host} {self.service}"
        return self.host

    def sort_key(self) -> tuple[int, int, str]:
        """Most urgent first, then the noisiest, then by place (stable output)."""
        return (self.severity.rank, -self.count, self.key)


def rank(alerts: list[Alert]) -> list[Alert]:
    """Alerts sorted most urgent first."""
    return sorted(alerts, key=Alert.sort_key)


__all__ = ["Alert", "AlertCode", "Severity", "rank"]
