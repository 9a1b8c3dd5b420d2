"""dozor: a fleet controller for Docker servers, built for AI agents first and people second.

The public API (imported lazily so that ``dozor --help`` stays fast)::

    from dozor import Fleet
    async with Fleet.load() as fleet:            # fleet.toml, DOZOR_INVENTORY, .env, or this machine
        status = await fleet.status("@web")      # FleetResult: one HostResult per host, failures as data
        report = await fleet.diagnose()          # DiagnosisReport: report.needs_attention, report.to_ai_prompt()
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Fleet": "dozor.fleet",
    "HostContainers": "dozor.runner.questions",
    "ServiceLogs": "dozor.runner.questions",
    "FleetResult": "dozor.runner.fleet_result",
    "FleetRunner": "dozor.runner.protocol",
    "DiagnosisReport": "dozor.reports",
    "SecurityReview": "dozor.reports",
    "FleetReport": "dozor.report.models",
    "SecurityReport": "dozor.security.findings",
    "Problem": "dozor.model.problem",
    "Severity": "dozor.model.severity",
    "DeployRequest": "dozor.ops.deploy",
    "PruneOptions": "dozor.ops.prune",
    "HostResult": "dozor.outcome",
    "HostStatus": "dozor.outcome",
    "Inventory": "dozor.inventory.models",
    "InventoryError": "dozor.inventory.loader",
    "UnknownHostError": "dozor.inventory.selector",
    "load_inventory": "dozor.inventory.loader",
    "select_hosts": "dozor.inventory.selector",
    "CommandResult": "dozor.transport.base",
    "Transport": "dozor.transport.base",
    "LocalTransport": "dozor.transport.local",
    "SSHTransport": "dozor.transport.ssh",
    "TransportPool": "dozor.transport.pool",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dozor' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
