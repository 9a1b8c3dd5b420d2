"""Log analysis: the error-pattern library, fast matching, clustering, scanner detection."""

from dozor.analysis.analyzer import Burst, Finding, LogAnalysis, analyze_lines, find_bursts, is_errorish
from dozor.analysis.cluster import Cluster, Clusterer, cluster_lines, template_of
from dozor.analysis.matcher import Matcher, match_line
from dozor.analysis.patterns import KINDS, PATTERNS, PATTERNS_BY_ID, Pattern, Severity, detect_kind
from dozor.analysis.scanners import (
    AccessRecord,
    ScannerSummary,
    ScannerTracker,
    is_scanner_request,
    is_sensitive_path,
    parse_access_line,
    scanner_reason,
)

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
    "find_bursts",
    "is_errorish",
    "is_scanner_request",
    "is_sensitive_path",
    "match_line",
    "parse_access_line",
    "scanner_reason",
    "template_of",
]
