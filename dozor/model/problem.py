"""``Problem``: one thing that is wrong, where, since when, why dozor says so, and what to do.

Diagnosis alerts (:class:`dozor.report.alerts.Alert`) and security findings
(:class:`dozor.security.findings.Finding`) are both problems: they narrow ``code`` to their own
enumeration and add a few fields of their own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Literal, TypeVar

from pydantic import BaseModel, Field

from dozor.model.severity import Severity


def fingerprint_of(key: str) -> str:
    """A short stable hash of a problem's key: the same problem on the same place, the same fingerprint."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


class Problem(BaseModel):
    """One problem on one host (and service, when it is about one), with evidence and a suggested action."""

    severity: Severity
    code: str = Field(description="What kind of problem (a stable id such as container.exited or exposure.listening).")
    host: str
    project: str | None = None
    service: str | None = None
    subject: str | None = Field(
        default=None, description="What within the service/host: a mount point, a log pattern id, a port, a file."
    )
    title: str = Field(description="One line: what is wrong.")
    evidence: str = Field(description="Short, with numbers and times: why dozor says so.")
    action: str = Field(description="The suggested next step.")
    count: int = Field(default=1, description="Occurrences: restarts, log lines, containers affected.")
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    excerpt: str | None = Field(
        default=None, description="Host text as evidence (a log line): UNTRUSTED, renderers fence and clean it."
    )
    change: Literal["new", "ongoing"] | None = Field(
        default=None, description="Against the previous diagnosis of the same selection; None when not compared."
    )
    since: datetime | None = Field(default=None, description="When a diagnosis of this selection first reported it.")

    @property
    def key(self) -> str:
        """Identity across runs: host, project/service, code (and subject when there is one)."""
        where = f"{self.project}/{self.service}" if self.service else (self.project or "-")
        tail = f":{self.subject}" if self.subject else ""
        return f"{self.host}|{where}|{self.code}{tail}"

    @property
    def fingerprint(self) -> str:
        """A short stable hash of ``key``: the same problem on the same place gets the same fingerprint."""
        return fingerprint_of(self.key)

    @property
    def where(self) -> str:
        """``web1 shop/worker`` or ``web1`` for host-level problems."""
        if self.service:
            return f"{self.host} {self.project}/{self.service}" if self.project else f"{self.host} {self.service}"
        return self.host

    def sort_key(self) -> tuple[int, int, str]:
        """Most urgent first, then the noisiest, then by place (stable output)."""
        return (self.severity.rank, -self.count, self.key)


P = TypeVar("P", bound=Problem)


def rank(problems: Iterable[P]) -> list[P]:
    """Problems sorted most urgent first (by each one's ``sort_key``)."""
    return sorted(problems, key=lambda p: p.sort_key())


__all__ = ["Problem", "fingerprint_of", "rank"]
