"""The parallel runner and per-host outcomes."""

from dozor.outcome import HostResult, HostStatus
from dozor.runner.fanout import CommandTimeout, HostContext, Refused, run_on_hosts

__all__ = ["CommandTimeout", "HostContext", "HostResult", "HostStatus", "Refused", "run_on_hosts"]
