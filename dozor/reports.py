"""The report classes the Python API returns: the report data plus its renderings.

``Fleet.diagnose()``/``health()``/``analyze()`` return a :class:`DiagnosisReport` and ``Fleet.security()`` a
:class:`SecurityReview`. Each is its data model (:class:`dozor.report.models.FleetReport`,
:class:`dozor.security.findings.SecurityReport`) with ``to_ai_prompt()``, ``to_json()``… added on top, so
the data models never import a renderer and renderers take the plain data.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel
from rich.console import Console

from dozor.render.json_text import render_json
from dozor.render.report_ai import render_ai
from dozor.render.report_markdown import render_markdown
from dozor.render.report_prometheus import render_prometheus
from dozor.render.report_terminal import print_report
from dozor.render.security_text import print_report as print_security
from dozor.render.security_text import render_ai as render_security_ai
from dozor.report.models import FleetReport
from dozor.security.findings import SecurityReport


class _Rendered(BaseModel):
    """``of(data)``: the same report as the rendering subclass, fields shared, not copied."""

    @classmethod
    def of(cls, report: BaseModel) -> Self:
        """The same report, with its renderings (no copy of the data's contents)."""
        return cls.model_construct(_fields_set=report.model_fields_set, **dict(report))


class DiagnosisReport(FleetReport, _Rendered):
    """A diagnosis (``FleetReport``) with its renderings: AI text, Markdown, JSON, Prometheus, terminal."""

    def to_ai_prompt(self, max_tokens: int = 4000) -> str:
        """Short ranked text for an LLM: every claim with host, service, count and time; bounded."""
        return render_ai(self, max_tokens=max_tokens)

    def to_markdown(self) -> str:
        """A Markdown report for people (tickets, chat, mail)."""
        return render_markdown(self)

    def to_json(self, indent: int | None = 2) -> str:
        """The full report as JSON, secrets redacted."""
        return render_json(self, indent)

    def to_prometheus(self) -> str:
        """node_exporter textfile-collector metrics."""
        return render_prometheus(self)

    def print(self, console: Console | None = None) -> None:
        """Print to the terminal with rich."""
        print_report(self, console)


class SecurityReview(SecurityReport, _Rendered):
    """A security review (``SecurityReport``) with its renderings: AI text, JSON, terminal."""

    def to_ai_prompt(self, max_tokens: int = 4000) -> str:
        """Short ranked text for an LLM; log excerpts fenced; bounded."""
        return render_security_ai(self, max_tokens=max_tokens)

    def to_json(self, indent: int | None = 2) -> str:
        """The full report as JSON, secrets redacted."""
        return render_json(self, indent)

    def print(self, console: Console | None = None) -> None:
        """Print to the terminal with rich."""
        print_security(self, console)


__all__ = ["DiagnosisReport", "SecurityReview"]
