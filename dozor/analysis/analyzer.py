"""Analysis of one container's log lines: findings, unexplained errors, 5xx bursts, scanners.

Pure code: the caller supplies ``(timestamp, line)`` pairs (timestamp None when
unknown) already split from ``docker logs --timestamps`` output.

The lines become events (``events``): a line, or a multi-line group counted once. An event's
access-record part goes to the HTTP analysis (5xx/429 findings, bursts, scanners) and its message
(with its error fields) to the pattern library, both for the same event. An event that no pattern
explains and that is an error (by its own level; without one, by its error words) is an
unexplained error, clustered by template.

``_Analyzer.feed`` is the exact per-line analysis. ``analyze_lines`` takes the lines in
chunks, lets the skimmer (``skim``) find the few that are not routine, and feeds only
those (and the lines after them while a multi-line group is open): same results.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Set
from datetime import datetime, timedelta
from functools import cache
from itertools import islice
from operator import itemgetter

from pydantic import BaseModel, Field

from dozor.analysis.cluster import EXAMPLE_LIMIT, Cluster, Clusterer
from dozor.analysis.events import (
    ERROR_LEVELS,
    EVENT_WORDS,
    JOIN,
    LOW_LEVELS,
    EventParser,
    LogEvent,
    declares_quiet_level,
    level_of,
)
from dozor.analysis.keywords import keyword_regex, minimal_keywords
from dozor.analysis.matcher import PATTERN_KEYWORDS, Matcher, is_info_level, may_match
from dozor.analysis.patterns import PATTERNS_BY_ID, Pattern
from dozor.analysis.scanners import AccessRecord, ScannerSummary, ScannerTracker, scanner_reason
from dozor.analysis.skim import CHUNK, Skimmer
from dozor.model.severity import Severity

UNCLASSIFIED = "unclassified"
BURST_ID = "http.5xx_burst"
BURST_THRESHOLD = 5
BURST_WINDOW = timedelta(seconds=60)
MAX_UNCLASSIFIED = 20

_ERROR_WORDS = ("error", "fatal", "exception", "panic", "critical", "crit", "emerg", "alert", "fail", "severe")
# Any line that can be a finding contains one of these (lower-cased); the rest are skipped cheaply.
# An event's level words and the words that open a multi-line group are keywords too: the skimmer
# then feeds every line that can decide an event.
_KEYWORDS = PATTERN_KEYWORDS | set(_ERROR_WORDS) | EVENT_WORDS
if any(JOIN.strip() in word for word in _KEYWORDS):
    raise ValueError("a keyword holds the separator of an event's message and error fields")
# The keywords the skimmer reports for a line holding an error word or an event word: a line found by
# keyword with none of these and none of its patterns' literals can only be counted (see feed_chunk).
_DECISIVE = frozenset(
    k for k in minimal_keywords(_KEYWORDS) if any(k in word for word in (*_ERROR_WORDS, *EVENT_WORDS))
)
_PREFILTER = keyword_regex(_KEYWORDS)
_ERRORISH = re.compile(
    r"\b(?:errors?|err|fatal|exceptions?|panic|critical|crit|emerg|alert|failed|failure|severe)\b", re.IGNORECASE
)
# Phrases that mention errors while reporting their absence or recovery.
_BENIGN = re.compile(
    r"\b(?:0|no|zero|without)\s+(?:errors?|failures?|exceptions?)\b"
    r"|\b(?:errors?|failures?|failed|exceptions?)\s*[=:]\s*0\b"
    r"|\berrors?\s+(?:cleared|resolved|recovered)\b|\bon[_ ]error\b",
    re.IGNORECASE,
)
# The same, for a lower-cased ASCII line, where they match exactly where the above do, faster:
# _ERRORISH spelt with each word's first letter leading (the boundary before it a lookbehind),
# so the engine only tries positions holding one of those letters.
_ERRORISH_LOW = re.compile(
    r"(?:e(?<!\we)(?:rrors?|rr|xceptions?|merg)|f(?<!\wf)(?:atal|ail(?:ed|ure))|p(?<!\wp)anic"
    r"|c(?<!\wc)rit(?:ical)?|a(?<!\wa)lert|s(?<!\ws)evere)\b"
)
_BENIGN_LOW = re.compile(_BENIGN.pattern)
_SEVERE_WORDS = re.compile(r"\b(?:fatal|panic|critical|crit|emerg|severe)\b", re.IGNORECASE)
_STATUS_PATTERN = {
    502: "general.http_bad_gateway",
    504: "general.http_bad_gateway",
    500: "general.http_server_error",
    503: "general.http_server_error",
    429: "general.rate_limited",
}
_BURST_STATUSES = frozenset((502, 504))

_NO_WORDS: frozenset[str] = frozenset()


@cache
def _skimmer() -> Skimmer:
    return Skimmer(_KEYWORDS, _STATUS_PATTERN)


class Finding(BaseModel):
    """One kind of problem seen in the log, with how often and when."""

    pattern_id: str = Field(description="Library pattern id, or 'unclassified' / 'http.5xx_burst'.")
    kind: str = Field(description="Service kind the pattern belongs to.")
    category: str
    severity: Severity
    meaning: str
    action: str
    count: int = Field(description="Occurrences; a whole multi-line traceback counts once.")
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    example: str = Field(description="The latest occurrence, cut to 300 characters.")
    template: str | None = Field(default=None, description="Normalised line, for unclassified findings.")


class Burst(BaseModel):
    """A run of 502/504 answers to non-scanner requests within the burst window."""

    count: int
    statuses: dict[int, int] = Field(description="Status code -> count inside the burst.")
    start: datetime | None = None
    end: datetime | None = None


class LogAnalysis(BaseModel):
    """Everything the analyzer found in a batch of log lines."""

    total_lines: int = 0
    critical: int = Field(default=0, description="Occurrences of critical findings (bursts not re-counted).")
    warning: int = Field(default=0, description="Occurrences of warning findings.")
    info: int = Field(default=0, description="Occurrences of info findings.")
    findings: list[Finding] = Field(default_factory=list, description="Most severe first, then most frequent.")
    unclassified: list[Cluster] = Field(
        default_factory=list, description="Error-like lines no pattern explains, grouped by template."
    )
    access_requests: int = Field(default=0, description="Lines parsed as web access-log requests.")
    bursts: list[Burst] = Field(default_factory=list)
    scanners: ScannerSummary = Field(default_factory=ScannerSummary)


def is_errorish(line: str) -> bool:
    """True for a line that reads like an error report (not ``0 errors`` / ``error_count=0`` / INFO prose)."""
    if line.isascii():
        low = line.lower()
        if _ERRORISH_LOW.search(low) is None or is_info_level(line):
            return False
        return _ERRORISH_LOW.search(_BENIGN_LOW.sub(" ", low)) is not None
    if _ERRORISH.search(line) is None or is_info_level(line):
        return False
    return _ERRORISH.search(_BENIGN.sub(" ", line)) is not None


def _inert(line: str, words: Set[str]) -> bool:
    """True for a line found by keyword that the exact path would only count: ASCII, without the literals
    its keywords' patterns need (a keyword inside a number, say), and no error or event word unless it is a
    flat JSON line declaring a level below error (an error word in a field name: ``"error_count":0``).
    Every text the patterns see of such a line is part of it."""
    if not line.isascii():
        return False
    if not words.isdisjoint(_DECISIVE) and (line[:1] != "{" or not declares_quiet_level(line)):
        return False
    return not may_match(line.lower(), words)


def _when(event: LogEvent) -> datetime | None:
    """When the event happened: the Docker timestamp, else the access record's time, else its own field."""
    if event.ts is not None:
        return event.ts
    return (event.access.time if event.access is not None else None) or event.time


