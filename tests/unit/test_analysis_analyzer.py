"""The log analyzer: findings, tracebacks, unexplained errors, 5xx bursts, scanner exclusion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dozor.analysis import LogAnalysis, analyze_lines, find_bursts, is_errorish

T0 = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)


def _run(text: str, kind: str | None = None, step: timedelta | None = None) -> LogAnalysis:
    lines = text.strip("\n").splitlines()
    pairs = [(T0 + step * i if step else None, line) for i, line in enumerate(lines)]
    return analyze_lines(pairs, kind=kind)


def _ids(result: LogAnalysis) -> dict[str, int]:
    return {f.pattern_id: f.count for f in result.findings}


def test_findings_are_aggregated_with_times_and_example() -> None:
    pg = '2026-11-27 05:13:18.123 UTC [{}] FATAL:  password authentication failed for user "app"'
    result = _run("\n".join(pg.format(i) for i in range(3)), kind="postgres", step=timedelta(seconds=10))
    (finding,) = result.findings
    assert finding.pattern_id == "postgres.auth_failed" and finding.count == 3
    assert finding.severity == "critical" and finding.category == "auth" and finding.kind == "postgres"
    assert finding.first_seen == T0 and finding.last_seen == T0 + timedelta(seconds=20)
    assert finding.example == pg.format(2)
    assert (result.total_lines, result.critical, result.warning, result.info) == (3, 3, 0, 0)


def test_python_traceback_is_one_finding_with_the_final_line() -> None:
    result = _run(
        """
2026-11-27 05:13:18,100 INFO request started
Traceback (most recent call last):
  File "/app/main.py", line 12, in handler
    value = int(raw)
ValueError: invalid literal for int() with base 10: 'x'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/app/main.py", line 14, in handler
    raise RuntimeError("wrapped")
RuntimeError: wrapped
2026-11-27 05:13:19,000 INFO next request
""",
        kind="python",
    )
    (finding,) = result.findings
    assert finding.pattern_id == "python.exception" and finding.count == 1
    assert finding.example == "RuntimeError: wrapped"
    assert result.unclassified == []


def test_traceback_final_line_can_be_a_service_pattern() -> None:
    final = (
        'psycopg2.OperationalError: connection to server at "db" (172.18.0.2), port 5432 failed: '
        'FATAL:  password authentication failed for user "app"'
    )
    result = _run(f'Traceback (most recent call last):\n  File "/app/db.py", line 3, in connect\n{final}\n')
    assert _ids(result) == {"postgres.auth_failed": 1}


def test_unterminated_traceback_still_counts() -> None:
    result = _run('Traceback (most recent call last):\n  File "/app/x.py", line 1, in <module>')
    assert _ids(result) == {"python.traceback": 1}


def test_java_and_go_frames_are_folded() -> None:
    result = _run(
        """
Exception in thread "main" java.lang.IllegalStateException: boom
\tat com.example.App.main(App.java:12)
Caused by: java.io.IOException: disk gone
\t... 3 more
panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a1b2c]

goroutine 1 [running]:
main.main()
\t/app/main.go:12 +0x1d
exit status 2
""".replace("\\t", "\t")
    )
    assert _ids(result) == {"java.exception_in_thread": 1, "go.panic": 1}


def test_unmatched_error_lines_are_clustered_as_low_severity_findings() -> None:
    result = _run(
        """
