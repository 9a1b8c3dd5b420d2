"""Collectors: a declared argv plus a pure parser each (see ``base``)."""

from dozor.collectors.base import Collector, CollectorError, DockerUnavailable, check_docker
from dozor.collectors.compose import COMPOSE_DETECT, ComposeInfo, compose_argv, parse_compose
from dozor.collectors.logs import (
    ERROR_REGEX,
    LOGS,
    LogLine,
    LogResult,
    logs_argv,
    normalize_since,
    parse_logs,
    validate_regex,
)
from dozor.collectors.registry import DuplicateCollector, all_collectors
from dozor.collectors.resources import (
    RESOURCES,
    ContainerResources,
    DiskUsage,
    HostResources,
    LoadAverage,
    MemoryInfo,
    SwapInfo,
    parse_resources,
    parse_size,
    resources_argv,
)
from dozor.collectors.status import (
    STATUS,
    ContainerState,
    ContainerStatus,
    HealthState,
    PortMapping,
    ServiceState,
    match_declared,
    parse_docker_time,
    parse_status,
    status_argv,
    uptime_seconds,
)


def __getattr__(name: str) -> object:
    """``COLLECTORS``: every collector by name, found by discovery (``registry.all_collectors``) on first use."""
    if name == "COLLECTORS":
        return all_collectors()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "COLLECTORS",
    "COMPOSE_DETECT",
    "ERROR_REGEX",
    "LOGS",
    "RESOURCES",
    "STATUS",
    "Collector",
    "CollectorError",
    "ComposeInfo",
    "ContainerResources",
    "ContainerState",
    "ContainerStatus",
    "DiskUsage",
    "DockerUnavailable",
    "DuplicateCollector",
    "HealthState",
    "HostResources",
    "LoadAverage",
    "LogLine",
    "LogResult",
    "MemoryInfo",
    "PortMapping",
    "ServiceState",
    "SwapInfo",
    "all_collectors",
    "check_docker",
    "compose_argv",
    "logs_argv",
    "match_declared",
    "normalize_since",
    "parse_compose",
    "parse_docker_time",
    "parse_logs",
    "parse_resources",
    "parse_size",
    "parse_status",
    "resources_argv",
    "status_argv",
    "uptime_seconds",
    "validate_regex",
]
