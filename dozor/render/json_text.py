"""Any model as JSON for scripts and files: the full data, secrets redacted.

Redaction runs on the data, string by string, before serialising: redacting the serialised text could let a
``key: value`` rule run past a closing quote and leave invalid JSON (a raw newline inside a string).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from dozor.security.redact import redact_obj


def json_text(data: Any, indent: int | None = 2) -> str:
    """JSON data (dicts, lists, strings…) or a model as JSON text, every string redacted."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    return json.dumps(redact_obj(data), indent=indent, ensure_ascii=False)


def render_json(model: BaseModel, indent: int | None = 2) -> str:
    """``model`` as JSON text with secrets masked."""
    return json_text(model, indent=indent)


__all__ = ["json_text", "render_json"]
