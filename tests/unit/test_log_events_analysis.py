"""The analyzer on events: an access part and a message both analysed, levels first, groups counted once."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dozor.analysis import analyze_lines, analyzer
from dozor.analysis.analyzer import _Analyzer, _inert, _skimmer
from tests.unit.analysis_corpus import mixed_lines

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "log_events"
T0 = datetime(2026, 11, 27, 5, 13, tzinfo=UTC)


def _lines(stem: str, index: int) -> list[str]:
    return [text for _, text in json.loads((FIXTURES / f"{stem}.json").read_text())["cases"][index]["lines"]]


def _ids(lines: list[str]) -> dict[str, int]:
    result = analyze_lines([(T0, line) for line in lines])
    return {f.pattern_id: f.count for f in result.findings}


def test_a_caddy_502_naming_an_expired_certificate_is_both_a_bad_gateway_and_a_certificate_error() -> None:
    (line,) = _lines("json", 11)
    result = analyze_lines([(T0, line)])
    ids = {f.pattern_id: f for f in result.findings}
    (tls,) = (f for f in result.findings if f.category == "tls")  # the library decides which kind's pattern
    assert ids["general.http_bad_gateway"].count == 1 and tls.count == 1
    assert tls.example.startswith("tls: failed to verify certificate: x509") and tls.first_seen == T0
    assert result.access_requests == 1 and result.unclassified == []


def test_a_caddy_502_naming_a_refused_dial_gives_both_findings() -> None:
    assert _ids(_lines("json", 10)) == {"general.http_bad_gateway": 1, "general.connection_refused": 1}


def test_levels_come_from_the_event_first() -> None:
    # info with "error_count", debug with "Error ...": no error; logrus error with a pattern-less message: one
    quiet = _lines("json", 8) + _lines("json", 7)
    assert analyze_lines([(T0, x) for x in quiet]).findings == []
    (cluster,) = analyze_lines([(T0, x) for x in _lines("logfmt", 2)]).unclassified
    assert cluster.template.startswith("Failed to look up user based on cookie")
    warn = analyze_lines([(T0, "2026-11-27T05:13:18Z WARN alert: queue depth 4000")])
    assert warn.unclassified == []


def test_an_application_request_line_reports_its_status_but_is_not_counted_as_a_proxy_request() -> None:
    result = analyze_lines([(T0, x) for x in _lines("json", 13)])
    # the status explains the error line: no unexplained error besides
    assert {f.pattern_id for f in result.findings} == {"general.http_server_error"}
    assert result.access_requests == 0


def test_a_java_trace_is_one_event_explained_by_its_root_cause() -> None:
    ids = _ids(_lines("java", 0))
    assert ids == {"general.connection_refused": 1}


def test_a_node_crash_counts_the_error_once_and_the_banner() -> None:
    ids = _ids(_lines("node", 0))
    assert ids["general.connection_refused"] == 1 and ids["node.process_crashed"] == 1


def test_a_rabbitmq_report_is_one_unexplained_error() -> None:
    result = analyze_lines([(T0, x) for x in _lines("erlang", 1)])
    assert [c.count for c in result.unclassified] == [1]


def test_formats_are_recognised_per_line_in_one_container() -> None:
    lines = [*_lines("logfmt", 4), *_lines("json", 6), *_lines("text", 1), *_lines("go", 0)]
    ids = _ids(lines)
    assert ids["nginx.upstream_refused"] == 1 and ids["go.panic"] == 1
    assert sum(n for pid, n in ids.items() if "tls" in pid) == 1  # the logrus x509 error field


def test_lines_the_analyzer_counts_without_reading_would_give_nothing() -> None:
    lines = mixed_lines(31, 4000)
    for start in range(0, len(lines), 1000):
        chunk = lines[start : start + 1000]
        skim = _skimmer().skim(chunk)
        for i in skim.candidates:
            words = skim.words.get(i)
            if words is None or i in skim.forced or not _inert(chunk[i], words):
                continue
            alone = _Analyzer(None, php_site=False)
            alone.feed(None, chunk[i])
            result = alone.result(analyzer.BURST_THRESHOLD, analyzer.BURST_WINDOW)
            assert result.findings == [] and result.scanners.requests == 0 and result.access_requests == 0, chunk[i]


def test_json_lines_with_escapes_levels_and_statuses_match_the_exact_path() -> None:
    rnd = random.Random(4)
    extra = [
        '{"level":50,"time":1531171082399,"msg":"boom"}',
        '{"level":30,"msg":"fine","status":200,"path":"/x"}',
        '{"level":"info","msg":"bad \\u0065rror hidden","status":200}',
        '{"msg":"upstream","status_code": 502,"path":"/api"}',
        '{"msg":"rate","status":"429","method":"GET"}',
        '{"level":"info","msg":"x","error_count":0,"duration_ms":137}',
        '{"level":"warn","msg":"slow","exit_code":137}',
        'level=info msg="exited with code 137"',
        'lvl=eror msg="db down"',
    ]
    lines = mixed_lines(5, 1500) + [rnd.choice(extra) for _ in range(500)]
    rnd.shuffle(lines)
    pairs = [(T0 + timedelta(seconds=i), x) for i, x in enumerate(lines)]
    exact = _Analyzer(None, php_site=False)
    for ts, line in pairs:
        exact.feed(ts, line)
    expected = exact.result(analyzer.BURST_THRESHOLD, analyzer.BURST_WINDOW)
    assert analyze_lines(pairs) == expected
