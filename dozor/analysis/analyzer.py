"""Analysis of one container's log lines: findings, unexplained errors, 5xx bursts, scanners.

Pure code: the caller supplies ``(timestamp, line)`` pairs (timestamp None when
unknown) already split from ``docker logs --timestamps`` output.

``_Analyzer.feed`` is the exact per-line analysis. ``analyze_lines`` takes the lines in
chunks, lets the skimmer (``skim``) find the few that are not routine, and feeds only
those (and the lines after them while a traceback or stack trace is open): same results.
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
from dozor.analysis.keywords import keyword_regex
from dozor.analysis.matcher import PATTERN_KEYWORDS, Matcher, is_info_level
from dozor.analysis.patterns import PATTERNS_BY_ID, Pattern
from dozor.analysis.scanners import AccessRecord, ScannerSummary, ScannerTracker, parse_access_line, scanner_reason
from dozor.analysis.skim import CHUNK, Skimmer
from dozor.model.severity import Severity

UNCLASSIFIED = "unclassified"
BURST_ID = "http.5xx_burst"
BURST_THRESHOLD = 5
BURST_WINDOW = timedelta(seconds=60)
MAX_UNCLASSIFIED = 20

_ERROR_WORDS = ("error", "fatal", "exception", "panic", "critical", "crit", "emerg", "alert", "fail", "severe")
# Any line that can be a finding contains one of these (lower-cased); the rest are skipped cheaply.
_KEYWORDS = PATTERN_KEYWORDS | set(_ERROR_WORDS)
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

# Python tracebacks: the header, frames (indented), chain separators, and the final exception line.
_TB_HEADER = re.compile(r"^\s*Traceback \(most recent call last\):")
_TB_CHAIN = re.compile(
    r"^(?:During handling of the above exception, another exception occurred:"
    r"|The above exception was the direct cause of the following exception:)\s*$"
)
_TB_FINAL = re.compile(r"^[A-Za-z_][\w.]*(?::\s|:?$)")
# Stack frames of Java / Node / Go after an exception line: folded into that finding.
_FRAME = re.compile(
    r"^\s|^$|^Caused by: |^\.\.\. \d+ (?:more|common frames omitted)|^\[signal |^goroutine \d+ \["
    r"|^created by |^[\w./*()\[\]{}-]+\(.*\)$"
)
_FRAME_KINDS = frozenset(("java", "node", "go"))
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
        self.in_frames = False
        # Open Python traceback: start time, header line, candidate final line.
        self.tb: tuple[datetime | None, str] | None = None
        self.tb_final: str | None = None
        self.tb_chained = False  # a "During handling…"/"The above exception…" line: the next header continues

    def feed(self, ts: datetime | None, line: str, words: Set[str] | None = None) -> None:
        """Analyse one line. ``words``: the analyzer keywords the lower-cased line holds (a superset
        is fine; empty: none), when the caller found them already."""
        self.total += 1
        line = line.rstrip("\r\n")
        if self.tb is not None and self._traceback_line(line, ts):
            return
        if self.in_frames:
            if _FRAME.match(line):
                return
            self.in_frames = False
        if _TB_HEADER.match(line):
            self.tb, self.tb_final = (ts, line), None
            return
        if line[:1] == "{" or '] "' in line:
            record = parse_access_line(line)
            if record is not None:
                self._access(record, ts)
                return
        if words is None:
            low = line.lower()
            if _PREFILTER.search(low) is None:
                return
            pattern = self.matcher.match_lowered(line, low)
        elif not words:
            return
        else:
            pattern = self.matcher.match_words(line, words)
        if pattern is not None:
            self.tally.add(pattern, line, ts)
            self.in_frames = pattern.kind in _FRAME_KINDS
        elif line[:1] not in (" ", "\t") and is_errorish(line):
            self.unmatched.add(line.strip(), ts)

    def feed_chunk(self, pairs: list[tuple[datetime | None, str]]) -> None:
        """``feed`` every pair, skipping the routine lines the skimmer finds (same results, much faster)."""
        skim = _skimmer().skim(list(map(itemgetter(1), pairs)))
        fed = routine_fed = 0
        done = 0  # lines before this one are fed or routine
        for index in [*skim.candidates, len(pairs)]:
            # An open traceback or stack trace takes the lines after it, routine or not.
            while done < index and (self.tb is not None or self.in_frames):
                fed += 1
                routine_fed += skim.is_plain_request(done)
                ts, line = pairs[done]
                self.feed(ts, line, _NO_WORDS)  # a routine line holds no keyword
                done += 1
            if index < done or index == len(pairs):
                continue
            fed += 1
            routine_fed += skim.is_plain_request(index)
            ts, line = pairs[index]
            self.feed(ts, line, skim.words.get(index))
            done = index + 1
        self.total += len(pairs) - fed
        self.access += skim.plain_requests - routine_fed

    def _traceback_line(self, line: str, ts: datetime | None) -> bool:
        """Fold ``line`` into the open traceback; False when it ends the traceback and is its own line.

        A header right after a chain separator continues the same event (a chained exception); any other
        header ends this traceback and opens the next, so a traceback printed in a loop counts each time.
        """
        if _TB_HEADER.match(line):
            if not self.tb_chained:
                self.close_traceback()
                self.tb = (ts, line)
            self.tb_final, self.tb_chained = None, False
            return True
        if _TB_CHAIN.match(line):
            self.tb_chained = True
            return True
        if line[:1] in (" ", "\t") or not line.strip():
            return True
        if self.tb_final is None and _TB_FINAL.match(line):
            self.tb_final = line
            return True
        self.close_traceback()
        return False

    def close_traceback(self) -> None:
        if self.tb is None:
            return
        (ts, header), final = self.tb, self.tb_final
        self.tb, self.tb_final, self.tb_chained = None, None, False
        line = final or header
        pattern = self.matcher.match(line) if final else None
        self.tally.add(pattern or PATTERNS_BY_ID["python.exception" if final else "python.traceback"], line, ts)

    def _access(self, record: AccessRecord, ts: datetime | None) -> None:
        self.access += 1
        if scanner_reason(record.path, record.method, record.status, php_site=self.php_site):
            self.scanners.add(record, ts)
            return
        pattern_id = _STATUS_PATTERN.get(record.status)
        if pattern_id is None:
            return
        when = ts or record.time
        self.tally.add(PATTERNS_BY_ID[pattern_id], _access_example(record), when)
        if record.status in _BURST_STATUSES:
            self.gateway_errors.append((when, record.status))

    def result(self, threshold: int, window: timedelta) -> LogAnalysis:
        self.close_traceback()
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
