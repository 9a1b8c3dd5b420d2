"""ONE fixture runner for every collector found by discovery (``dozor.collectors.registry``).

Fixture: ``tests/fixtures/collectors/<collector-name>/<case>.json`` =
``{"argv", "exit_status", "stdout", "stderr", "expected", "note"?}``, the output recorded on a real engine
or host (``tests/fixtures/collectors/record.py``; the note says where a case came from).

``expected`` is the EXACT answer, compared in full: ``{"result": payload.model_dump(mode="json")}`` (a list
payload dumps element by element), so a new field changes the fixture and is pinned there; or an error,
``{"error": {"type": "DockerUnavailable", "contains": "..."}}``, matched by the exception's class name
(so ``dozor.collectors.base`` and a shared errors module both work) and a piece of its message.

Every registered collector must have a folder with at least one case, and every folder must name a
registered collector: a collector cannot be added without fixtures, nor a fixture left orphaned by a rename.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from dozor.collectors import COLLECTORS, Collector, DuplicateCollector, all_collectors
from dozor.collectors.registry import discover
from dozor.transport.base import CommandResult

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "collectors"
CASES = sorted(FIXTURES.glob("*/*.json"))
FOLDERS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name != "__pycache__")


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
    result = CommandResult(argv=fx["argv"], exit_status=fx["exit_status"], stdout=fx["stdout"], stderr=fx["stderr"])
    if "error" in expected:
        err = expected["error"]
        with pytest.raises(Exception) as info:  # matched by class name below
            collector.parse(result)
        assert type(info.value).__name__ == err["type"], f"raised {type(info.value).__name__}: {info.value}"
        assert err["contains"] in str(info.value)
    else:
        assert set(expected) == {"result"}, f"expected holds 'result' or 'error', not {sorted(expected)}"
        assert dump(collector.parse(result)) == expected["result"]


def test_every_collector_has_fixtures() -> None:
    """A registered collector without a fixture folder (or with an empty one) fails here."""
    missing = [name for name in COLLECTORS if not list((FIXTURES / name).glob("*.json"))]
    assert not missing, f"collectors without fixtures in {FIXTURES}: {missing}"


def test_every_fixture_folder_names_a_collector() -> None:
    """A folder for a collector that does not exist (renamed, removed, misspelled) fails here."""
    orphans = [name for name in FOLDERS if name not in COLLECTORS]
    assert not orphans, f"fixture folders naming no registered collector: {orphans} (known: {sorted(COLLECTORS)})"


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_fixture(path: Path) -> None:
    """Parse the recorded output with the collector's parser and compare with ``expected``, exactly."""
    fx = json.loads(path.read_text())
    assert path.parent.name in COLLECTORS, f"{path.parent.name}: no such collector"
    run_case(COLLECTORS[path.parent.name], fx)


# ------------------------------------------------------------------------------------------------ discovery


def test_discovery_finds_every_module_level_collector() -> None:
    """The collectors the old hand-kept dict missed are found too, and the mapping is the registry's."""
    assert {"status", "resources", "logs", "compose", "listeners", "sshd", "dockerd", "project_files",
            "container_security"} <= set(COLLECTORS)
    assert COLLECTORS is all_collectors()
    for name, collector in COLLECTORS.items():
        assert collector.name == name


def test_duplicate_names_raise_at_discovery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "dupcollectors"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    body = "from dozor.collectors.base import Collector\nX = Collector(name='same', argv=list, parse=str)\n"
    (pkg / "a.py").write_text(body)
    (pkg / "b.py").write_text(body.replace("X =", "Y ="))
    (pkg / "c.py").write_text("from dupcollectors.a import X\n")  # a re-export is the same object: fine
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(DuplicateCollector, match=r"'same'.*dupcollectors\.a\.X.*dupcollectors\.b\.Y"):
        discover("dupcollectors")
    (pkg / "b.py").unlink()
    assert list(discover("dupcollectors")) == ["same"]


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
