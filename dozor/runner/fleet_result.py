"""A fleet-wide answer: one ``HostResult`` per selected host, plus coverage."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from dozor.model.report import coverage_text
from dozor.outcome import HostResult, HostStatus

T = TypeVar("T")


class FleetResult(BaseModel, Generic[T]):
    """Per-host results of one operation across the selected hosts."""

    operation: str = Field(description="What was run (status, resources, logs...).")
    selector: str | None = Field(default=None, description="The host selector used; None = whole fleet.")
    duration: float = Field(default=0.0, description="Wall time of the whole fan-out, seconds.")
    hosts: list[HostResult[T]] = Field(default_factory=list)

    @property
    def answered(self) -> list[HostResult[T]]:
        """Hosts that returned a payload."""
        return [h for h in self.hosts if h.status is HostStatus.OK]

    @property
    def failed(self) -> list[HostResult[T]]:
        """Hosts that did not (unreachable, timeout, auth, host key, docker down...)."""
        return [h for h in self.hosts if h.status is not HostStatus.OK]

    @property
    def coverage(self) -> str:
        """``"3 of 5 hosts answered"``."""
        return coverage_text(len(self.answered), len(self.hosts))

    def get(self, host: str) -> HostResult[T]:
        """The result for one host name."""
        for h in self.hosts:
            if h.host == host:
                return h
        raise KeyError(host)
