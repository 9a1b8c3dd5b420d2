"""The problem model: ``Severity``, ``Problem`` and the report over problems. Imports nothing above it."""

from dozor.model.problem import Problem, rank
from dozor.model.report import HostSection, ProblemReport, ReportExit, coverage_text
from dozor.model.severity import Severity

__all__ = ["HostSection", "Problem", "ProblemReport", "ReportExit", "Severity", "coverage_text", "rank"]
