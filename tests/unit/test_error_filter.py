"""The error filter run here (Engine API tails, the diagnosis' counts) gives the host-side ``grep -E -i`` answer."""

from __future__ import annotations

import re
from pathlib import Path

from dozor.collectors.logs import ERROR_REGEX, is_error_line
from tests.unit.analysis_corpus import mixed_lines

TRUTH = Path(__file__).resolve().parents[1] / "fixtures" / "truth"


def test_the_pattern_has_no_escape_whose_meaning_changes_with_case() -> None:
    # \\S \\W \\D \\B \\A \\Z mean something else in lower case: lowercasing the pattern would break them.
    assert not re.search(r"\\[SWDBAZ]", ERROR_REGEX)


def test_same_answer_as_case_insensitive_search_on_real_and_mixed_logs() -> None:
    ref = re.compile(ERROR_REGEX, re.IGNORECASE)
    lines = [line for f in sorted(TRUTH.glob("*.log")) for line in f.read_text(errors="replace").splitlines()]
    lines += mixed_lines(7, 6000)
    lines += ["ERROR İstanbul ünïcode", "Traceback (most recent call last):", 'GET / HTTP/1.1" 502 12', "FATAL",
              "all good", "errors=0", "ΣΦΑΛΜΑ error", "Kelvin K sign"]
    assert len(lines) > 10_000
    assert [is_error_line(x) for x in lines] == [ref.search(x) is not None for x in lines]
