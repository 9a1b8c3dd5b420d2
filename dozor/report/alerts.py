"""The ``Alert``: a diagnosis problem (see :mod:`dozor.model.problem`), and the codes it can carry."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from dozor.model.problem import Problem, rank
from dozor.model.severity import Severity


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
    CPU_THROTTLED = "cpu_throttled"
    RESTART_STORM = "restart_storm"
    ERROR_BURST = "error_burst"
    LOG_PATTERN = "log_pattern"
    HOST_UNREACHABLE = "host_unreachable"


class Alert(Problem):
    """One diagnosis problem: a ``Problem`` whose ``code`` is an ``AlertCode``."""

    code: AlertCode
    silenced_by: str | None = Field(
        default=None, description="Id of the silence hiding it: kept here, out of the exit code, counts and "
        "notifications (dozor.noise).")
    broke_through: str | None = Field(default=None, description="Why a silenced problem shows anyway: it got worse.")
    baseline: str | None = Field(
        default=None, description="Log-derived: its rate against the 7-day history (usual, new, above usual).")
    usual: bool | None = Field(default=None, description="True: the usual rate for this service (ranks lower).")

    def sort_key(self) -> tuple[int, int, int, str]:  # type: ignore[override]
        """Most urgent first; within a severity, a usual rate after a new one; then the noisiest."""
        return (self.severity.rank, 1 if self.usual else 0, -self.count, self.key)


__all__ = ["Alert", "AlertCode", "Severity", "rank"]
