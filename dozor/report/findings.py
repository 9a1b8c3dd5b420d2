"""Log findings as the report carries them, and the bridge to the log-analysis package.

The report keeps its own small ``LogFinding`` model so its JSON shape does not follow every change in
``dozor.analysis``; :func:`analyze_service_lines` runs the analysis and converts its findings.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class LogFinding(BaseModel):
    """A known log pattern seen in one service's logs, clustered: how often, first and last time, one example."""

    pattern: str = Field(description="Pattern id, e.g. postgres.auth_failed.")
    kind: str | None = None
    category: str | None = None
    severity: str = Field(description="critical, warning or info (the pattern's).")
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


def _get(obj: Any, name: str, default: Any = None) -> Any:
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


def finding_from(obj: Any) -> LogFinding:
    """Convert one ``dozor.analysis`` finding (model, dataclass or dict) into a ``LogFinding``."""
    pattern = _get(obj, "pattern")
    pid = _get(obj, "pattern_id") or (pattern if isinstance(pattern, str) else _get(pattern, "id")) or "unknown"
    sev = _get(obj, "severity") or (_get(pattern, "severity") if pattern is not None else None) or "info"
    return LogFinding(
        pattern=str(pid),
        kind=_get(obj, "kind") or _get(pattern, "kind"),
        category=_get(obj, "category") or _get(pattern, "category"),
        severity=str(sev),
        meaning=_get(obj, "meaning") or _get(pattern, "meaning") or "",
        action=_get(obj, "action") or _get(pattern, "action") or "",
        count=int(_get(obj, "count", 1) or 1),
        first_seen=_get(obj, "first_seen"),
        last_seen=_get(obj, "last_seen"),
        example=_get(obj, "example"),
    )


def _scanner_count(analysis: Any) -> int:
    scan = _get(analysis, "scanners") or _get(analysis, "scanner")
    if scan is None:
        return 0
    if isinstance(scan, int):
        return scan
    for name in ("requests", "total", "count"):
        v = _get(scan, name)
        if isinstance(v, int):
            return v
    return 0


def analyze_service_lines(
    lines: Iterable[tuple[datetime | None, str]], *, kind: str | None
) -> tuple[list[LogFinding], int]:
    """Run the log analysis on ``(timestamp, text)`` lines: (findings, bot-scanner request count)."""
    from dozor.analysis import analyze_lines

    analysis = analyze_lines(list(lines), kind=kind)
    return [finding_from(f) for f in _get(analysis, "findings") or []], _scanner_count(analysis)


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
