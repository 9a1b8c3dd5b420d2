"""Drift as data: per service, which hosts differ from which, and in what. Renderers take these models."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, computed_field

from dozor.model.report import HostSection, coverage_text
from dozor.outcome import HostStatus


class Difference(BaseModel):
    """One way a group of hosts differs from the reference hosts."""

    field: str = Field(description="image, command, entrypoint, env, mem_limit, mem_reservation, cpus, cpu_shares, "
                       "restart, ports, healthcheck, label or config_hash.")
    name: str | None = Field(default=None, description="The environment variable or label this is about.")
    value: str | None = Field(default=None, description="On the differing hosts (None: absent there).")
    reference: str | None = Field(default=None, description="On the reference hosts (None: absent there).")
    text: str = Field(description="The difference in a few words: 'mem_limit 64m vs 32m'.")


class DriftGroup(BaseModel):
    """Hosts configured alike that differ from the reference hosts (the largest alike group)."""

    hosts: list[str]
    reference_hosts: list[str]
    differences: list[Difference] = Field(default_factory=list)

    @property
    def line(self) -> str:
        """'web2 differs from web1, web3: image …; env NEW_CHECKOUT only on web2; mem_limit 512m vs 256m'."""
        verb = "differs" if len(self.hosts) == 1 else "differ"
        return (f"{', '.join(self.hosts)} {verb} from {', '.join(self.reference_hosts)}: "
                + "; ".join(d.text for d in self.differences))


class ServiceDrift(BaseModel):
    """A compose service running on two or more hosts, not configured alike on all of them."""

    project: str
    service: str
    hosts: list[str] = Field(description="Every host the service runs on.")
    groups: list[DriftGroup] = Field(default_factory=list)

    @property
    def name(self) -> str:
        """``project/service``."""
        return f"{self.project}/{self.service}"


class DriftHost(HostSection):
    """How one host answered, and how many compose containers it has."""

    containers: int = 0


class DriftReport(BaseModel):
    """Configuration drift across the selected hosts (differences only; values of environment never read)."""

    operation: str = Field(default="drift", description="Always 'drift'.")
    generated_at: datetime
    selector: str | None = Field(default=None, description="Host selector; None = whole fleet.")
    project: str | None = Field(default=None, description="Only this compose project, when asked.")
    hosts: list[DriftHost] = Field(default_factory=list)
    compared: list[str] = Field(default_factory=list, description="project/service running on two or more hosts.")
    single_host: int = Field(default=0, description="Services on one host only (nothing to compare).")
    drift: list[ServiceDrift] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def coverage(self) -> str:
        """``"3 of 5 hosts answered"``."""
        return coverage_text(sum(1 for h in self.hosts if h.answered), len(self.hosts))

    @property
    def failed(self) -> list[DriftHost]:
        """Hosts that did not answer."""
        return [h for h in self.hosts if h.status is not HostStatus.OK]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def exit_code(self) -> int:
        """0 alike everywhere, 1 drift found, 3 a host did not answer."""
        return 3 if self.failed else 1 if self.drift else 0


class DriftNote(BaseModel):
    """What the diagnosis adds when a service fails on some of its hosts and those are configured differently."""

    project: str
    service: str
    failing_hosts: list[str]
    healthy_hosts: list[str]
    text: str = Field(description="'proxy fails on web2 only; web2 differs from web1: image …'.")


__all__ = ["Difference", "DriftGroup", "DriftHost", "DriftNote", "DriftReport", "ServiceDrift"]
