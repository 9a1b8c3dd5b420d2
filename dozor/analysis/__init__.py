"""Log analysis: the error-pattern library, fast matching, clustering, scanner detection.

Names are imported from their submodules on first use, so importing the package (or one
submodule, e.g. ``dozor.analysis.scanners``) does not load the whole pattern library.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dozor.analysis.analyzer import Burst, Finding, LogAnalysis, analyze_lines, find_bursts, is_errorish
    from dozor.analysis.cluster import Cluster, Clusterer, cluster_lines, template_of
    from dozor.analysis.matcher import Matcher, match_line
    from dozor.analysis.patterns import (
        KINDS,
        PATTERNS,
        PATTERNS_BY_ID,
        Pattern,
        Severity,
        detect_kind,
        detect_kind_from_log,
    )
    from dozor.analysis.scanners import (
        AccessRecord,
        ScannerSummary,
        ScannerTracker,
        is_scanner_request,
        is_sensitive_path,
        parse_access_line,
        scanner_reason,
    )

_WHERE = {
    "analyzer": ("Burst", "Finding", "LogAnalysis", "analyze_lines", "find_bursts", "is_errorish"),
    "cluster": ("Cluster", "Clusterer", "cluster_lines", "template_of"),
    "matcher": ("Matcher", "match_line"),
    "patterns": ("KINDS", "PATTERNS", "PATTERNS_BY_ID", "Pattern", "Severity", "detect_kind", "detect_kind_from_log"),
    "scanners": (
        "AccessRecord",
        "ScannerSummary",
        "ScannerTracker",
        "is_scanner_request",
        "is_sensitive_path",
        "parse_access_line",
        "scanner_reason",
    ),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__all__ = [
    "KINDS",
    "PATTERNS",
    "PATTERNS_BY_ID",
    "AccessRecord",
    "Burst",
    "Cluster",
    "Clusterer",
    "Finding",
    "LogAnalysis",
    "Matcher",
    "Pattern",
    "ScannerSummary",
    "ScannerTracker",
    "Severity",
    "analyze_lines",
    "cluster_lines",
    "detect_kind",
    "detect_kind_from_log",
    "find_bursts",
    "is_errorish",
    "is_scanner_request",
    "is_sensitive_path",
    "match_line",
    "parse_access_line",
    "scanner_reason",
    "template_of",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
