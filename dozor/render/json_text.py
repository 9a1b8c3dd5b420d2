"""Any model as JSON for scripts and files: the full data, secrets redacted."""

from __future__ import annotations

from pydantic import BaseModel

from dozor.security.redact import redact


def render_json(model: BaseModel, indent: int | None = 2) -> str:
    """``model`` as JSON text with secrets masked."""
    return redact(model.model_dump_json(indent=indent))


__all__ = ["render_json"]
