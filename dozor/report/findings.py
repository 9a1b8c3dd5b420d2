"""Log findings as the report carries them, and the bridge to the log-analysis package.

The report keeps its own small ``LogFinding`` model so its JSON shape does not follow every change in
``dozor.analysis``; :func:`analyze_service_lines` runs the analysis and converts its findings.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from dozor.model.severity import Severity

if TYPE_CHECKING:
    from dozor.analysis.analyzer import Finding


class LogFinding(BaseModel):
    """A known log pattern seen in one service's logs, clustered: how often, first and last time, one example."""

    pattern: str = Field(description="Pattern id, e.g. postgres.auth_failed.")
    kind: str | None = None
    category: str | None = None
    severity: Severity = Field(description="critical, warning or info (the pattern's).")
    meaning: str = ""
    action: str = ""
    count: int = 1
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    example: str | None = Field(default=None, description="One matching line: UNTRUSTED text.")


class ServiceLogSummary(BaseModel):
    """What the analysed log tail of one service said."""

    project: str | None = None
    service: str
    kind: str | None = None
    scanned_lines: int | None = Field(default=None, description="Lines docker returned before filtering.")
    error_lines: int = Field(default=0, description="Lines that passed the error filter.")
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    findings: list[LogFinding] = Field(default_factory=list)
    scanner_requests: int = Field(default=0, description="Bot-scanner requests seen (reconnaissance, not errors).")
    error: str | None = Field(default=None, description="Why the logs could not be read, if they could not.")
    containers: int = Field(default=1, description="Containers whose tails were read.")
    bytes_read: int = Field(default=0, description="Bytes of log received for this service.")
    truncated: bool = Field(default=False, description="A byte cap (per container or per host) cut older lines "
                            "off the tail, or the host's budget was spent before this service was read.")
    kind_source: str | None = Field(default=None, description="Where the kind came from: image/name or log.")
    last_output: list[str] = Field(
        default_factory=list, description="The last lines a stopped or restarting service printed (what it said "
        "before it exited, error word or not)."
    )


def finding_from(f: Finding) -> LogFinding:
    """The one conversion of a log-analysis finding into the report's ``LogFinding``."""
    return LogFinding(
        pattern=f.pattern_id, kind=f.kind, category=f.category, severity=f.severity, meaning=f.meaning,
        action=f.action, count=f.count, first_seen=f.first_seen, last_seen=f.last_seen, example=f.example,
    )


def analyze_service_lines(
    lines: Iterable[tuple[datetime | None, str]], *, kind: str | None
) -> tuple[list[LogFinding], int]:
    """Run the log analysis on ``(timestamp, text)`` lines: (findings, bot-scanner request count)."""
    from dozor.analysis import analyze_lines

    analysis = analyze_lines(list(lines), kind=kind)
    return [finding_from(f) for f in analysis.findings], analysis.scanners.requests


def detect_service_kind(image: str, service: str) -> str | None:
    """The service kind (postgres, redis, nginx…) recognised from image and name, or None."""
    from dozor.analysis.patterns import detect_kind

    return detect_kind(image, service)


def detect_service_kind_from_log(lines: Iterable[str]) -> str | None:
    """The service kind recognised from what its log says, or None."""
    from dozor.analysis.patterns import detect_kind_from_log

    return detect_kind_from_log(lines)


__all__ = [
    "LogFinding",
    "ServiceLogSummary",
    "analyze_service_lines",
    "detect_service_kind",
    "detect_service_kind_from_log",
    "finding_from",
]
