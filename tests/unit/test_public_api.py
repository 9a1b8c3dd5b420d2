"""The public API is explicit: ``dozor.__all__`` is pinned here, and every name in it resolves."""

from __future__ import annotations

import dozor

PUBLIC = [
    "CommandResult",
    "DeployRequest",
    "DiagnosisReport",
    "Fleet",
    "FleetReport",
    "FleetResult",
    "FleetRunner",
    "HostContainers",
    "HostResult",
    "HostStatus",
    "Inventory",
    "InventoryError",
    "LocalTransport",
    "Problem",
    "PruneOptions",
    "SSHTransport",
    "SecurityReport",
    "SecurityReview",
    "ServiceLogs",
    "Severity",
    "Transport",
    "TransportPool",
    "UnknownHostError",
    "__version__",
    "load_inventory",
    "select_hosts",
]


def test_all_is_pinned() -> None:
    assert sorted(dozor.__all__) == sorted(PUBLIC)


def test_every_public_name_resolves_and_is_documented() -> None:
    for name in dozor.__all__:
        value = getattr(dozor, name)
        if name != "__version__":
            assert value.__doc__, f"dozor.{name} has no docstring"


def test_reports_keep_the_seed_api() -> None:
    from dozor.model.report import ProblemReport

    for cls in (dozor.DiagnosisReport, dozor.SecurityReview):
        assert issubclass(cls, ProblemReport)
        assert callable(cls.to_ai_prompt) and callable(cls.to_json)
    assert {"needs_attention", "exit_code", "counts", "coverage"} <= set(dozor.DiagnosisReport.model_computed_fields)
