"""Incidents: problems grouped by cause. One root cause, the symptoms it explains, and why they are linked.

A ``ServiceLink`` is one observed dependency between two services of a host ("gateway names api:8000 in
its error lines"); an ``Incident`` is a set of problems that such links (or one service, or the same
problem on several hosts) tie together, with the problem upstream of the others as its root cause.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, SerializeAsAny

from dozor.model.problem import Problem
from dozor.model.severity import Severity


class ServiceLink(BaseModel):
    """``service`` depends on ``upstream`` (both on ``host``), and why dozor thinks so."""

    host: str
    project: str | None = None
    service: str = Field(description="The dependent service (where the symptom shows).")
    upstream_project: str | None = None
    upstream: str = Field(description="The service it depends on.")
    rule: str = Field(description="The link rule that found it: depends_on, named, kind.")
    evidence: str = Field(description="What the host showed: a label, a name in an error line, a client error.")


class Incident(BaseModel):
    """Problems with one probable root cause: the cause first, then the symptoms it explains."""

    id: str = Field(description="Stable id: the root cause's fingerprint.")
    severity: Severity = Field(description="The worst severity among its problems.")
    hosts: list[str]
    project: str | None = None
    services: list[str] = Field(default_factory=list, description="Services involved, root first.")
    summary: str = Field(description="One line: root cause → symptoms, with host and project.")
    root_cause: SerializeAsAny[Problem]
    symptoms: list[SerializeAsAny[Problem]] = Field(default_factory=list)
    links: list[ServiceLink] = Field(default_factory=list, description="The dependencies that tie it together.")
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    @property
    def problems(self) -> list[Problem]:
        """Root cause and symptoms."""
        return [self.root_cause, *self.symptoms]


__all__ = ["Incident", "ServiceLink"]
