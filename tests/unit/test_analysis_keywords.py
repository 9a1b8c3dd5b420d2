"""Keyword sets derived from regexes: every one is required by every match."""

from __future__ import annotations

from dozor.analysis.keywords import required_keyword_sets
from dozor.analysis.patterns import PATTERNS
from tests.unit.analysis_corpus import mixed_lines


def test_required_keyword_sets() -> None:
    assert required_keyword_sets(r"\bexit(?:ed)? code\b\s+137\b") == [{"exit"}, {" code"}, {"137"}]
    assert required_keyword_sets(r"(?:Error|Exit)Code") == [{"errorcode", "exitcode"}]
    assert required_keyword_sets(r"a|bcd") == []
    assert required_keyword_sets(r"(") == []


def test_every_set_is_in_every_matching_line() -> None:
    lines = [*mixed_lines(31, 4000), *(x for p in PATTERNS for x in (*p.examples, *p.near_misses))]
    for p in PATTERNS:
        regex, sets = p.compile(), required_keyword_sets(p.regex)
        assert sets, p.id
        for line in lines:
            if line.isascii() and regex.search(line):
                low = line.lower()
                assert all(any(w in low for w in words) for words in sets), (p.id, line)
