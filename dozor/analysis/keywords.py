"""Keyword prefilters derived from regexes: literals a regex cannot match without.

``required_keywords(r"foo\\d+bar|baz(?:qux|quux)")`` returns ``{"bar", "qux", "quux"}``
or a similar set: whenever the regex matches, one of the (lower-cased) keywords
is a substring of the (lower-cased) line. Checking those keywords first with
one trie-shaped regex is much cheaper than running dozens of full patterns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from operator import itemgetter

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




# A necessary condition on the (lower-cased) text a regex matches: ("in", literal),
# ("all", conditions) or ("any", conditions).
Condition = tuple[str, object]
_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT)


def _literals(spellings: set[str]) -> Condition | None:
    if "" in spellings:
        return None
    conditions: list[Condition] = [("in", s.lower()) for s in sorted(spellings)]
    return conditions[0] if len(conditions) == 1 else ("any", conditions)


def _condition(items: Iterable[tuple[object, object]]) -> Condition | None:
    parts: list[Condition | None] = []
    # Literal strings the current stretch may spell; a branch of pure literals
    # multiplies them (the parser factors "Error|Exit" into "E" + "rror|xit").
    current: set[str] = {""}
    for op, av in items:
        if op is _c.LITERAL:
            current = {s + chr(av) for s in current}  # type: ignore[arg-type]
            continue
        if op is _c.BRANCH:
            words = [_pure_literal(alt) for alt in av[1]]  # type: ignore[index]
            if all(w is not None for w in words) and len(current) * len(words) <= _MAX_SET:
                current = {s + w for s in current for w in words}  # type: ignore[operator]
                continue
        parts.append(_literals(current))
        current = {""}
        if op is _c.BRANCH:
            alternatives = [_condition(alt) for alt in av[1]]  # type: ignore[index]
            if all(alternatives):
                parts.append(("any", alternatives))
        elif op is _c.SUBPATTERN:
            parts.append(_condition(av[3]))  # type: ignore[index]
        elif op in _REPEATS and av[0] >= 1:  # type: ignore[index]
            parts.append(_condition(av[2]))  # type: ignore[index]
    parts.append(_literals(current))
    kept = [p for p in parts if p is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else ("all", kept)


def _source(condition: Condition) -> str:
    kind, arg = condition
    if kind == "in":
        return f"{arg!r} in low"
    joiner = " and " if kind == "all" else " or "
    return "(" + joiner.join(_source(c) for c in arg) + ")"  # type: ignore[attr-defined]


def _keywords(condition: Condition | None) -> set[str] | None:
    """The best single set of literals one of which the text must contain (see ``_score``)."""
    if condition is None:
        return None
    kind, arg = condition
    if kind == "in":
        return {arg} if len(arg) >= _MIN_LEN else None  # type: ignore[arg-type]
    sets = [_keywords(c) for c in arg]  # type: ignore[attr-defined]
    if kind == "any":
        return set().union(*sets) if all(sets) else None  # type: ignore[arg-type]
    best: set[str] | None = None
    for req in sets:  # "all": any one requirement will do; keep the rarest (first of equals)
        if req and (best is None or _score(req) > _score(best)):
            best = req
    return best


def required_keywords(regex: str) -> set[str] | None:
    """Lower-case literals one of which every match of ``regex`` contains; None if there are none."""
    try:
        return _keywords(_condition(_parser.parse(regex, 0).data))
    except re.error:
        return None


def literal_check(regex: str) -> Callable[[str], bool]:
    """A test of a lower-cased line that is False only when ``regex`` (case-insensitive or not) cannot
    match the line (assuming plain ASCII lower-casing): the literals its matches need, as and/or."""
    try:
        condition = _condition(_parser.parse(regex, 0).data)
    except re.error:
        condition = None
    if condition is None:
        return lambda low: True
    # One expression of ``in`` tests: several times faster than nested closures.
    return eval("lambda low: " + _source(condition), {})  # type: ignore[no-any-return]


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


def _trie(pairs: list[tuple[str, str]], marks: list[str] | None = None) -> str:
    # pairs: (text matched from the anchor on, whole keyword checked by a lookbehind at the end).
    # With ``marks``, an empty group follows each lookbehind; marks[n - 1] is group n's keyword.
    tree: dict[str, object] = {}
    for rest, word in pairs:
        node = tree
        for ch in rest:
            node = node.setdefault(ch, {})  # type: ignore[assignment]
        node.setdefault("", []).append(word)  # type: ignore[union-attr]

    def emit(node: dict[str, object]) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]  # type: ignore[arg-type]
        for word in node.get("", []):  # type: ignore[union-attr]
            branches.append("(?<=" + re.escape(word) + ")" + ("()" if marks is not None else ""))
            if marks is not None:
                marks.append(word)
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


# The most frequent letter pairs of English text (most log text is English words); pairs with
# a space or two digits are common in any log too.
_COMMON_PAIRS = frozenset(
    re.findall(
        "..", "thheineranreonatenndtiesorteofedisitalarsttontngsehaasouiolevecomedehiriroicneearacelichllbemasiomur"
    )
)
# Cost model of one scan pass, in nanoseconds per text character (frequencies per mille): the
# engine's loop to the pass's first character costs about 0.6 ns a character, but fewer passes
# measured better than that suggests (weigh each as 3 ns); every occurrence of the first
# character costs about 20 ns (a call into the matcher, which the next character usually ends),
# and every occurrence followed by one of the pass's second characters about 30 ns more.
# Compared on log text by instruction counts (callgrind): better than the alternatives tried.
_PASS_COST = 3.0
_HIT_COST = 0.02
_PAIR_COST = 0.03
# Characters after the anchor checked as character classes before the keyword trie.
_CLASS_DEPTH = 2


def _pair_freq(pair: str) -> float:
    """Rough frequency (per mille) of a character pair in log text."""
    a, b = pair[0], pair[1:] or " "
    common = pair in _COMMON_PAIRS or " " in (a, b) or (a.isdigit() and b.isdigit())
    return _FREQ.get(a, 1) * (0.25 if common else 0.02)


def _anchor_positions(word: str) -> list[int]:
    # Positions followed by _CLASS_DEPTH characters (all of them for a short word).
    depth = min(_CLASS_DEPTH, len(word) - 1)
    return list(range(len(word) - depth))


def _pass_cost(ch: str, words: list[str]) -> float:
    """Modelled cost of a pass anchored on ``ch`` for ``words``, per word it serves."""
    pairs = {min((w[i : i + 2] for i in _anchor_positions(w) if w[i] == ch), key=_pair_freq) for w in words}
    return (_PASS_COST + _HIT_COST * _FREQ.get(ch, 1) + _PAIR_COST * sum(map(_pair_freq, pairs))) / len(words)


def _anchor_cover(words: list[str]) -> list[str]:
    """Anchor characters such that every word has one at an anchor position: greedy weighted set cover."""
    chosen: list[str] = []
    uncovered = list(words)
    while uncovered:
        covered: dict[str, list[str]] = {}
        for w in uncovered:
            for ch in {w[i] for i in _anchor_positions(w)}:
                covered.setdefault(ch, []).append(w)
        best = min(sorted(covered), key=lambda ch: _pass_cost(ch, covered[ch]))
        chosen.append(best)
        uncovered = [w for w in uncovered if w not in covered[best]]
    return chosen


def _classes_then_trie(placed: list[tuple[int, str]], depth: int, marks: list[str]) -> str:
    classes = ""
    for k in range(depth):
        chars = sorted({word[i + 1 + k] for i, word in placed})
        classes += re.escape(chars[0]) if len(chars) == 1 else "[" + "".join(re.escape(c) for c in chars) + "]"
    return classes + _trie([(word[i + 1 + depth :], word) for i, word in placed], marks)


def _pass_regex(anchor: str, placed: list[tuple[int, str]], marks: list[str]) -> str:
    # Keywords with fewer characters after the anchor get their own (shallower) alternative.
    by_depth: dict[int, list[tuple[int, str]]] = {}
    for i, word in placed:
        by_depth.setdefault(min(_CLASS_DEPTH, len(word) - i - 1), []).append((i, word))
    parts = [_classes_then_trie(group, depth, marks) for depth, group in sorted(by_depth.items(), reverse=True)]
    return re.escape(anchor) + (parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")")


def _compatible(a: str, ia: int, b: str, ib: int) -> bool:
    # Can ``b``'s character ib lie on ``a``'s character ia in some text? Only if they agree
    # wherever they overlap.
    shift = ia - ib  # b[k] lies on a[k + shift]
    return all(a[k + shift] == ch for k, ch in enumerate(b) if 0 <= k + shift < len(a))


def _hidden(placed: list[tuple[int, str]], ia: int, a: str) -> frozenset[str]:
    # A match consumes its keyword from the anchor on, so another keyword of the same pass whose
    # anchor falls there is not tried: report it with the found one (it may be in the text).
    return frozenset(
        {a} | {b for ib, b in placed if any(a[j] == a[ia] and _compatible(a, j, b, ib) for j in range(ia, len(a)))}
    )


class _Hidden(dict):  # type: ignore[type-arg]
    """word -> the keywords its match may hide, worked out on first use (most words never match a given log,
    and working them all out took a fifth of a second at every start)."""

    def __init__(self, placed: list[tuple[int, str]]) -> None:
        super().__init__()
        self.placed = placed
        self.at = {word: i for i, word in placed}

    def __missing__(self, word: str) -> frozenset[str]:
        value = self[word] = _hidden(self.placed, self.at[word], word)
        return value


class KeywordScanner:
    """Finds which lines of a large text contain any of ``words`` (lower-case literals), and which words.

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
        if not kept:
            raise ValueError("no keywords to scan for")
        anchors = _anchor_cover(kept)
        groups: dict[str, list[tuple[int, str]]] = {}
        for word in kept:
            here = [i for i in _anchor_positions(word) if word[i] in anchors]
            i = min(here, key=lambda i: (anchors.index(word[i]), _pair_freq(word[i : i + 2])))
            groups.setdefault(word[i], []).append((i, word))
        self._passes: list[tuple[re.Pattern[str], list[str], _Hidden]] = []
        for anchor, placed in groups.items():
            marks: list[str] = []
            regex = re.compile(_pass_regex(anchor, placed, marks))
            self._passes.append((regex, ["", *marks], _Hidden(placed)))

    def hits(self, text: str) -> list[tuple[int, str, frozenset[str]]]:
        """Matches in (lower-cased) ``text`` by position: each with the keyword found, and that keyword
        with any keyword the match may hide, so a line's hits tell all the keywords it holds (maybe a
        few more). Every line holding a keyword has a hit; a match never spans a line break."""
        found = []
        for rx, marks, hidden in self._passes:
            for m in rx.finditer(text):
                word = marks[m.lastindex]  # type: ignore[index]
                found.append((m.start(), word, hidden[word]))
        found.sort(key=itemgetter(0))
        return found

    def lines(self, text: str) -> list[int]:
        """Sorted indices of the ``\\n``-separated lines of (lower-cased) ``text`` holding a keyword."""
        found: list[int] = []
        line, pos = 0, 0
        for start, _, _ in self.hits(text):
            line += text.count("\n", pos, start)
            pos = start
            if not found or found[-1] != line:
                found.append(line)
        return found
