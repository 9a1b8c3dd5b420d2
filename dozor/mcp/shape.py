"""Keeping tool output small and redacted: size caps for text and structured content.

Redaction is imported directly: if ``dozor.security.redact`` cannot be imported, the server does not start.
Untrusted text is fenced by ``dozor.render.sanitize.fence``.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel

from dozor.security.redact import redact

T = TypeVar("T")

TEXT_CAP = 12_000
"""Most characters of AI text one call returns (about 3,000 tokens)."""

STRUCTURED_CAP = 4 * TEXT_CAP
"""Most characters of per-host payloads one call returns in structured content (hosts beyond keep their status)."""

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


def structured(model: BaseModel) -> dict[str, Any]:
    """A model as redacted JSON-ready data; fields at their default are left out (the schema has the default)."""
    return redact_tree(model.model_dump(mode="json", exclude_defaults=True))


_EMPTY_DEFAULTS = (None, "", [], {})


def compact_schema(schema: dict[str, Any], *, output: bool = False) -> dict[str, Any]:
    """A JSON schema as short as its meaning allows: no derived titles, no model docstrings (the tool's
    description says what the result is), ``type: [t, "null"]`` for optional scalars, no empty defaults,
    nested objects without ``type: object`` (and, in an ``output`` schema, lists without ``type: array``: their
    ``items`` say it), definitions used once written in place.

    A field whose default is null is left out of the results when null (``structured`` drops defaults), so it is
    published as its plain type; in an ``output`` schema, ``false`` and ``0`` defaults go too (an absent flag
    or count reads as false or 0), and nested objects list no ``required`` fields (only the top level's are
    promised; a row's absent field reads as its type's empty value). ``tools/list`` carries every tool's
    schemas to the client on each session: every character counts. The arguments are still validated by the full model.
    """
    out = _compact(schema, root=True, empty=_EMPTY_DEFAULTS + ((False, 0) if output else ()), output=output)
    defs = out.pop("$defs", None)
    if not defs:
        return out
    text = json.dumps(out) + json.dumps(defs)
    once = {name for name in defs if text.count(f'"#/$defs/{name}"') == 1}
    keep = {name: _inline(d, defs, once) for name, d in defs.items() if name not in once}
    out = _inline(out, defs, once)
    return {**out, "$defs": keep} if keep else out


def _inline(node: Any, defs: dict[str, Any], once: set[str]) -> Any:
    """``node`` with references to definitions in ``once`` replaced by the definitions."""
    if isinstance(node, list):
        return [_inline(n, defs, once) for n in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref", "")
    name = ref.removeprefix("#/$defs/")
    if name in once:
        rest = {k: v for k, v in node.items() if k != "$ref"}
        return {**_inline(defs[name], defs, once), **rest}
    return {k: _inline(v, defs, once) for k, v in node.items()}


def _compact(schema: Any, root: bool = False, empty: tuple[Any, ...] = _EMPTY_DEFAULTS, output: bool = False) -> Any:
    if isinstance(schema, list):
        return [_compact(s, empty=empty, output=output) for s in schema]
    if not isinstance(schema, dict):
        return schema
    is_model = "properties" in schema
    output_arrays = output and "items" in schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "description" and is_model:
            continue
        if key == "type" and not root and ((value == "object" and is_model) or (value == "array" and output_arrays)):
            continue
        if key == "default" and any(value == e and type(value) is type(e) for e in empty):
            continue
        if key == "required" and output and not root:
            continue
        if key in ("properties", "$defs") and isinstance(value, dict):
            out[key] = {name: _compact(sub, empty=empty, output=output) for name, sub in value.items()}
        else:
            out[key] = _compact(value, empty=empty, output=output)
    any_of = out.get("anyOf")
    if isinstance(any_of, list) and len(any_of) == 2 and {"type": "null"} in any_of:
        other = next(a for a in any_of if a != {"type": "null"})
        del out["anyOf"]
        if schema.get("default", ...) is None:
            out = {**other, **out}  # null never travels: left out instead
        elif isinstance(other.get("type"), str):
            out = {**other, **out, "type": [other["type"], "null"]}
        else:
            out["anyOf"] = any_of
    return out