def _is_error(event: LogEvent) -> bool:
    """An error by the event's own level; without one, by an error field or its error words."""
    level = level_of(event)
    if level is not None:
        return level in ERROR_LEVELS
    if event.errorish:
        return True
    return is_errorish(event.raw if event.format == "text" else event.message)


def without_benign(line: str) -> str:
    """``line`` with the phrases that report an absence of errors (``0 errors``, ``error=0``, ``on_error``)
    blanked out."""
    return _BENIGN.sub(" ", line)


class _Tally:
    """Aggregates occurrences per pattern id into findings."""

    def __init__(self) -> None:
        self.findings: dict[str, Finding] = {}

    def add(self, pattern: Pattern, line: str, ts: datetime | None) -> None:
        finding = self.findings.get(pattern.id)
        if finding is None:
            finding = Finding(
                pattern_id=pattern.id,
                kind=pattern.kind,
                category=pattern.category,
                severity=pattern.severity,
                meaning=pattern.meaning,
                action=pattern.action,
                count=0,
                example="",
            )
            self.findings[pattern.id] = finding
        _bump(finding, line, ts)


def _bump(finding: Finding, line: str, ts: datetime | None, count: int = 1) -> None:
    finding.count += count
    finding.example = line.strip()[:EXAMPLE_LIMIT]
    if ts is not None:
        if finding.first_seen is None or ts < finding.first_seen:
            finding.first_seen = ts
        if finding.last_seen is None or ts > finding.last_seen:
            finding.last_seen = ts


