"""An inventory from an OpenSSH client config: one host per concrete ``Host`` alias.

Read conservatively, since the file stays in use at connect time (dozor honours ``~/.ssh/config``):

- a ``Host`` line's concrete names become hosts; wildcard (``*``, ``?``) and negated (``!``) patterns are
  skipped, and so are ``Match`` blocks and options before the first ``Host`` — they still apply when
  connecting, through ssh_config;
- HostName, User, Port and IdentityFile are copied (first value wins, as in ssh; IdentityFile adds up);
- a host with any other option (ProxyJump, ProxyCommand...) keeps its alias as address, so ssh_config
  still supplies that option; otherwise the address is its HostName;
- ``Include`` is not followed (said on stderr).
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Any

from dozor.errors import InventoryError
from dozor.inventory.imports import Imported, compact
from dozor.inventory.models import _NAME

DEFAULT_FILE = "~/.ssh/config"
_KEPT = {"hostname", "user", "port", "identityfile"}
_LINE = re.compile(r"^\s*(?P<key>[A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+)(?P<value>.*?)\s*$")


def import_ssh_config(path: str | Path = DEFAULT_FILE) -> Imported:
    """Parse ``path`` (default ``~/.ssh/config``); raise ``InventoryError`` naming the file and line."""
    shown = str(path)
    real = Path(os.path.expanduser(shown))
    try:
        text = real.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InventoryError(shown, [("", f"cannot read: {getattr(exc, 'strerror', None) or exc}")]) from None
    # The file keeps applying at connect time: name it so that any working directory finds it.
    keep = shown if shown.startswith("~") or Path(shown).is_absolute() else str(real.resolve())
    return parse_ssh_config(text, shown, config_path=keep)


def parse_ssh_config(text: str, source: str, *, config_path: str | None = None) -> Imported:
    """The inventory data of an ssh_config text; ``source`` names it in messages and the header.

    ``config_path`` (default ``source``) goes to ``[defaults] ssh_config`` unless it is ``~/.ssh/config``,
    which dozor reads anyway.
    """
    dropped: list[str] = []
    hosts: dict[str, dict[str, Any]] = {}
    others: dict[str, list[str]] = {}  # alias -> options left to ssh_config
    current: list[str] | None = None  # aliases of the open Host block; None before any, [] in a skipped block
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if not m:
            raise InventoryError(source, [(f"line {n}", f"not 'Keyword value': {line!r}")])
        key, value = m["key"].lower(), m["value"]
        try:
            args = shlex.split(value, comments=True)
        except ValueError as exc:
            raise InventoryError(source, [(f"line {n}", f"{exc}: {line!r}")]) from None
        if not args:
            raise InventoryError(source, [(f"line {n}", f"{m['key']} has no value")])
        if key == "host":
            current = []
            for pattern in args:
                if any(c in pattern for c in "*?!"):
                    dropped.append(f"line {n}: Host pattern {pattern!r} skipped (it still applies through ssh_config)")
                elif not _NAME.match(pattern):
                    dropped.append(f"line {n}: Host {pattern!r} skipped: not a valid dozor host name")
                else:
                    current.append(pattern)
                    hosts.setdefault(pattern, {"identity_files": []})
            continue
        if key == "match":
            current = []
            dropped.append(f"line {n}: Match block skipped (it still applies through ssh_config): {line}")
            continue
        if current is None:
            if key == "include":
                dropped.append(f"line {n}: Include not followed: {value}")
            else:
                dropped.append(f"line {n}: {m['key']} before any Host skipped (applies to every host via ssh_config)")
            continue
        if key == "include":
            dropped.append(f"line {n}: Include not followed: {value}")
            continue
        for alias in current:
            _apply(hosts[alias], others, alias, key, m["key"], args, n, source)
    data = _inventory(hosts, others, config_path or source, dropped)
    return Imported(data=data, source=source, dropped=dropped)


def _apply(host: dict[str, Any], others: dict[str, list[str]], alias: str, key: str, keyword: str,
           args: list[str], n: int, source: str) -> None:
    if key not in _KEPT:
        others.setdefault(alias, []).append(keyword)
        return
    if key == "identityfile":
        host["identity_files"].append(args[0])
        return
    field = {"hostname": "hostname", "user": "user", "port": "port"}[key]
    if field in host:  # ssh: the first value obtained wins
        return
    if key == "port":
        if not args[0].isdigit() or not 1 <= int(args[0]) <= 65535:
            raise InventoryError(source, [(f"line {n}", f"Port must be a number 1..65535, got {args[0]!r}")])
        host["port"] = int(args[0])
    else:
        host[field] = args[0]


def _inventory(hosts: dict[str, dict[str, Any]], others: dict[str, list[str]], config_path: str,
               dropped: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for alias, h in hosts.items():
        hostname = h.pop("hostname", None)
        if hostname and "%" in hostname:
            expanded = hostname.replace("%h", alias).replace("%%", "%")
            hostname = None if "%" in expanded else expanded
        if alias in others:
            kept = ", ".join([*([f"HostName {hostname}"] if hostname else []), *dict.fromkeys(others[alias])])
            dropped.append(f"{alias}: {kept} left to ssh_config (address kept as the alias {alias!r})")
            address = alias
        else:
            address = hostname or alias
        out[alias] = compact({"address": address, "user": h.get("user"), "port": h.get("port"),
                              "identity_files": h["identity_files"]})
    data: dict[str, Any] = {}
    if os.path.expanduser(config_path) != os.path.expanduser(DEFAULT_FILE):
        data["defaults"] = {"ssh_config": [config_path]}
    data["hosts"] = out
    return data


__all__ = ["DEFAULT_FILE", "import_ssh_config", "parse_ssh_config"]
