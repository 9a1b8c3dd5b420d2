"""The skimming fast path: keyword scanning over joined text, routine-line detection, chunking.

The contract: a line the skimmer does not return is one the exact per-line path would only count
(as a line, and as an access request when ``is_plain_request`` says so). Checked line by line
here, and end to end by comparing ``analyze_lines`` with feeding every line through the exact path.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from dozor.analysis import analyzer
from dozor.analysis.analyzer import _KEYWORDS, _Analyzer, _skimmer, analyze_lines
from dozor.analysis.keywords import KeywordScanner, minimal_keywords
from dozor.analysis.scanners import parse_access_line, probe_keywords, scanner_reason
from tests.unit.analysis_corpus import mixed_lines, snapshot

T0 = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)


def _soup(rnd: random.Random, words: list[str], n: int) -> list[str]:
    # Lines of noise with keywords, keyword fragments and near-keywords spliced in.
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 :./-_\"'()[]{}=,KX\u212a\u0130\u03a3"
    out = []
    for _ in range(n):
        parts = ["".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 30)))]
        for _ in range(rnd.randrange(0, 3)):
            word = rnd.choice(words)
            roll = rnd.random()
            if roll < 0.3:
                word = word[: rnd.randrange(len(word))] + word[rnd.randrange(len(word)) + 1 :]
            elif roll < 0.5:
                word = word.upper()
            elif roll < 0.6:
                cut = rnd.randrange(len(word))
                word = word[:cut] + rnd.choice(alphabet) + word[cut:]
            parts.append(word)
            parts.append("".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 8))))
        out.append("".join(parts))
    return out


@pytest.mark.parametrize("which", ["analyzer", "probes"])
def test_keyword_scanner_finds_exactly_the_lines_with_a_keyword(which: str) -> None:
    words = sorted(_KEYWORDS if which == "analyzer" else probe_keywords())
    scanner = KeywordScanner(words)
    kept = minimal_keywords(words)
    rnd = random.Random(5)
    for _ in range(20):
        lines = [line.lower() for line in _soup(rnd, words, 300)]
        expected = [i for i, line in enumerate(lines) if any(w in line for w in kept)]
        assert scanner.lines("\n".join(lines)) == expected


def test_keyword_scanner_edges() -> None:
    scanner = KeywordScanner(["error", "137", "a"])
    assert scanner.lines("") == []
    assert scanner.lines("error") == [0]
    assert scanner.lines("\n\nxx137\n") == [2]
    assert scanner.lines("b\na") == [1]
    with pytest.raises(ValueError):
        KeywordScanner([])


def _lines_for_skim() -> list[str]:
    return [*mixed_lines(21, 3000), *_soup(random.Random(8), sorted(_KEYWORDS | probe_keywords()), 500)]


def test_every_line_the_skimmer_skips_is_routine() -> None:
    lines = _lines_for_skim()
    skim = _skimmer().skim(lines)
    skipped = set(range(len(lines))) - set(skim.candidates)
    assert len(skipped) > len(lines) / 3
    for i in sorted(skipped):
        alone = _Analyzer(None, php_site=False)
        alone.feed(None, lines[i])
        result = alone.result(analyzer.BURST_THRESHOLD, analyzer.BURST_WINDOW)
        assert result.findings == [] and result.scanners.requests == 0, lines[i]
        assert result.access_requests == skim.is_plain_request(i), lines[i]
    plain = [i for i in range(len(lines)) if skim.is_plain_request(i)]
    assert skim.plain_requests == len(plain)
    for i in plain:
        record = parse_access_line(lines[i])
        assert record is not None, lines[i]
        if i in skipped:
            assert scanner_reason(record.path, record.method, record.status) is None, lines[i]


def test_lines_with_line_breaks() -> None:
    request = '1.2.3.4 - - [27/Nov/2026:05:13:18 +0000] "GET / HTTP/1.1" 200 1 "-" "-"'
    assert _skimmer().skim(["a error", "b\nc", "d", "e error", "f\nerror"]).candidates == [0, 3, 4]
    assert _skimmer().skim(["a error\r\n", "b\n", "c\r", request + "\r\n"]).candidates == [0]
    skim = _skimmer().skim([request, request + "\nerror", request + "\n"])
    assert skim.candidates == [1] and skim.plain_requests == 2
    # Lower-casing "\u0130" adds a character: lines are then told apart by their line breaks.
    assert _skimmer().skim(["\u0130 a", "b\u0130 error", "c"]).candidates == [1]
    assert _skimmer().skim(["\u0130 a\nb", "error", "c", "\u0130 panic"]).candidates == [0, 1, 3]


def _exact(pairs: list, kind: str | None, php_site: bool) -> dict:
    exact = _Analyzer(kind, php_site)
    for ts, line in pairs:
        exact.feed(ts, line)
    return snapshot(exact.result(analyzer.BURST_THRESHOLD, analyzer.BURST_WINDOW))


@pytest.mark.parametrize("chunk", [1, 2, 5, 64, 1000, 8192])
def test_chunked_analysis_equals_the_exact_path(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analyzer, "CHUNK", chunk)
    rnd = random.Random(chunk)
    lines = mixed_lines(chunk, 2500)
    pairs = [(T0 + timedelta(seconds=i) if rnd.random() < 0.7 else None, line) for i, line in enumerate(lines)]
    for kind, php in ((None, False), ("python", True), ("java", False)):
        assert snapshot(analyze_lines(pairs, kind=kind, php_site=php)) == _exact(pairs, kind, php)


def test_analyze_lines_takes_any_iterable() -> None:
    lines = mixed_lines(3, 500)
    pairs = [(None, line) for line in lines]
    assert snapshot(analyze_lines(iter(pairs))) == snapshot(analyze_lines(pairs))
