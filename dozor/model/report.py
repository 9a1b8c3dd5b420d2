"""One report over problems: per-host sections, counts, coverage, ``needs_attention`` and the exit code.

The diagnosis report (:class:`dozor.report.models.FleetReport`) and the security report
(:class:`dozor.security.findings.SecurityReport`) are this report over their own problems.

Exit codes (``dozor diagnose`` / ``health`` / ``report`` / ``security``):

- 0 nothing above info;
- 1 warnings only;
- 2 at least one critical problem on a host that answered;
- 3 one or more hosts did not answer and nothing critical was found on the others.

Critical wins over unreachable: a confirmed outage is more actionable than missing coverage,
and the report text names the unreachable hosts either way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import IntEnum
from typing import Generic, TypeVar

from pydantic import BaseModel, Field, computed_field

from dozor.model.problem import Problem
from dozor.model.severity import Severity
from dozor.outcome import HostStatus


def coverage_text(answered: int, total: int) -> str:
    """``"48 of 50 hosts answered"``."""
    return f"{answered} of {total} hosts answered"


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


class HostSection(BaseModel):
    """What one host contributed to a report: how it answered, and (in subclasses) its problems."""

    host: str
    status: HostStatus
    reason: str = ""
    duration: float = 0.0

    @property
    def answered(self) -> bool:
        """True when the host returned data."""
        return self.status is HostStatus.OK

    def problems(self) -> Sequence[Problem]:
        """This host's problems (subclasses name the field that holds them)."""
        return ()

    @property
    def needs_attention(self) -> bool:
        """Not answered, or a critical/warning problem."""
        return not self.answered or any(p.severity is not Severity.INFO for p in self.problems())


H = TypeVar("H", bound=HostSection)


class ProblemReport(BaseModel, Generic[H]):
    """Problems of the selected hosts, host by host: counts, coverage, exit code."""

    generated_at: datetime
    selector: str | None = None
    hosts: list[H] = Field(default_factory=list)

    def all_problems(self) -> list[Problem]:
        """Every host's problems, in host order."""
        return [p for h in self.hosts for p in h.problems()]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def counts(self) -> dict[str, int]:
        """Problems per severity (all three keys always present)."""
        c = Counter(p.severity.value for p in self.all_problems())
        return {s.value: c.get(s.value, 0) for s in Severity}

    @computed_field  # type: ignore[prop-decorator]
    @property
    def coverage(self) -> str:
        """``"48 of 50 hosts answered"``."""
        return coverage_text(len(self.answered), len(self.hosts))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def needs_attention(self) -> bool:
        """True when any host did not answer or has a critical/warning problem."""
        return any(h.needs_attention for h in self.hosts)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def exit_code(self) -> int:
        """0 healthy, 1 warnings, 2 critical, 3 hosts unreachable (critical wins; see module docstring)."""
        found = (p.severity for h in self.hosts if h.answered for p in h.problems())
        return ReportExit.decide(found, unreachable=bool(self.unreachable))

    @property
    def answered(self) -> list[H]:
        """Hosts that returned data."""
        return [h for h in self.hosts if h.answered]

    @property
    def unreachable(self) -> list[H]:
        """Hosts that did not (any status but ok)."""
        return [h for h in self.hosts if not h.answered]

    @property
    def healthy_hosts(self) -> list[H]:
        """Hosts that answered with no critical/warning problem."""
        return [h for h in self.hosts if not h.needs_attention]

    def host(self, name: str) -> H:
        """The section of one host. Raises ``KeyError``."""
        for h in self.hosts:
            if h.host == name:
                return h
        raise KeyError(name)


__all__ = ["HostSection", "ProblemReport", "ReportExit", "coverage_text"]
