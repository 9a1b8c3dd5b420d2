"""Literal conditions derived from regexes: never False on a line the regex matches."""

from __future__ import annotations

from dozor.analysis.keywords import literal_check
from dozor.analysis.patterns import PATTERNS
from tests.unit.analysis_corpus import mixed_lines


def test_literal_check() -> None:
    check = literal_check(r"\bexit(?:ed)? code\b\s+137\b|Segmentation fault|(?:Error|Exit)Code")
    assert check("container exited code 137") and check("segmentation fault") and check("errorcode")
    assert not check("code 137") and not check("exit code 13") and not check("segmentation")
    assert literal_check(r"a|\d+")("anything") and literal_check(r"(")("anything")
    assert literal_check(r"ab+c{2,}d{0,3}")("x a b c") and not literal_check(r"ab+c")("ab")


def test_never_false_on_a_matching_line() -> None:
    lines = [*mixed_lines(31, 4000), *(x for p in PATTERNS for x in (*p.examples, *p.near_misses))]
    for p in PATTERNS:
        regex, check = p.compile(), literal_check(p.regex)
        for line in lines:
            if line.isascii() and regex.search(line):
                assert check(line.lower()), (p.id, line)
