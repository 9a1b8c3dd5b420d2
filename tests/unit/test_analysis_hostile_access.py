"""Access-log parsing never raises on hostile lines (log text is untrusted)."""

from __future__ import annotations

from dozor.analysis import analyze_lines
from dozor.analysis.scanners import parse_access_line, parse_access_time

BAD_DAY = '10.0.0.1 - - [99/Nov/2026:10:00:00 +0000] "GET /.env HTTP/1.1" 404 12 "-" "curl"'
BAD_TRAEFIK = '{"ClientHost":"10.0.0.1","RequestMethod":"GET","RequestPath":"/.git/config","DownstreamStatus":"abc"}'
BAD_CADDY = '{"request":{"client_ip":"10.0.0.1","method":"GET","uri":"/"},"status":null,"ts":1e300}'


def test_impossible_times_are_no_time() -> None:
    assert parse_access_time("99/Nov/2026:10:00:00 +0000") is None
    assert parse_access_time("01/Nov/2026:25:61:00 +0000") is None
    assert parse_access_time(1e300) is None
    assert parse_access_time("2026-13-40T00:00:00Z") is None


def test_odd_json_records_are_not_access_records() -> None:
    assert parse_access_line(BAD_TRAEFIK) is None
    assert parse_access_line(BAD_CADDY) is None
    record = parse_access_line(BAD_DAY)
    assert record is not None and record.status == 404 and record.time is None


def test_the_analysis_survives_them() -> None:
    lines = [(None, BAD_DAY), (None, BAD_TRAEFIK), (None, BAD_CADDY), (None, "ERROR disk full")]
    analyze_lines(lines, kind="nginx")
    analyze_lines(lines, kind=None)
