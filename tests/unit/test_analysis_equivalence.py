"""The analyzer's results over a large varied corpus stay exactly what they were when recorded.

The fixtures (``tests/fixtures/analysis``) were recorded from the analyzer before its hot path
was optimised (see ``tests/unit/analysis_corpus.py``): any change in a finding, count, cluster,
first/last-seen time, burst or scanner figure fails here.
"""

from __future__ import annotations

import json

import pytest

from tests.unit.analysis_corpus import FIXTURES, cases, run_case

_CASES = list(cases())


def test_every_case_has_a_fixture() -> None:
    assert sorted(p.stem for p in FIXTURES.glob("*.json")) == sorted(name for name, *_ in _CASES)


@pytest.mark.parametrize(("name", "pairs", "kind", "php_site"), _CASES, ids=[c[0] for c in _CASES])
def test_results_match_the_recorded_fixture(name: str, pairs: list, kind: str | None, php_site: bool) -> None:
    expected = json.loads((FIXTURES / f"{name}.json").read_text())
    assert run_case(pairs, kind, php_site) == expected