worker-3 ERROR reconciliation drift detected for account 1001
worker-4 ERROR reconciliation drift detected for account 2002
worker-5 FATAL ledger mismatch
0 errors
no errors found
errors=0
2026-11-27 05:13:18,123 INFO stats error_count=0
2026-11-27 05:13:18,123 INFO retry after error cleared
"""
    )
    assert [(c.template, c.count) for c in result.unclassified] == [
        ("worker-<n> ERROR reconciliation drift detected for account <n>", 2),
        ("worker-<n> FATAL ledger mismatch", 1),
    ]
    severities = {f.template: f.severity for f in result.findings if f.pattern_id == "unclassified"}
    assert severities["worker-<n> FATAL ledger mismatch"] == "warning"
    assert severities["worker-<n> ERROR reconciliation drift detected for account <n>"] == "info"


def test_is_errorish() -> None:
    assert is_errorish("job failed: exit 3")
    assert not is_errorish("0 errors")
    assert not is_errorish("errors: 0")
    assert not is_errorish("2026-11-27 INFO found an error in the config, using defaults")


def _access(i: int, path: str, status: int) -> str:
    return f'10.0.0.{i} - - [27/Nov/2026:05:14:{i:02d} +0000] "GET {path} HTTP/1.1" {status} 157 "-" "curl/8"'


def test_scanners_are_not_errors_and_do_not_make_bursts() -> None:
    lines = [_access(i, "/wp-login.php", 502) for i in range(10)]
    lines += [_access(i, "/.env", 404) for i in range(10, 20)]
    lines += [_access(20, "/.git/config", 200), _access(21, "/api/orders", 200)]
    result = _run("\n".join(lines))
    assert result.findings == [] and result.bursts == []
    assert result.access_requests == 22
    assert result.scanners.requests == 21
    assert [h.path for h in result.scanners.exposed] == ["/.git/config"]


def test_5xx_burst_detection_uses_line_times() -> None:
    lines = [_access(i, "/api/orders", 502 if i % 2 else 504) for i in range(6)]
    lines.append(_access(59, "/api/orders", 502))
    result = _run("\n".join(lines))
    (burst,) = result.bursts
    assert burst.count == 7 and burst.statuses == {502: 4, 504: 3}
    ids = _ids(result)
    assert ids["http.5xx_burst"] == 7 and ids["general.http_bad_gateway"] == 7
    assert result.critical == 0 and result.warning == 7  # the burst does not count its lines twice


def test_few_5xx_are_findings_but_no_burst() -> None:
    result = _run("\n".join(_access(i, "/api", 502) for i in range(3)))
    assert result.bursts == [] and _ids(result) == {"general.http_bad_gateway": 3}


def test_find_bursts_sliding_window() -> None:
    spread = [(T0 + timedelta(minutes=i), 502) for i in range(10)]
    assert find_bursts(spread) == []
    dense = [(T0 + timedelta(seconds=i), 504) for i in range(5)]
    later = [(T0 + timedelta(hours=1, seconds=i), 502) for i in range(6)]
    bursts = find_bursts(spread[:1] + dense + later)
    assert [b.count for b in bursts] == [6, 6]
    assert find_bursts([(None, 502)] * 5)[0].count == 5


def test_access_429_and_500() -> None:
    result = _run("\n".join([_access(1, "/api", 429), _access(2, "/api", 500), _access(3, "/api", 200)]))
    assert _ids(result) == {"general.rate_limited": 1, "general.http_server_error": 1}


def test_a_traceback_printed_in_a_loop_counts_each_time_and_a_chained_one_once():
    from datetime import UTC, datetime, timedelta

    from dozor.analysis import analyze_lines

    t0 = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    loop = []
    for i in range(10):  # an errors-only tail: the INFO lines between the tracebacks were filtered out
        t = t0 + timedelta(seconds=3 * i)
        loop += [(t, "Traceback (most recent call last):"), (t, '  File "/app/billing/charge.py", line 88, in charge'),
                 (t, "    per_unit = invoice.amount / invoice.quantity"), (t, "ZeroDivisionError: division by zero")]
    [f] = [f for f in analyze_lines(loop, kind="python").findings if f.pattern_id == "python.exception"]
    assert (f.count, f.first_seen, f.last_seen) == (10, t0, t0 + timedelta(seconds=27))
    chained = [(t0, "Traceback (most recent call last):"), (t0, '  File "a.py", line 1, in f'), (t0, "KeyError: 'x'"),
               (t0, ""), (t0, "During handling of the above exception, another exception occurred:"), (t0, ""),
               (t0, "Traceback (most recent call last):"), (t0, '  File "a.py", line 3, in g'),
               (t0, "ValueError: bad")]
    [g] = analyze_lines(chained, kind="python").findings
    assert (g.pattern_id, g.count, g.example) == ("python.exception", 1, "ValueError: bad")