class _Analyzer:
    def __init__(self, kind: str | None, php_site: bool) -> None:
        self.matcher = Matcher(kind)
        self.php_site = php_site
        self.tally = _Tally()
        self.unmatched = Clusterer()
        self.scanners = ScannerTracker()
        self.total = 0
        self.access = 0
        self.gateway_errors: list[tuple[datetime | None, int]] = []
        self.parser = EventParser()
        self.held: tuple[str | None, Set[str] | None] = (None, None)

    def feed(self, ts: datetime | None, line: str, words: Set[str] | None = None) -> None:
        """Analyse one line. ``words``: the analyzer keywords the lower-cased line holds (a superset
        is fine; empty: none), when the caller found them already."""
        self.total += 1
        line = line.rstrip("\r\n")
        held, held_words = self.held  # the previous line, whose event may come out now
        self.held = (line, words)
        for event in self.parser.push(ts, line, False if words is not None and not words else None):
            raw = event.raw
            self._event(event, words if raw is line else held_words if raw is held else None)

    def feed_chunk(self, pairs: list[tuple[datetime | None, str]]) -> None:
        """``feed`` every pair, skipping the routine lines the skimmer finds (same results, much faster)."""
        skim = _skimmer().skim(list(map(itemgetter(1), pairs)))
        fed = routine_fed = 0
        done = 0  # lines before this one are fed or routine
        parser = self.parser
        for index in [*skim.candidates, len(pairs)]:
            # An open multi-line group takes the lines after it, routine or not.
            while done < index and parser.open:
                if not parser.continues(pairs[done][1].rstrip("\r\n")):
                    # The group ends here, and this routine line is nothing more than counted.
                    held, held_words = self.held
                    for event in parser.close():
                        self._event(event, held_words if event.raw is held else None)
                    break
                fed += 1
                routine_fed += skim.is_plain_request(done)
                ts, line = pairs[done]
                self.feed(ts, line, _NO_WORDS)  # a routine line holds no keyword
                done += 1
            if index < done or index == len(pairs):
                continue
            words = skim.words.get(index)
            if words is not None and index not in skim.forced and _inert(pairs[index][1], words):
                continue  # counted with the routine lines
            fed += 1
            routine_fed += skim.is_plain_request(index)
            ts, line = pairs[index]
            self.feed(ts, line, words)
            done = index + 1
        self.total += len(pairs) - fed
        self.access += skim.plain_requests - routine_fed

    def _event(self, event: LogEvent, words: Set[str] | None) -> None:
        """Count one event: its access part goes to the HTTP analysis, its message to the pattern library."""
        record = event.access
        explained = False
        if record is not None:
            self.access += event.access_log
            when = event.ts or record.time
            if scanner_reason(record.path, record.method, record.status, php_site=self.php_site):
                if event.access_log:  # an application's own request line: the proxy's log counts it
                    self.scanners.add(record, when)
                return
            pattern_id = _STATUS_PATTERN.get(record.status)
            if pattern_id is not None:
                explained = True
                self.tally.add(PATTERNS_BY_ID[pattern_id], _access_example(record), when)
                if record.status in _BURST_STATUSES:
                    self.gateway_errors.append((when, record.status))
            if not event.texts:
                return
        if event.format == "python":
            self._traceback(event)
            return
        if event.format == "text":
            line = event.raw
            if words is None:
                low = line.lower()
                if _PREFILTER.search(low) is None:
                    return
                pattern = self.matcher.match_lowered(line, low)
            elif not words:
                return
            else:
                pattern = self.matcher.match_words(line, words)
            text = line
        else:
            level = level_of(event)
            # A structured line's texts are parts of it, unless an escape was decoded: its keywords hold.
            known = words if words is not None and event.lines == 1 and "\\" not in event.raw else None
            found = self.matcher.match_texts(event.texts, None if level is None else level in LOW_LEVELS, known)
            pattern, text = found if found is not None else (None, event.message)
        if pattern is not None:
            self.tally.add(pattern, text, _when(event))
        elif not explained and event.message[:1] not in (" ", "\t") and _is_error(event):
            self.unmatched.add(event.message.strip(), _when(event))

    def _traceback(self, event: LogEvent) -> None:
        final = event.texts[0] if event.texts else None
        pattern = self.matcher.match(final) if final else None
        fallback = "python.exception" if final else "python.traceback"
        self.tally.add(pattern or PATTERNS_BY_ID[fallback], final or event.raw, event.ts)

    def result(self, threshold: int, window: timedelta) -> LogAnalysis:
        for event in self.parser.close():
            self._event(event, None)
        findings = list(self.tally.findings.values())
        bursts = find_bursts(self.gateway_errors, threshold, window)
        if bursts:
            findings.append(_burst_finding(bursts))
        clusters = self.unmatched.clusters()
        findings.extend(_unclassified_finding(c) for c in clusters[:MAX_UNCLASSIFIED])
        findings.sort(key=lambda f: (f.severity.rank, -f.count, f.pattern_id))
        per_severity = Counter[str]()
        for f in findings:
            if f.pattern_id != BURST_ID:  # its lines are already counted as http_bad_gateway
                per_severity[f.severity] += f.count
        return LogAnalysis(
            total_lines=self.total,
            critical=per_severity["critical"],
            warning=per_severity["warning"],
            info=per_severity["info"],
            findings=findings,
            unclassified=clusters,
            access_requests=self.access,
            bursts=bursts,
            scanners=self.scanners.summary(),
        )


