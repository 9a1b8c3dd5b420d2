"""Every recorded collector fixture, parsed and checked against its hand-checked ``expected``.

Fixture: ``tests/fixtures/collectors/<collector>/<case>.json`` =
``{"argv", "exit_status", "stdout", "stderr", "expected", "note"?}``.

``expected`` is either ``{"error": {"type": "DockerUnavailable", "contains": "..."}}`` or
``{"result": <subset>}``, matched against ``payload.model_dump(mode="json")``:

- a dict matches when each of its keys matches (other keys are ignored);
- a list matches a list of the same length, element by element;
- a dict matches a LIST by keys: ``"$len"`` is the length, an integer string is an index
  (negative allowed), any other key selects the element whose name/mount/id/service equals it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from dozor.collectors import COLLECTORS, CollectorError
from dozor.transport.base import CommandResult

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "collectors"
CASES = sorted(FIXTURES.glob("*/*.json"))
_SELECT_KEYS = ("name", "mount", "id", "service")


def _select(items: list[Any], key: str, where: str) -> Any:
    if key == "$len":
        return len(items)
    try:
        return items[int(key)]
    except ValueError:
        pass
    except IndexError:
        pytest.fail(f"{where}: no index {key}")
    for k in _SELECT_KEYS:
        hits = [x for x in items if isinstance(x, dict) and x.get(k) == key]
        if len(hits) == 1:
            return hits[0]
    pytest.fail(f"{where}: no single element named {key!r}")


def assert_subset(expected: Any, actual: Any, where: str = "$") -> None:
    """Recursive subset match, as described in the module docstring."""
    if isinstance(expected, dict) and isinstance(actual, list):
        for k, v in expected.items():
            assert_subset(v, _select(actual, k, where), f"{where}[{k}]")
    elif isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        for k, v in expected.items():
            assert k in actual, f"{where}: missing key {k!r}"
            assert_subset(v, actual[k], f"{where}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual!r} != {expected!r}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            assert_subset(e, a, f"{where}[{i}]")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def _dump(payload: Any) -> Any:
    if isinstance(payload, BaseModel):
        return payload.model_dump(mode="json")
    if isinstance(payload, list):
        return [_dump(x) for x in payload]
    return payload


def test_fixtures_exist() -> None:
    """Every collector has fixtures, and none was left without a hand-checked expectation."""
    assert {p.parent.name for p in CASES} >= set(COLLECTORS)


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_fixture(path: Path) -> None:
    """Parse the recorded output with the collector's parser and compare with ``expected``."""
    fx = json.loads(path.read_text())
    expected = fx.get("expected")
    assert expected, f"{path.name}: fill in 'expected' by hand"
    collector = COLLECTORS[path.parent.name]
    result = CommandResult(argv=fx["argv"], exit_status=fx["exit_status"], stdout=fx["stdout"],
                           stderr=fx["stderr"])
    if "error" in expected:
        with pytest.raises(CollectorError) as info:
            collector.parse(result)
        err = expected["error"]
        assert type(info.value).__name__ == err["type"]
        assert err["contains"] in str(info.value)
    else:
        assert_subset(expected["result"], _dump(collector.parse(result)))
