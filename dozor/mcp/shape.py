"""Keeping tool output safe and small: redaction, fencing of untrusted text, size caps."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from dozor.outcome import HostResult

T = TypeVar("T")

TEXT_CAP = 12_000
"""Most characters of AI text one call returns (about 3,000 tokens)."""

STRUCTURED_CAP = 96_000
"""Most bytes of per-host JSON one call returns in structured content."""

_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|[\x00-\x08\x0b-\x1f\x7f]")


def _optional(module: str, name: str) -> Callable[..., str] | None:
    """A function of the security module when it has landed, else None."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def redact(text: str) -> str:
    """Mask secrets (``dozor.security.redact``); identity until that module exists."""
    fn = _optional("dozor.security.redact", "redact")
    return fn(text) if fn is not None else text


def fence(text: str, *, source: str, max_chars: int = TEXT_CAP // 2) -> str:
    """Mark untrusted text (log lines, command output) as data, naming where it came from.

    Uses ``dozor.security.safetext.fence`` when it exists; until then strips control characters
    and wraps the text in a fence the text itself cannot close.
    """
    fn = _optional("dozor.security.safetext", "fence")
    if fn is not None:
        return fn(text, source=source, max_chars=max_chars)
    clean = _CONTROL.sub("", text)[-max_chars:]
    ticks = "`" * max(3, _longest_backtick_run(clean) + 1)
    return f"{ticks}untrusted-data source={source}\n{clean}\n{ticks}"


def _longest_backtick_run(text: str) -> int:
    runs = re.findall(r"`+", text)
    return max((len(r) for r in runs), default=0)


def cap_text(text: str, limit: int = TEXT_CAP) -> str:
    """Cut ``text`` to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit("\n", 1)[0]
    return f"{cut}\n… [output cut: {len(text) - len(cut)} more characters; narrow the call with host=/service=]"


def redact_tree(value: Any) -> Any:
    """Redact every string in a JSON-like tree (structured content)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_tree(v) for v in value]
    if isinstance(value, dict):
        return {k: redact_tree(v) for k, v in value.items()}
    return value


def bound_hosts(hosts: list[HostResult[T]], budget: int = STRUCTURED_CAP) -> tuple[list[HostResult[T]], list[str]]:
    """Keep per-host payloads until ``budget`` bytes of JSON; later hosts keep status but lose ``data``.

    Returns the bounded list and the names of the hosts whose payload was dropped.
    """
    out: list[HostResult[T]] = []
    dropped: list[str] = []
    used = 0
    for h in hosts:
        size = len(h.model_dump_json()) if h.data is not None else 0
        if h.data is not None and used + size > budget:
            out.append(h.model_copy(update={"data": None}))
            dropped.append(h.host)
            continue
        used += size
        out.append(h)
    return out, dropped


def structured(model: BaseModel) -> dict[str, Any]:
    """A model as redacted JSON-ready data."""
    return redact_tree(model.model_dump(mode="json"))
