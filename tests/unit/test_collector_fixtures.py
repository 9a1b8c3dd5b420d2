"""ONE fixture runner for every collector found by discovery (``dozor.collectors.registry``): the collectors
of ``dozor.collectors`` (security collectors included) and the ops commands' collectors of ``dozor.ops``
(deploy status, prune listings and outputs).

Fixture: ``tests/fixtures/<root>/<collector-name>/<case>.json``, root ``collectors`` for ``dozor.collectors``
and ``ops`` for ``dozor.ops`` =
``{"argv", "exit_status", "stdout", "stderr", "expected", "note"?, "known"?}``, the output recorded on a real
engine or host (``tests/fixtures/<root>/record.py``; the note says where a case came from). ``argv`` is the
command dozor sends (a collector may read its parameters from it, e.g. deploy status its section marker).

``expected`` is the EXACT answer, compared in full: ``{"result": payload.model_dump(mode="json")}`` (a list
payload dumps element by element), so a new field changes the fixture and is pinned there; or an error,
``{"error": {"type": "DockerUnavailable", "contains": "..."}}``, matched by the exception's class name
(so ``dozor.collectors.base`` and a shared errors module both work) and a piece of its message.
``known`` holds what the recorder knew independently of the parser (the deploy ids it started, the ids
``docker inspect`` gave for what it planted); per-collector checks hold ``expected`` against it
(``tests/unit/test_ops_fixtures.py``).

Every registered collector must have a folder with at least one case under its package's root, and every
folder must name a collector of that package: a collector cannot be added without fixtures, nor a fixture
left orphaned by a rename.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from dozor.collectors import COLLECTORS, Collector, DuplicateCollector, all_collectors
from dozor.collectors.registry import discover
from dozor.transport.base import CommandResult

FIXTURES_ROOT = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURES = FIXTURES_ROOT / "collectors"
# package -> (its fixture root, its collectors by name)
PACKAGES: dict[str, tuple[Path, Mapping[str, Collector]]] = {
    "dozor.collectors": (FIXTURES, COLLECTORS),
    "dozor.ops": (FIXTURES_ROOT / "ops", discover("dozor.ops")),
}
CASES = [(pkg, p) for pkg, (root, _) in PACKAGES.items() for p in sorted(root.glob("*/*.json"))]
FIELDS = {"argv", "exit_status", "stdout", "stderr", "expected"}
OPTIONAL = {"note", "known"}


def folders(root: Path) -> list[str]:
    """The collector folders under a fixture root (the recorder script sits next to them)."""
    return sorted(p.name for p in root.iterdir() if p.is_dir() and p.name != "__pycache__")


def load_case(path: Path) -> dict[str, Any]:
    """A fixture, its keys checked."""
    fx = json.loads(path.read_text())
    assert FIELDS <= set(fx) <= FIELDS | OPTIONAL, f"{path}: keys {sorted(fx)}, want {sorted(FIELDS)} + {OPTIONAL}"
    return fx


def result_of(fx: dict[str, Any]) -> CommandResult:
    """The recorded command as the parser gets it."""
    return CommandResult(argv=fx["argv"], exit_status=fx["exit_status"], stdout=fx["stdout"], stderr=fx["stderr"])


def dump(payload: Any) -> Any:
    """The payload as JSON data, the way MCP's structured output carries it."""
    if isinstance(payload, BaseModel):
        return payload.model_dump(mode="json")
    if isinstance(payload, list | tuple):
        return [dump(x) for x in payload]
    return payload


