"""Keeping tool output small and redacted: size caps for text and structured content.

Redaction is imported directly: if ``dozor.security.redact`` cannot be imported, the server does not start.
Untrusted text is fenced by ``dozor.render.sanitize.fence``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from dozor.outcome import HostResult
from dozor.security.redact import redact

T = TypeVar("T")

TEXT_CAP = 12_000
"""Most characters of AI text one call returns (about 3,000 tokens)."""

STRUCTURED_CAP = 96_000
"""Most bytes of per-host JSON one call returns in structured content."""

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
