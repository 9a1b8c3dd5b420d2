"""Access-log parsing and bot-scanner detection."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dozor.analysis import ScannerTracker, is_scanner_request, is_sensitive_path, parse_access_line

COMBINED = (
    '45.1.2.3 - - [27/Nov/2026:05:13:18 +0000] "GET /wp-login.php HTTP/1.1" 404 153 "-" '
    '"Mozilla/5.0 (compatible; scanner)"'
)
TRAEFIK_JSON = (
    '{"ClientHost":"45.1.2.3","DownstreamStatus":200,"RequestMethod":"GET","RequestPath":"/.env",'
    '"StartUTC":"2026-11-27T05:13:18.123Z","level":"info","msg":""}'
)
CADDY_JSON = (
    '{"level":"info","ts":1795756398.5,"logger":"http.log.access","msg":"handled request","request":'
    '{"remote_ip":"45.1.2.3","client_ip":"45.1.2.3","method":"GET","host":"example.com","uri":'
    '"/.git/config"},"status":404,"size":0}'
)


def test_parse_combined() -> None:
    rec = parse_access_line(COMBINED)
    assert rec is not None
    assert (rec.source, rec.method, rec.path, rec.status) == ("45.1.2.3", "GET", "/wp-login.php", 404)
    assert rec.time == datetime(2026, 11, 27, 5, 13, 18, tzinfo=UTC)


def test_parse_traefik_and_caddy_json() -> None:
    t = parse_access_line(TRAEFIK_JSON)
    assert t is not None and (t.source, t.path, t.status) == ("45.1.2.3", "/.env", 200)
    assert t.time == datetime(2026, 11, 27, 5, 13, 18, 123000, tzinfo=UTC)
    c = parse_access_line(CADDY_JSON)
    assert c is not None and (c.source, c.method, c.path, c.status) == ("45.1.2.3", "GET", "/.git/config", 404)
    assert c.time == datetime(2026, 11, 27, 5, 13, 18, 500000, tzinfo=UTC)


def test_parse_malformed_request_and_non_access_lines() -> None:
    rec = parse_access_line('45.1.2.3 - - [27/Nov/2026:05:13:18 +0000] "\\x16\\x03\\x01\\x00" 400 157 "-" "-"')
    assert rec is not None and rec.method is None and is_scanner_request(rec.path, rec.method)
    assert parse_access_line("2026-11-27 05:13:18 INFO started") is None
    assert parse_access_line('{"level":"info","msg":"hello"}') is None


@pytest.mark.parametrize(
    "path",
    [
        "/wp-login.php",
        "/wp-admin/setup-config.php",
        "/.env",
        "/api/.env",
        "/.git/config",
        "/phpmyadmin/index.php",
        "/xmlrpc.php",
        "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
        "/cgi-bin/luci",
        "/.aws/credentials",
        "/actuator/env",
        "/boaform/admin/formLogin",
        "/HNAP1/",
        "/index.php?s=/index/\\think\\app/invokefunction",
        "/shell.php",
        "/backup.sql",
    ],
)
def test_scanner_paths(path: str) -> None:
    assert is_scanner_request(path)


@pytest.mark.parametrize(
    "path", ["/", "/api/orders", "/static/app.3f2a9c.js", "/login", "/environment", "/api/v1/git-status"]
)
def test_normal_paths(path: str) -> None:
    assert not is_scanner_request(path)


def test_php_probes_depend_on_the_site() -> None:
    assert is_scanner_request("/index.php")
    assert not is_scanner_request("/index.php", status=200, php_site=True)
    assert is_scanner_request("/old-admin.php", status=404, php_site=True)
    assert is_scanner_request("http://example.org/", "GET")
    assert is_scanner_request("example.org:443", "CONNECT")


def test_summary_counts_and_exposed_hits() -> None:
    tracker = ScannerTracker()
    for line in (COMBINED, COMBINED, TRAEFIK_JSON, CADDY_JSON):
        rec = parse_access_line(line)
        assert rec is not None
        tracker.add(rec)
    summary = tracker.summary()
    assert summary.requests == 4 and summary.sources == 1
    assert summary.top_paths[0].value == "/wp-login.php" and summary.top_paths[0].count == 2
    assert summary.top_sources[0].value == "45.1.2.3"
    assert [(h.path, h.status) for h in summary.exposed] == [("/.env", 200)]
    assert is_sensitive_path("/.git/config") and not is_sensitive_path("/wp-login.php")
