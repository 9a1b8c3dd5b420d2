"""Fast matching of log lines against the pattern library.

Patterns are tried in priority order:

1. specific patterns of the detected kinds;
2. specific patterns of the other service kinds (an app's log often quotes its
   database's errors, e.g. ``FATAL: password authentication failed``);
3. specific docker and application patterns;
4. specific general patterns (skipped on lines that declare an info/debug level);
5. generic catch-alls (``any Python exception line``), detected kinds first.

Within a group, library order decides. Speed comes from keywords derived from
the regexes themselves (literals every match must contain, see ``keywords``):
one cheap regex rejects most healthy lines, and for the rest only the patterns
whose keywords occur in the line are run. No line a pattern would match is
ever skipped. ``match_words`` serves a caller that already knows the line's
keywords (the analyzer's skimmer); on an ASCII line, a pattern's regex only runs
when the literals it needs (``literal_check``) are all there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from dozor.analysis.keywords import (
    anchor_index,
    keyword_regex,
    literal_check,
    minimal_keywords,
    required_keywords,
)
from dozor.analysis.patterns import APP_KINDS, PATTERNS, SERVICE_KINDS, Pattern

# A line that declares a low level in its first characters; general patterns skip it.
#   \b(?:INFO|DEBUG|TRACE|NOTICE)\b
#   |(?i:\[(?:info|debug|notice)\]|\blevel=(?:info|debug|trace)\b|"level":\s*"(?:info|debug|trace)")
# spelt so that every alternative starts with a plain character (the word boundary before it is
# a lookbehind): the engine then only tries the positions holding one of them.
_INFO_LEVEL = re.compile(
    r"I(?<!\wI)NFO\b|D(?<!\wD)EBUG\b|T(?<!\wT)RACE\b|N(?<!\wN)OTICE\b"
    r"|\[(?i:info|debug|notice)\]"
    r"|l(?<!\wl)(?i:evel=(?:info|debug|trace))\b|L(?<!\wL)(?i:evel=(?:info|debug|trace))\b"
    r'|"(?i:level":\s*"(?:info|debug|trace)")'
)
_LEVEL_WINDOW = 100


def _requirements() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for pattern in PATTERNS:
        needed = required_keywords(pattern.regex)
        if needed is None:
            raise ValueError(f"pattern {pattern.id} has no literal the prefilter can key on")
        out[pattern.id] = needed
    return out


_REQUIRED = _requirements()
PATTERN_KEYWORDS: frozenset[str] = frozenset(minimal_keywords(w for ws in _REQUIRED.values() for w in ws))
_PREFILTER = keyword_regex(PATTERN_KEYWORDS)
_COMPILED: dict[str, re.Pattern[str]] = {p.id: p.compile() for p in PATTERNS}


# On an ASCII line, lower() is plain ASCII lower-casing, so a missing literal proves that a
# pattern's regex (case-insensitive or not) cannot match: much cheaper than running it.
_MAY_MATCH: dict[str, Callable[[str], bool]] = {p.id: literal_check(p.regex) for p in PATTERNS}


def _buckets() -> tuple[tuple[str, tuple[str, ...]], ...]:
    # anchor character -> keywords. A keyword is only looked for when its (rare) anchor
    # character is in the line.
    grouped: dict[str, list[str]] = {}
    for kw in sorted(PATTERN_KEYWORDS):
        grouped.setdefault(kw[anchor_index(kw)], []).append(kw)
    return tuple((ch, tuple(words)) for ch, words in sorted(grouped.items()))


_BUCKETS = _buckets()
# keyword -> ids of the patterns that cannot match without it.
_NEEDING = {
    kw: frozenset(pid for pid, req in _REQUIRED.items() if any(kw in r for r in req)) for kw in PATTERN_KEYWORDS
}


def _ordered(kinds: Iterable[str]) -> list[Pattern]:
    order = list(kinds)
    return sorted((p for p in PATTERNS if p.kind in order), key=lambda p: order.index(p.kind))


@lru_cache(maxsize=64)
def _priority(kinds: tuple[str, ...] | None) -> tuple[dict[str, int], frozenset[str]]:
    """Pattern id -> rank (lower wins), and the ids skipped on info-level lines."""
    detected = tuple(k for k in kinds or () if k != "general")
    services = [k for k in SERVICE_KINDS if k not in detected]
    apps = ["docker", *(k for k in APP_KINDS if k not in detected)]
    order = [
        *(p for p in _ordered(detected) if not p.generic),
        *(p for p in _ordered(services) if not p.generic),
        *(p for p in _ordered(apps) if not p.generic),
        *(p for p in _ordered(["general"]) if not p.generic),
        *(p for p in _ordered([*detected, *services, *apps, "general"]) if p.generic),
    ]
    gated = frozenset(p.id for p in PATTERNS if p.kind == "general")
    return {p.id: i for i, p in enumerate(order)}, gated


def normalise_kinds(kinds: str | Iterable[str] | None) -> tuple[str, ...] | None:
    """Turn ``None`` / one kind / several kinds into the tuple form the matcher caches on."""
    if kinds is None:
        return None
    if isinstance(kinds, str):
        return (kinds,)
    return tuple(kinds) or None


def is_info_level(line: str) -> bool:
    """True when the line declares an info/debug/trace/notice level near its start."""
    return _INFO_LEVEL.search(line, 0, _LEVEL_WINDOW) is not None


class Matcher:
    """Pattern matching for one set of detected kinds (see the module docstring for the order)."""

    def __init__(self, kinds: str | Iterable[str] | None = None) -> None:
        self._rank, self._gated = _priority(normalise_kinds(kinds))

    def match(self, line: str, info: bool | None = None) -> Pattern | None:
        """The pattern explaining ``line``, or None. ``info``: the line's event declares a low level
        (info/debug/trace/notice; general patterns are skipped); None: look for one near its start."""
        low = line.lower()
        if _PREFILTER.search(low) is None:
            return None
        return self.match_lowered(line, low, info)

    def match_lowered(self, line: str, low: str, info: bool | None = None) -> Pattern | None:
        """Like ``match``, for a caller that has ``line.lower()`` and already ran a prefilter."""
        candidates: set[str] = set()
        for anchor, keywords in _BUCKETS:
            if anchor in low:
                for keyword in filter(low.__contains__, keywords):
                    candidates |= _NEEDING[keyword]
        return self._first(line, low, candidates, info)

    def match_texts(
        self, texts: Iterable[str], info: bool | None = None, words: Iterable[str] | None = None
    ) -> tuple[Pattern, str] | None:
        """The best-ranked pattern explaining any of ``texts`` (an event's message, its other deciding
        lines, its whole line) and the text it explains; on a tie, the earlier text. ``words``: keywords
        every text holds at most (see ``match_words``), when known."""
        best: tuple[Pattern, str] | None = None
        for text in texts:
            pattern = self.match(text, info) if words is None else self.match_words(text, words, info)
            if pattern is not None and (best is None or self._rank[pattern.id] < self._rank[best[0].id]):
                best = (pattern, text)
        return best

    def match_words(self, line: str, words: Iterable[str], info: bool | None = None) -> Pattern | None:
        """Like ``match``, for a caller that knows which keywords the lower-cased line holds (a superset
        of them is fine): literals such that every pattern keyword in the line contains one."""
        low = line.lower()
        candidates: set[str] = set()
        if line.isascii():
            # Only patterns one of whose required literals is in the line can match.
            for word in words:
                for literal, ids in _literals_containing(word):
                    if literal in low:
                        candidates |= ids
        else:
            for word in words:
                for keyword in filter(low.__contains__, _keywords_containing(word)):
                    candidates |= _NEEDING[keyword]
        return self._first(line, low, candidates, info)

    def _first(self, line: str, low: str, candidates: set[str], info: bool | None = None) -> Pattern | None:
        if not candidates:
            return None
        ascii_line = line.isascii()
        for pid in sorted(candidates, key=self._rank.__getitem__):
            if pid in self._gated:
                if info is None:
                    info = is_info_level(line)
                if info:
                    continue
            if ascii_line and not _MAY_MATCH[pid](low):
                continue
            if _COMPILED[pid].search(line):
                return _BY_ID[pid]
        return None


def may_match(low: str, words: Iterable[str]) -> bool:
    """False when no pattern can match the ASCII line whose lower-cased form is ``low`` and which holds no
    pattern keyword but ``words`` (a superset is fine): the literals every match needs are not all there."""
    ids: set[str] = set()
    for word in words:
        for literal, needing in _literals_containing(word):
            if literal in low:
                ids |= needing
    return any(_MAY_MATCH[pid](low) for pid in ids)


@lru_cache(maxsize=1024)
def _keywords_containing(word: str) -> tuple[str, ...]:
    return tuple(kw for kw in sorted(PATTERN_KEYWORDS) if word in kw)


@lru_cache(maxsize=1024)
def _literals_containing(word: str) -> tuple[tuple[str, frozenset[str]], ...]:
    # (required literal holding ``word``, ids of the patterns requiring it), see _requirements.
    literals = sorted({lit for req in _REQUIRED.values() for lit in req if word in lit})
    return tuple((lit, frozenset(pid for pid, req in _REQUIRED.items() if lit in req)) for lit in literals)


_BY_ID: dict[str, Pattern] = {p.id: p for p in PATTERNS}


@lru_cache(maxsize=64)
def _matcher(kinds: tuple[str, ...] | None) -> Matcher:
    return Matcher(kinds)


def match_line(line: str, kinds: str | Iterable[str] | None = None) -> Pattern | None:
    """The library pattern that explains ``line``, or None.

    ``kinds`` are the detected service kinds of the container (``None`` when
    unknown); their patterns win over every other kind's.
    """
    return _matcher(normalise_kinds(kinds)).match(line)


def passes_prefilter(line: str) -> bool:
    """True when the keyword prefilter lets ``line`` through to the regexes."""
    return _PREFILTER.search(line.lower()) is not None