def _access_example(record: AccessRecord) -> str:
    return f'{record.source} "{record.method or "?"} {record.path}" {record.status}'


def _unclassified_finding(cluster: Cluster) -> Finding:
    severe = _SEVERE_WORDS.search(cluster.example) is not None
    return Finding(
        pattern_id=UNCLASSIFIED,
        kind="general",
        category=UNCLASSIFIED,
        severity="warning" if severe else "info",
        meaning="Error-like lines that no library pattern explains (grouped by template).",
        action="Read the example; if it recurs, add a pattern to dozor/analysis/patterns.py.",
        count=cluster.count,
        first_seen=cluster.first_seen,
        last_seen=cluster.last_seen,
        example=cluster.example,
        template=cluster.template,
    )


def _burst_finding(bursts: list[Burst]) -> Finding:
    biggest = max(bursts, key=lambda b: b.count)
    return Finding(
        pattern_id=BURST_ID,
        kind="general",
        category="http",
        severity="critical",
        meaning=f"{len(bursts)} burst(s) of 502/504 answers to real (non-scanner) requests.",
        action="The backend was down or too slow at those times: check its restarts, health and error log.",
        count=sum(b.count for b in bursts),
        first_seen=min((b.start for b in bursts if b.start), default=None),
        last_seen=max((b.end for b in bursts if b.end), default=None),
        example=f"{biggest.count} gateway errors {biggest.statuses} between {biggest.start} and {biggest.end}",
    )


def find_bursts(
    events: list[tuple[datetime | None, int]],
    threshold: int = BURST_THRESHOLD,
    window: timedelta = BURST_WINDOW,
) -> list[Burst]:
    """Runs of at least ``threshold`` events within ``window``; without timestamps, the whole batch."""
    if len(events) < threshold:
        return []
    if any(ts is None for ts, _ in events):
        times = [ts for ts, _ in events if ts is not None]
        statuses = dict(Counter(status for _, status in events))
        return [
            Burst(count=len(events), statuses=statuses, start=min(times, default=None), end=max(times, default=None))
        ]
    timed = sorted(events, key=lambda e: e[0])  # type: ignore[arg-type, return-value]
    in_burst = [False] * len(timed)
    start = 0
    for end, (ts, _) in enumerate(timed):
        while ts - timed[start][0] > window:  # type: ignore[operator]
            start += 1
        if end - start + 1 >= threshold:
            for i in range(start, end + 1):
                in_burst[i] = True
    bursts: list[Burst] = []
    group: list[tuple[datetime, int]] = []
    for flagged, event in zip(in_burst, timed, strict=True):
        if flagged and group and event[0] - group[-1][0] > window:  # type: ignore[operator]
            bursts.append(_burst(group))
            group = []
        if flagged:
            group.append(event)  # type: ignore[arg-type]
        elif group:
            bursts.append(_burst(group))
            group = []
    if group:
        bursts.append(_burst(group))
    return bursts


def _burst(group: list[tuple[datetime, int]]) -> Burst:
    return Burst(
        count=len(group),
        statuses=dict(Counter(status for _, status in group)),
        start=group[0][0],
        end=group[-1][0],
    )


def analyze_lines(
    lines: Iterable[tuple[datetime | None, str]],
    *,
    kind: str | None = None,
    php_site: bool = False,
    burst_threshold: int = BURST_THRESHOLD,
    burst_window: timedelta = BURST_WINDOW,
) -> LogAnalysis:
    """Analyse ``(timestamp, line)`` pairs of one container.

    ``kind`` is the detected service kind (``detect_kind``) or None. ``php_site``
    says the site really serves PHP, so ``.php`` requests answered 2xx/3xx are
    not counted as probes.
    """
    analyzer = _Analyzer(kind, php_site)
    if isinstance(lines, list):
        for start in range(0, len(lines), CHUNK):
            analyzer.feed_chunk(lines[start : start + CHUNK])
    else:
        pairs = iter(lines)
        while chunk := list(islice(pairs, CHUNK)):
            analyzer.feed_chunk(chunk)
    return analyzer.result(burst_threshold, burst_window)
