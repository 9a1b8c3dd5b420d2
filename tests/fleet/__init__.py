"""The real test fleet: Docker engines + OpenSSH hosts on this machine (see tests/fleet/fleet.py)."""

from tests.fleet.fleet import (
    DEFAULT_DIR,
    IMAGE,
    FleetError,
    FleetHost,
    FleetInfo,
    check_prerequisites,
    docker_cli,
    down,
    ensure_scenarios,
    info,
    load_info,
    scenario_problems,
    status,
    up,
    wait_settled,
)

__all__ = [
    "DEFAULT_DIR",
    "IMAGE",
    "FleetError",
    "FleetHost",
    "FleetInfo",
    "check_prerequisites",
    "docker_cli",
    "down",
    "ensure_scenarios",
    "info",
    "load_info",
    "scenario_problems",
    "status",
    "up",
    "wait_settled",
]
