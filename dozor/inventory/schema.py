"""The inventory's JSON Schema, generated from the pydantic models, for editors and validators.

Taplo (and Even Better TOML, which runs it) validates and completes ``fleet.toml`` against it when the file
starts with ``#:schema ./fleet.schema.json`` (a path relative to the TOML file, or a URL).

The schema is stable: keys in a fixed order, every field with its description, draft-07 (what TOML editors
support). It describes the file, so the loader's own bookkeeping fields (``source``, a host's ``name``,
filled in from its table key) are left out, and host and group keys carry the name rule.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from dozor.inventory.models import _NAME, _NAME_RULE, Inventory

DRAFT = "http://json-schema.org/draft-07/schema#"
SCHEMA_FILE = "fleet.schema.json"


@cache
def _schema() -> dict[str, Any]:
    schema = Inventory.model_json_schema(mode="validation")
    schema["properties"].pop("source", None)
    schema["$defs"]["Host"]["properties"].pop("name", None)
    names = {"pattern": _NAME.pattern, "description": f"A name {_NAME_RULE}."}
    schema["properties"]["hosts"]["propertyNames"] = names
    schema["properties"]["groups"]["propertyNames"] = names
    schema = _for_toml(schema)
    schema["title"] = "dozor inventory (fleet.toml)"
    schema["description"] = "A fleet of Docker hosts: [defaults], [groups] and one [hosts.NAME] table per host."
    return {"$schema": DRAFT, **schema}


def _for_toml(node: Any) -> Any:
    """TOML has no null: an optional field is its value's schema. A ``$ref`` with siblings (a description)
    goes inside ``allOf``, since draft-07 ignores a ``$ref``'s siblings and editors would lose the text."""
    if isinstance(node, list):
        return [_for_toml(x) for x in node]
    if not isinstance(node, dict):
        return node
    node = {k: _for_toml(v) for k, v in node.items()}
    options = node.get("anyOf")
    if options is not None:
        kept = [o for o in options if o != {"type": "null"}]
        del node["anyOf"]
        if len(kept) == 1:
            node = {**kept[0], **node}
        else:
            node["anyOf"] = kept
    if node.get("default", 0) is None:
        del node["default"]
    if "$ref" in node and len(node) > 1:
        node["allOf"] = [{"$ref": node.pop("$ref")}]
    return node


def inventory_schema() -> dict[str, Any]:
    """The JSON Schema of a ``fleet.toml`` (a fresh copy: callers may edit it)."""
    return copy.deepcopy(_schema())


def schema_json() -> str:
    """``inventory_schema()`` as indented JSON text, ending in a newline."""
    return json.dumps(_schema(), indent=2, ensure_ascii=False) + "\n"


__all__ = ["DRAFT", "SCHEMA_FILE", "inventory_schema", "schema_json"]
