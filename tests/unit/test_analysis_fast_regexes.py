"""Regexes rewritten for speed match exactly where the originals (kept here) do."""

from __future__ import annotations

import random
import re

from dozor.analysis.analyzer import is_errorish
from dozor.analysis.matcher import _LEVEL_WINDOW, is_info_level
from tests.unit.analysis_corpus import mixed_lines

_INFO_LEVEL = re.compile(
    r"\b(?:INFO|DEBUG|TRACE|NOTICE)\b"
    r"|(?i:\[(?:info|debug|notice)\]|\blevel=(?:info|debug|trace)\b|\"level\":\s*\"(?:info|debug|trace)\")"
)
_ERRORISH = re.compile(
    r"\b(?:errors?|err|fatal|exceptions?|panic|critical|crit|emerg|alert|failed|failure|severe)\b", re.IGNORECASE
)
_BENIGN = re.compile(
    r"\b(?:0|no|zero|without)\s+(?:errors?|failures?|exceptions?)\b"
    r"|\b(?:errors?|failures?|failed|exceptions?)\s*[=:]\s*0\b"
    r"|\berrors?\s+(?:cleared|resolved|recovered)\b|\bon[_ ]error\b",
    re.IGNORECASE,
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
