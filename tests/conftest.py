"""Shared pytest fixtures.

The real test fleet
-------------------
Integration tests run against real Docker engines and real OpenSSH servers on this machine (see
``tests/fleet/fleet.py`` for what is planted where). Use the session fixture ``fleet``::

    import pytest

    pytestmark = pytest.mark.integration

    def test_something(fleet):                  # fleet: tests.fleet.FleetInfo
        inv = Inventory.model_validate(tomllib.loads(Path(fleet.inventory).read_text()))
        fleet.docker("db1", "inspect", "data_db_1")          # docker CLI against db1's engine
        fleet.ssh("web1", "docker ps")                       # real ssh, strict host keys
        kh = fleet.known_hosts_with_wrong_key("web2", tmp_path / "kh")   # "changed host key" file

A test that changes the planted containers (restarts, stops, removes...) should use ``fleet_mutable``
instead: after the test it re-plants whatever drifted (``docker-compose up -d`` + wait until settled).

The fleet is brought up once per session (about 15 s cold, under 1 s when a healthy fleet is already
running). Any test using these fixtures is marked ``integration`` automatically (``-m "not integration"``
runs the unit tests only).

If the fleet cannot start (not root, dockerd/sshd missing, ...):

* with ``CI=true`` the tests FAIL with the reason (a CI run must never silently skip the real tests);
* otherwise they are skipped with a message saying exactly what is missing.

Teardown: with ``DOZOR_TESTFLEET_KEEP=1`` the fleet stays up after the session so the next local run
reuses it; ``DOZOR_TESTFLEET_KEEP=0`` tears it down. When unset: kept locally, torn down in CI
(``CI=true``). Manage it by hand with ``python -m tests.fleet up|down|status [--dir D]``; the directory
defaults to ``/tmp/dzf`` (env ``DOZOR_TESTFLEET_DIR``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from tests.fleet import FleetInfo, check_prerequisites, down, ensure_scenarios, up


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _keep() -> bool:
    v = os.environ.get("DOZOR_TESTFLEET_KEEP", "").strip().lower()
    if v in ("1", "true", "yes"):
        return True
    if v in ("0", "false", "no"):
        return False
    return not _ci()


def _unavailable(reason: str) -> None:
    msg = f"real test fleet unavailable: {reason}"
    if _ci():
        pytest.fail(msg + " (CI=true: integration tests must run)", pytrace=False)
    pytest.skip(msg)


@pytest.fixture(scope="session")
def fleet() -> Iterator[FleetInfo]:
    """The running test fleet (brought up once per session). See the module docstring."""
    if os.geteuid() != 0:
        _unavailable("; ".join(check_prerequisites()) or "not root")
    t0 = time.monotonic()
    try:
        info = up()
    except Exception as e:
        _unavailable(f"{type(e).__name__}: {e}")
    print(f"\n[test fleet ready in {time.monotonic() - t0:.1f}s at {info.dir}]")
    yield info
    if not _keep():
        down(info.dir)


@pytest.fixture
def fleet_mutable(fleet: FleetInfo) -> Iterator[FleetInfo]:
    """The fleet, for a test that changes containers: the planted scenarios are restored afterwards."""
    yield fleet
    ensure_scenarios(fleet)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if {"fleet", "fleet_mutable"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
