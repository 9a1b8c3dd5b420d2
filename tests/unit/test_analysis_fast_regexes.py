"""Regexes rewritten for speed match exactly where the originals do (kept here, or in the analyzer,
which still uses ``_ERRORISH``/``_BENIGN`` for non-ASCII lines)."""

from __future__ import annotations

import random
import re

from dozor.analysis.analyzer import _BENIGN, _ERRORISH, is_errorish
from dozor.analysis.matcher import _LEVEL_WINDOW, is_info_level
from dozor.analysis.scanners import _PROBE, probe_keywords
from tests.unit.analysis_corpus import _NORMAL_PATHS, _SCANNER_PATHS, mixed_lines

_INFO_LEVEL = re.compile(
    r"\b(?:INFO|DEBUG|TRACE|NOTICE)\b"
    r"|(?i:\[(?:info|debug|notice)\]|\blevel=(?:info|debug|trace)\b|\"level\":\s*\"(?:info|debug|trace)\")"
)
_TOKENS = (
    "INFO", "info", "Info", "DEBUG", "debug", "TRACE", "NOTICE", "notice", "[info]", "[DEBUG]", "[Notice]",
    "level=info", "LEVEL=Debug", "level=trace", "levelx=info", '"level": "info"', '"LEVEL":"Trace"',
    "error", "ERRORS", "Err", "err", "fatal", "exception", "Exceptions", "panic", "critical", "crit", "emerg",
    "alert", "failed", "failure", "severe", "0 errors", "no failures", "errors=0", "failed: 0", "error cleared",
    "on_error", "on error", "errorx", "xerror", "_error", "error_", "\u0130", "\u212a", "\u017f", "\u00e9", "K",
)  # fmt: skip
_GLUE = ("", " ", "  ", "_", "-", ":", "=", "x", "9", "\t", ".", '"', "[", "]", "\u00e9")


def _lines() -> list[str]:
    rnd = random.Random(3)
    fuzz = ["".join(rnd.choice(_TOKENS) + rnd.choice(_GLUE) for _ in range(rnd.randrange(1, 8))) for _ in range(20000)]
    padded = ["y" * rnd.randrange(80, 110) + " " + line for line in fuzz[:3000]]
    return [*mixed_lines(41, 5000), *fuzz, *padded]


def test_info_level_as_before() -> None:
    for line in _lines():
        assert is_info_level(line) == (_INFO_LEVEL.search(line, 0, _LEVEL_WINDOW) is not None), line


def test_errorish_as_before() -> None:
    def before(line: str) -> bool:
        if _ERRORISH.search(line) is None or _INFO_LEVEL.search(line, 0, _LEVEL_WINDOW) is not None:
            return False
        return _ERRORISH.search(_BENIGN.sub(" ", line)) is not None

    for line in _lines():
        assert is_errorish(line) == before(line), line


_PROBE_BEFORE = re.compile(
    r"/wp-(?:login|admin|content|includes|config|json/wp/v2/users)|xmlrpc\.php|/wordpress/|/wp/"
    r"|/\.env\b|/\.git(?:/|$)|/\.svn|/\.hg/|/\.aws/|/\.ssh/|/\.docker/|/\.vscode/|/\.ds_store"
    r"|/\.htpasswd|/\.htaccess|/sftp-config\.json|/(?:php)?myadmin|/phpmyadmin|/pma/|/adminer"
    r"|/vendor/phpunit|eval-stdin\.php|/cgi-bin/|/actuator(?:/|$)|/boaform|/hnap1|/gponform|/setup\.cgi"
    r"|/server-status|/manager/html|/solr/|/owa/|/autodiscover/|/ecp/|/remote/login|/\+cscoe\+"
    r"|/_ignition/|/telescope/|/debug/default/view|/console/login|/geoserver/|/druid/|/nacos/"
    r"|/containers/json|/api/jsonws|/mifs/|/etc/passwd|/bin/sh|\.\./|%2e%2e|allow_url_include"
    r"|/index\.php\?s=/|\\think\\|/phpinfo|/info\.php|/shell\.php|/(?:backup|dump|db|database)\.(?:sql|zip|tar"
    r"|gz)|\.(?:sql|bak|old|swp)$"
)


def test_probe_regex_as_before() -> None:
    rnd = random.Random(4)
    parts = [*sorted(probe_keywords()), *_NORMAL_PATHS, *_SCANNER_PATHS, "/", "/a", ".", "x", "ENV", "\\", "?", "$"]
    paths = ["".join(rnd.choice(parts) for _ in range(rnd.randrange(1, 5))) for _ in range(30000)]
    paths += [p[: rnd.randrange(len(p) + 1)] for p in paths[:5000]]
    for path in paths:
        low = path.lower()
        assert (_PROBE.search(low) is None) == (_PROBE_BEFORE.search(low) is None), path
