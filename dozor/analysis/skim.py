"""Skimming a chunk of log lines for the few the exact per-line analysis has to see.

Most lines of a log are routine: access-log requests answered normally, and messages
without any keyword a pattern or an error report needs. Per line, the analyzer would
do nothing with them but count them. The skimmer finds the other lines with a few
scans over the whole chunk joined into one text, instead of several regex calls per
line; the analyzer then feeds only those (and the lines after them while a traceback
or stack trace is open) through its exact per-line path. The tests check that both
paths give the same results.

A line is routine when it is

- a combined/common log format request (not starting with ``{``) with a well-formed
  method that is not ``CONNECT``, a path that is not an absolute URL and holds none
  of the probe keywords (``/.env``, ``.php`` ...), no backslash or quote in the
  request, and a status the analyzer ignores: it only counts as one access request;
- or any other line that holds none of the analyzer's keywords (lower-cased), cannot be a
  traefik/caddy JSON access record, and is not a JSON line with a backslash, a pino/bunyan error
  level (50, 60), a status key holding a status the analyzer reports, a probe path or CONNECT.

The keyword scan also tells which keywords each line holds, so the exact path
need not look for them again.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate, compress, repeat
from operator import add, contains, not_

from dozor.analysis.keywords import KeywordScanner, minimal_keywords
from dozor.analysis.scanners import probe_keywords

# Lines skimmed at a time: the joined texts stay small enough (about 100-200 KB) for the
# allocator to reuse their memory from chunk to chunk instead of mapping fresh pages.
CHUNK = 2048


def _route_regex(statuses: Iterable[int]) -> re.Pattern[str]:
    # The access-log parser's combined/common format (scanners._CLF), restricted to routine
    # requests. Applied after a newline, it matches one whole line head or nothing; group 1
    # is "METHOD path". Possessive quantifiers: the parser's backtracking could not succeed
    # differently here, and without it a long odd line costs quadratic time.
    skipped = "|".join(str(s) for s in sorted(statuses))
    return re.compile(
        r'\n(?:(?!\{)\S++ \S++ \S++ \[[^\]\n]++\] "(?!CONNECT )([A-Z]{3,10}+ (?!https?://)[^ "\\\n]*+)[^"\\\n]*+" '
        rf"(?!(?:{skipped}) )[0-9]{{3}} )?"
    )


# scanners.parse_access_line only decodes lines starting with "{" that hold '"DownstreamStatus"'
# or '"status"'; a record needs the key DownstreamStatus (traefik) or request (caddy), spelt out
# unless the line uses JSON escapes. The keyword scan looks for the two markers too (any line
# holding one is a candidate). When a chunk's first characters show one, the chunk's records
# are set apart before the scan instead: they are long, and each needs the exact path anyway.
_JSON_MARKERS = frozenset(('"downstreamstatus"', '"request"'))
_JSON_SIGNS = ('"DownstreamStatus"', '"request"')
_SAMPLE = 65536


# An application's JSON line (events._generic_access) has an access part when it has a status key and a
# method or path key; the analyzer only reports its status (429, 5xx, scanner requests excepted) and
# counts it in no request total, so the skimmer need not tell whether a JSON line has one: it finds those
# with a status the analyzer reports, and those with a pino/bunyan error level (50, 60). Each regex
# starts with a literal, which the engine finds fast.
_NUMERIC_ERROR_LEVEL = re.compile(r'level"[ \t]*:[ \t]*(?:[5-9][0-9]|[1-9][0-9]{2,})')


def _maybe_json_access(line: str) -> bool:
    return '"DownstreamStatus"' in line or ('"status"' in line and ('"request"' in line or "\\" in line))


def _escaped_json_status(line: str) -> bool:
    return line[:1] == "{" and ('"status"' in line or '"DownstreamStatus"' in line)


@dataclass(frozen=True, slots=True)
class Skim:
    """What the skimmer found in a chunk."""

    candidates: list[int]
    """Sorted indices of the lines the exact path must see."""
    plain_requests: int
    """How many lines are access-log requests in plain form (routine or not, each counts as one request)."""
    access_lines: list[int]
    routes: list[str]
    words: dict[int, frozenset[str]]
    """Line index -> the keywords it holds (maybe a few more), for the lines found by keyword."""
    forced: frozenset[int] = frozenset()
    """The candidates found for another reason than a keyword (an access or JSON line to read)."""

    def is_plain_request(self, index: int) -> bool:
        """True when line ``index`` is one of the plain-form access requests."""
        k = bisect_left(self.access_lines, index)
        return k < len(self.access_lines) and self.access_lines[k] == index and self.routes[k] != ""


class Skimmer:
    """Finds the lines of a chunk that are not routine (see the module docstring)."""

    def __init__(self, keywords: Iterable[str], statuses: Iterable[int]) -> None:
        words = set(keywords)
        if minimal_keywords(words | _JSON_MARKERS) != sorted(minimal_keywords(words) + list(_JSON_MARKERS)):
            raise ValueError("a JSON marker overlaps an analyzer keyword")
        self._keywords = KeywordScanner(words | _JSON_MARKERS)
        self._probes = KeywordScanner(probe_keywords())
        self._route = _route_regex(statuses)
        reported = "|".join(str(s) for s in sorted(statuses))
        self._json_status = [
            re.compile(rf'{key}"[ \t]*:[ \t]*"?(?:{reported})(?![0-9])') for key in ("status", "status_code")
        ]

    def skim(self, lines: list[str]) -> Skim:
        """Skim ``lines`` (one chunk)."""
        found = self._skim(lines, [])
        if found is None:
            # A line ends with a line break, or holds one inside: skim the lines as the exact
            # path sees them, and leave those with a break inside to it entirely.
            lines = [line.rstrip("\r\n") for line in lines]
            odd = [i for i, line in enumerate(lines) if "\n" in line]
            for i in odd:
                lines[i] = ""
            found = self._skim(lines, odd)
            assert found is not None
        return found

    def _skim(self, lines: list[str], candidates: list[int]) -> Skim | None:
        # Per-line tests through map/compress: the loops run in C.
        n = len(lines)
        access_flags = list(map(contains, lines, repeat('] "')))
        other_flags = list(map(not_, access_flags))
        access = list(compress(range(n), access_flags))
        other = list(compress(range(n), other_flags))
        routes = self._route.findall("\n" + "\n".join(compress(lines, access_flags))) if access else []
        if len(routes) != len(access):
            return None  # a line break inside a request line
        if "" in routes:
            candidates.extend(access[k] for k, route in enumerate(routes) if not route)
        candidates.extend(access[k] for k in self._probes.lines("\n".join(routes).lower()))
        text = "\n".join(compress(lines, other_flags))
        if any(text.find(sign, 0, _SAMPLE) >= 0 for sign in _JSON_SIGNS):
            # Traefik/caddy JSON access records here: set them apart before the keyword scan
            # (each needs the exact path anyway, and these long lines are costly to scan).
            records = [i for i in other if lines[i][:1] == "{" and _maybe_json_access(lines[i])]
            if records:
                candidates.extend(records)
                for i in records:
                    other_flags[i] = False
                other = list(compress(range(n), other_flags))
                text = "\n".join(compress(lines, other_flags))
        if "\\" in text:
            escaped = (i for i in other if "\\" in lines[i] and _escaped_json_status(lines[i]))
            candidates.extend(escaped)
        if text[:1] == "{" or "\n{" in text:
            readers = self._json_lines(lines, other, other_flags)
            if readers is None:
                return None
            candidates.extend(readers)
        forced = frozenset(candidates)
        low = text.lower()
        hits = self._keywords.hits(low)
        words: dict[int, frozenset[str]] = {}
        if hits:
            if text.count("\n") == len(other) - 1:
                # Lower-casing keeps the line breaks: count them.
                at = [other[k] for k in _lines_of(low, [start for start, _, _ in hits])]
            elif len(low) == len(text):
                # A line holds a line break, and lower-casing kept every offset: map positions
                # to lines by the lines' start offsets.
                ends = list(accumulate(map(add, map(len, compress(lines, other_flags)), repeat(1))))
                at = [other[bisect_right(ends, start)] for start, _, _ in hits]
            else:
                return None
            for index, (_, word, found) in zip(at, hits, strict=True):
                if word in _JSON_MARKERS:
                    candidates.append(index)
                    forced |= {index}
                else:
                    # A marker among them does no harm: no pattern needs it.
                    words[index] = words[index] | found if index in words else found
            candidates.extend(words)
        candidates = sorted(set(candidates))
        return Skim(candidates, len(routes) - routes.count(""), access, routes, words, forced)

    def _json_lines(self, lines: list[str], other: list[int], other_flags: list[bool]) -> list[int] | None:
        """The JSON object lines among ``other`` that the exact path must read (see above), and those with
        a backslash (an escape may hide a keyword, a level or a key); None when a line holds a line break."""
        olines = list(compress(lines, other_flags))
        flags = list(map(str.startswith, olines, repeat("{")))
        index = list(compress(other, flags))
        found = list(compress(olines, flags))
        text = "\n".join(found)
        if text.count("\n") != len(found) - 1:
            return None
        starts: list[int] = []
        for regex, literal in (
            (_NUMERIC_ERROR_LEVEL, 'level"'),
            (self._json_status[0], 'status"'),
            (self._json_status[1], 'status_code"'),
        ):
            if literal in text:
                starts.extend(m.start() for m in regex.finditer(text))
        for literal in ("\\",):
            at = text.find(literal)
            while at >= 0:
                starts.append(at)
                at = text.find(literal, text.find("\n", at) + 1 or len(text))
        out = [index[k] for k in _lines_of(text, sorted(starts))]
        return out


def _lines_of(text: str, starts: list[int]) -> list[int]:
    found: list[int] = []
    line, pos = 0, 0
    for start in starts:
        line += text.count("\n", pos, start)
        pos = start
        found.append(line)
    return found
