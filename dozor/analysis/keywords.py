"""Keyword prefilters derived from regexes: literals a regex cannot match without.

``required_keywords(r"foo\\d+bar|baz(?:qux|quux)")`` returns ``{"bar", "qux", "quux"}``
or a similar set: whenever the regex matches, one of the (lower-cased) keywords
is a substring of the (lower-cased) line. Checking those keywords first with
one trie-shaped regex is much cheaper than running dozens of full patterns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# The stdlib regex parser; public in spirit (it was ``sre_parse`` for decades).
from re import _constants as _c  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]

_MIN_LEN = 3
_MAX_SET = 64


def _weight(word: str) -> int:
    # Digits and punctuation are rarer in log text than letters: "429" beats "code".
    return sum(1 if ch.isalpha() else 3 if ch.isdigit() else 2 for ch in word)


def _score(req: set[str]) -> tuple[int, int]:
    return (min(_weight(s) for s in req), -len(req))


def _pure_literal(items: list[tuple[object, object]]) -> str | None:
    if all(op is _c.LITERAL for op, _ in items):
        return "".join(chr(av) for _, av in items)  # type: ignore[arg-type]
    return None


def _required(items: Iterable[tuple[object, object]]) -> set[str] | None:
    best: set[str] | None = None
    # Literal strings the current stretch may spell; a branch of pure literals
    # multiplies them (the parser factors "Error|Exit" into "E" + "rror|xit").
    current: set[str] = {""}

    def consider(req: set[str] | None) -> None:
        nonlocal best
        if not req or min(len(s) for s in req) < _MIN_LEN:
            return
        if best is None or _score(req) > _score(best):
            best = req

    def flush() -> None:
        nonlocal current
        consider({s.lower() for s in current})
        current = {""}

    for op, av in items:
        if op is _c.LITERAL:
            current = {s + chr(av) for s in current}  # type: ignore[arg-type]
            continue
        if op is _c.BRANCH:
            words = [_pure_literal(alt) for alt in av[1]]  # type: ignore[index]
            if all(w is not None for w in words) and len(current) * len(words) <= _MAX_SET:
                current = {s + w for s in current for w in words}  # type: ignore[operator]
                continue
        flush()
        if op is _c.BRANCH:
            alternatives = [_required(alt) for alt in av[1]]  # type: ignore[index]
            if all(alternatives):
                consider(set().union(*alternatives))  # type: ignore[arg-type]
        elif op is _c.SUBPATTERN:
            consider(_required(av[3]))  # type: ignore[index]
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT) and av[0] >= 1:  # type: ignore[index]
            consider(_required(av[2]))  # type: ignore[index]
    flush()
    return best


def required_keywords(regex: str) -> set[str] | None:
    """Lower-case literals one of which every match of ``regex`` contains; None if there are none."""
    try:
        parsed = _parser.parse(regex, 0)
    except re.error:
        return None
    return _required(parsed.data)


def minimal_keywords(words: Iterable[str]) -> list[str]:
    """The keywords that contain no other keyword (a longer one adds nothing to a substring test)."""
    ordered = sorted(set(words), key=len)
    kept: list[str] = []
    for word in ordered:
        if not any(k in word for k in kept):
            kept.append(word)
    return sorted(kept)


# Rough frequency (per mille) of characters in lower-cased log text; unknown characters are rare.
_FREQ = dict(
    zip(
        " etaoinsrhldcum0123456789:./-=\"[],_()fgypwbvk'{}jxqz",
        (
            180,
            100,
            70,
            65,
            62,
            60,
            58,
            56,
            50,
            30,
            35,
            30,
            27,
            24,
            22,
            *(30,) * 10,
            25,
            25,
            20,
            18,
            12,
            12,
            10,
            10,
            8,
            8,
            8,
            18,
            16,
            16,
            15,
            14,
            13,
            10,
            8,
            5,
            5,
            4,
            3,
            2,
            2,
            1,
            1,
        ),
        strict=True,
    )
)


def anchor_index(word: str) -> int:
    """Index of the word's rarest character: matching starts there, so the engine's
    first-character scan skips most positions of a line."""
    return min(range(len(word)), key=lambda i: (_FREQ.get(word[i], 1), -i))


def _trie(pairs: list[tuple[str, str]]) -> str:
    # pairs: (text matched from the anchor on, whole keyword checked by a lookbehind at the end)
    tree: dict[str, object] = {}
    for rest, word in pairs:
        node = tree
        for ch in rest:
            node = node.setdefault(ch, {})  # type: ignore[assignment]
        node.setdefault("", []).append(word)  # type: ignore[union-attr]

    def emit(node: dict[str, object]) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]  # type: ignore[arg-type]
        ends = node.get("", [])
        branches += ["(?<=" + re.escape(word) + ")" for word in ends]  # type: ignore[union-attr]
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return emit(tree)


def keyword_regex(words: Iterable[str]) -> re.Pattern[str]:
    """One regex that finds, in a lower-cased line, any of ``words``.

    Each keyword is matched from its rarest character, with a lookbehind for the
    whole keyword, so the regex starts with a small set of rare characters and
    the engine scans lines quickly.
    """
    pairs = [(word[anchor_index(word) :], word) for word in minimal_keywords(words)]
    return re.compile(_trie(pairs))


# Cost model of one scan (nanoseconds per text character, ``freq`` per mille): the engine's
# literal-prefix loop costs about 0.35 ns a character, and every occurrence of the anchor
# character about 20 ns more (a call into the matcher that usually fails on the next character).
_PASS_COST = 0.35
_HIT_COST = 0.02
# Characters after the anchor checked as character classes before the keyword trie.
_CLASS_DEPTH = 2


def _anchor_positions(word: str) -> list[int]:
    # Positions followed by _CLASS_DEPTH characters (all of them for a short word).
    depth = min(_CLASS_DEPTH, len(word) - 1)
    return list(range(len(word) - depth))


def _anchor_cover(words: list[str]) -> list[str]:
    """Anchor characters such that every word has one at an anchor position: greedy weighted set cover."""
    chosen: list[str] = []
    uncovered = {w: {w[i] for i in _anchor_positions(w)} for w in words}
    while uncovered:
        chars = sorted(set().union(*uncovered.values()))
        best = min(
            chars,
            key=lambda ch: (_PASS_COST + _HIT_COST * _FREQ.get(ch, 1)) / sum(ch in s for s in uncovered.values()),
        )
        chosen.append(best)
        uncovered = {w: s for w, s in uncovered.items() if best not in s}
    return chosen


def _follow_cost(word: str, i: int) -> int:
    # Among anchor positions, prefer the one followed by the rarest characters.
    return sum(_FREQ.get(ch, 1) for ch in word[i + 1 : i + 1 + _CLASS_DEPTH])


def _classes_then_trie(placed: list[tuple[int, str]], depth: int) -> str:
    classes = ""
    for k in range(depth):
        chars = sorted({word[i + 1 + k] for i, word in placed})
        classes += re.escape(chars[0]) if len(chars) == 1 else "[" + "".join(re.escape(c) for c in chars) + "]"
    return classes + _trie([(word[i + 1 + depth :], word) for i, word in placed])


def _pass_regex(anchor: str, placed: list[tuple[int, str]]) -> str:
    # Keywords with fewer characters after the anchor get their own (shallower) alternative.
    by_depth: dict[int, list[tuple[int, str]]] = {}
    for i, word in placed:
        by_depth.setdefault(min(_CLASS_DEPTH, len(word) - i - 1), []).append((i, word))
    parts = [_classes_then_trie(group, depth) for depth, group in sorted(by_depth.items(), reverse=True)]
    return re.escape(anchor) + (parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")")


class KeywordScanner:
    """Finds which lines of a large text contain any of ``words`` (lower-case literals).

    One regex per anchor character (a small set of characters that every keyword
    contains), each starting with that literal character: the engine then skips
    to the anchor's occurrences with a tight loop, checks the next characters as
    character classes and only then tries the keywords' tails, each confirmed by a
    lookbehind for the whole keyword. That scans megabytes far faster than one
    alternation starting with a character class, which the engine tests at every
    position.
    """

    def __init__(self, words: Iterable[str]) -> None:
        kept = minimal_keywords(words)
        if not kept or min(len(w) for w in kept) < 1:
            raise ValueError("no keywords to scan for")
        anchors = _anchor_cover(kept)
        groups: dict[str, list[tuple[int, str]]] = {}
        for word in kept:
            here = [i for i in _anchor_positions(word) if word[i] in anchors]
            i = min(here, key=lambda i: (anchors.index(word[i]), _follow_cost(word, i)))
            groups.setdefault(word[i], []).append((i, word))
        self.regexes = tuple(re.compile(_pass_regex(a, placed)) for a, placed in groups.items())

    def lines(self, text: str) -> list[int]:
        """Sorted indices of the ``\\n``-separated lines of (lower-cased) ``text`` holding a keyword."""
        starts = sorted({m.start() for rx in self.regexes for m in rx.finditer(text)})
        found: list[int] = []
        line, pos = 0, 0
        for start in starts:
            line += text.count("\n", pos, start)
            pos = start
            if not found or found[-1] != line:
                found.append(line)
        return found