def run_case(collector: Collector, fx: dict[str, Any]) -> None:
    """Parse one recorded command with ``collector`` and compare with the fixture's ``expected`` in full."""
    expected = fx.get("expected")
    assert expected, "fill in 'expected' (generate it with the parser, then read it against the recorded output)"
    result = result_of(fx)
    if "error" in expected:
        err = expected["error"]
        with pytest.raises(Exception) as info:  # matched by class name below
            collector.parse(result)
        assert type(info.value).__name__ == err["type"], f"raised {type(info.value).__name__}: {info.value}"
        assert err["contains"] in str(info.value)
    else:
        assert set(expected) == {"result"}, f"expected holds 'result' or 'error', not {sorted(expected)}"
        assert dump(collector.parse(result)) == expected["result"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_collector_has_fixtures(package: str) -> None:
    """A registered collector without a fixture folder (or with an empty one) fails here."""
    root, collectors = PACKAGES[package]
    missing = [name for name in collectors if not list((root / name).glob("*.json"))]
    assert not missing, f"collectors of {package} without fixtures in {root}: {missing}"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_fixture_folder_names_a_collector(package: str) -> None:
    """A folder for a collector that does not exist (renamed, removed, misspelled) fails here."""
    root, collectors = PACKAGES[package]
    orphans = [name for name in folders(root) if name not in collectors]
    assert not orphans, f"fixture folders in {root} naming no collector of {package}: {orphans} " \
                        f"(known: {sorted(collectors)})"


@pytest.mark.parametrize(("package", "path"), CASES,
                         ids=[f"{p.parents[1].name}/{p.parent.name}/{p.stem}" for _, p in CASES])
def test_fixture(package: str, path: Path) -> None:
    """Parse the recorded output with the collector's parser and compare with ``expected``, exactly."""
    fx = load_case(path)
    collectors = PACKAGES[package][1]
    assert path.parent.name in collectors, f"{path.parent.name}: no such collector in {package}"
    run_case(collectors[path.parent.name], fx)


# ------------------------------------------------------------------------------------------------ discovery


def test_discovery_finds_every_module_level_collector() -> None:
    """The collectors the old hand-kept dict missed are found too, and the mapping is the registry's."""
    assert {"status", "resources", "logs", "compose", "listeners", "sshd", "dockerd", "project_files",
            "container_security"} <= set(COLLECTORS)
    assert COLLECTORS is all_collectors()
    for name, collector in COLLECTORS.items():
        assert collector.name == name


def test_ops_collectors_are_discovered_and_only_theirs() -> None:
    """``dozor.ops`` has its own collectors; the ones its modules import (compose detection) stay collectors'."""
    ops = PACKAGES["dozor.ops"][1]
    assert {"deploy_status", "engine_api_version", "prune_disk_usage", "prune_containers", "prune_images",
            "prune"} <= set(ops)
    assert not set(ops) & set(COLLECTORS)
    both = discover("dozor.collectors", "dozor.ops")  # one name space: a clash across packages raises
    assert set(both) == set(ops) | set(COLLECTORS)


def test_importing_the_collectors_does_not_import_ops() -> None:
    """Layering: ops imports collectors, never the reverse, discovery included."""
    code = ("import sys, dozor.collectors; from dozor.collectors import COLLECTORS; assert COLLECTORS; "
            "print(sorted(m for m in sys.modules if m.startswith('dozor.ops')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_duplicate_names_raise_at_discovery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "dupcollectors"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    body = "from dozor.collectors.base import Collector\nX = Collector(name='same', argv=list, parse=str)\n"
    (pkg / "a.py").write_text(body)
    (pkg / "b.py").write_text(body.replace("X =", "Y ="))
    (pkg / "c.py").write_text("from dupcollectors.a import X\n")  # an import is not c's collector
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(DuplicateCollector, match=r"'same'.*dupcollectors\.a\.X.*dupcollectors\.b\.Y"):
        discover("dupcollectors")
    (pkg / "b.py").unlink()
    assert list(discover("dupcollectors")) == ["same"]
    other = tmp_path / "dupother"  # a package that only imports another's collector has none of its own
    other.mkdir()
    (other / "__init__.py").write_text("")
    (other / "uses.py").write_text("from dupcollectors.a import X\nY = X\n")
    assert discover("dupother") == {"same": discover("dupcollectors")["same"]}  # `Y = X` assigns it here
    (other / "uses.py").write_text("from dupcollectors.a import X\n")
    assert discover("dupother") == {}
    (other / "more.py").write_text(body.replace("X =", "Z ="))  # a second 'same', in another package
    with pytest.raises(DuplicateCollector, match=r"dupcollectors\.a\.X.*dupother\.more\.Z"):
        discover("dupcollectors", "dupother")


def test_the_runner_pins_new_fields() -> None:
    """A full comparison: an extra field in the payload (a new model field) fails the case."""

    class Payload(BaseModel):
        a: int
        b: int = 2

    fake = Collector(name="fake", argv=list, parse=lambda r: Payload(a=int(r.stdout)))
    fx = {"argv": [], "exit_status": 0, "stdout": "1", "stderr": "", "expected": {"result": {"a": 1}}}
    with pytest.raises(AssertionError):
        run_case(fake, fx)
    run_case(fake, {**fx, "expected": {"result": {"a": 1, "b": 2}}})
