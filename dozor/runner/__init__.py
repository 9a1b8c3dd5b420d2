"""The parallel runner and per-host outcomes."""

from dozor.runner.fanout import CommandTimeout, HostContext, Refused, run_on_hosts
from dozor.runner.outcome import HostResult, HostStatus

__all__ = ["CommandTimeout", "HostContext", "HostResult", "HostStatus", "Refused", "run_on_hosts"]
