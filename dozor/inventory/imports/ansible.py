"""An inventory from an Ansible inventory file, INI or YAML.

Carried over: hosts (``web[01:03].example.com`` ranges expanded), groups and their children (as
``[groups]`` with nested ``@child`` members; ``all`` and ``ungrouped`` are implicit and left out), and the
connection variables that have a dozor field:

- ``ansible_host`` (``ansible_ssh_host``) -> ``address``;
- ``ansible_user`` (``ansible_ssh_user``) -> ``user``;
- ``ansible_port`` (``ansible_ssh_port``, or ``host:port``) -> ``port``;
- ``ansible_ssh_private_key_file`` (``ansible_private_key_file``) -> ``identity_files``;
- ``ansible_connection=local`` -> ``address = "local"``.

Group variables follow Ansible's precedence (``all`` < parent < child group, same depth by name, host
variables last): ``all``'s go to ``[defaults]``, the others onto each member host. Every other variable
is dropped and named on stderr. The YAML is read with PyYAML; the INI format (host lines with
``key=value`` pairs, ``[group:vars]``, ``[group:children]``) is not INI as configparser knows it, so it is
read here, strictly, every error naming its line.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dozor.errors import InventoryError
from dozor.inventory.imports import Imported, compact
from dozor.inventory.models import _NAME, LOCAL

IMPLICIT = ("all", "ungrouped")
# Ansible variable -> dozor host field (the first spelling is Ansible's current one).
_FIELDS = {
    "ansible_host": "address",
    "ansible_ssh_host": "address",
    "ansible_user": "user",
    "ansible_ssh_user": "user",
    "ansible_port": "port",
    "ansible_ssh_port": "port",
    "ansible_ssh_private_key_file": "identity_files",
    "ansible_private_key_file": "identity_files",
}
_RANGE = re.compile(r"\[([^\]:]+):([^\]:]+)(?::(\d+))?\]")


@dataclass
class Group:
    """One Ansible group: its direct hosts, child groups and variables."""

    hosts: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    vars: dict[str, Any] = field(default_factory=dict)


@dataclass
class Parsed:
    """What an Ansible inventory declares, whatever its format."""

    groups: dict[str, Group] = field(default_factory=dict)
    hosts: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> host variables

    def group(self, name: str) -> Group:
        return self.groups.setdefault(name, Group())

    def add_host(self, group: str, name: str, variables: dict[str, Any]) -> None:
        self.hosts.setdefault(name, {}).update(variables)
        g = self.group(group)
        if name not in g.hosts:
            g.hosts.append(name)


def import_ansible(path: str | Path) -> Imported:
    """Read an Ansible inventory file: YAML when it ends in .yml/.yaml or starts like YAML, else INI."""
    shown = str(path)
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InventoryError(shown, [("", f"cannot read: {getattr(exc, 'strerror', None) or exc}")]) from None
    if _looks_yaml(shown, text):
        return to_inventory(parse_yaml(text, shown), shown)
    return to_inventory(parse_ini(text, shown), shown)


def _looks_yaml(path: str, text: str) -> bool:
    if path.endswith((".yml", ".yaml")):
        return True
    if path.endswith(".ini"):
        return False
    first = next((ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith(("#", ";"))),
                 "")
    return first == "---" or (first.endswith(":") and not first.startswith("["))


# ------------------------------------------------------------------------------------------------------ INI


def parse_ini(text: str, source: str) -> Parsed:
    """Ansible's INI inventory: ``[group]`` host lines, ``[group:vars]`` ``key=value``, ``[group:children]``."""
    parsed = Parsed()
    section, kind = "ungrouped", "hosts"
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        where = f"line {n}"
        if line.startswith("["):
            m = re.fullmatch(r"\[([^\]:\s]+)(?::(\w+))?\]\s*(?:[#;].*)?", line)
            if not m:
                raise InventoryError(source, [(where, f"bad section header {line!r}")])
            section, kind = m[1], m[2] or "hosts"
            if kind not in ("hosts", "vars", "children"):
                raise InventoryError(source, [(where, f"unknown section kind ':{kind}' (vars or children)")])
            parsed.group(section)
            continue
        if kind == "vars":
            key, sep, value = line.partition("=")
            if not sep or not key.strip():
                raise InventoryError(source, [(where, f"[{section}:vars] expects key=value, got {line!r}")])
            parsed.group(section).vars[key.strip()] = _ini_value(value.strip())
        elif kind == "children":
            child = line.split()[0]
            if len(line.split()) > 1 and not line.split()[1].startswith(("#", ";")):
                raise InventoryError(source, [(where, f"[{section}:children] expects one group name, got {line!r}")])
            if child not in parsed.group(section).children:
                parsed.group(section).children.append(child)
            parsed.group(child)
        else:
            _ini_host_line(parsed, section, line, where, source)
    return parsed


def _ini_host_line(parsed: Parsed, section: str, line: str, where: str, source: str) -> None:
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError as exc:
        raise InventoryError(source, [(where, f"{exc}: {line!r}")]) from None
    pattern, *pairs = tokens
    variables: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InventoryError(source, [(where, f"expected key=value after the host name, got {pair!r}")])
        variables[key] = _ini_value(value)
    m = re.fullmatch(r"(.+?):(\d+)", pattern)  # host:port, as Ansible allows (not for IPv6 literals)
    if m and pattern.count(":") == 1:
        pattern = m[1]
        variables.setdefault("ansible_port", int(m[2]))
    for name in expand_range(pattern, where, source):
        parsed.add_host(section, name, variables)


def _ini_value(raw: str) -> Any:
    """As Ansible reads INI values: a Python literal when it is one, else the string."""
    try:
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return raw


def expand_range(pattern: str, where: str, source: str) -> list[str]:
    """``web[01:03]`` -> web01, web02, web03; ``db-[a:c]`` -> db-a, db-b, db-c; ``[0:10:5]`` steps by 5."""
    m = _RANGE.search(pattern)
    if not m:
        return [pattern]
    start, end, step = m[1], m[2], int(m[3] or 1)
    head, tail = pattern[: m.start()], pattern[m.end():]
    if start.isdigit() and end.isdigit():
        width = len(start) if start.startswith("0") else 0
        values = [str(i).zfill(width) for i in range(int(start), int(end) + 1, step)]
    elif len(start) == 1 and len(end) == 1 and start.isalpha() and end.isalpha():
        values = [chr(c) for c in range(ord(start), ord(end) + 1, step)]
    else:
        raise InventoryError(source, [(where, f"bad host range [{m[1]}:{m[2]}] in {pattern!r}")])
    if not values or step < 1:
        raise InventoryError(source, [(where, f"empty host range in {pattern!r}")])
    return [name for v in values for name in expand_range(head + v + tail, where, source)]


# ----------------------------------------------------------------------------------------------------- YAML


def parse_yaml(text: str, source: str) -> Parsed:
    """Ansible's YAML inventory: groups with ``hosts``, ``children`` (nested) and ``vars``."""
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise InventoryError(source, [(where, f"YAML error: {getattr(exc, 'problem', None) or exc}")]) from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise InventoryError(source, [("", "expected a mapping of group names at the top")])
    parsed = Parsed()
    for name, body in doc.items():
        _yaml_group(parsed, str(name), body, str(name), source)
    return parsed


def _yaml_group(parsed: Parsed, name: str, body: Any, path: str, source: str) -> None:
    group = parsed.group(name)
    if body is None:
        return
    if not isinstance(body, dict):
        raise InventoryError(source, [(path, "a group must be a mapping (hosts, children, vars)")])
    unknown = sorted(set(body) - {"hosts", "children", "vars"})
    if unknown:
        raise InventoryError(source, [(f"{path}.{unknown[0]}", "unknown key (hosts, children or vars)")])
    hosts = body.get("hosts") or {}
    if not isinstance(hosts, dict):
        raise InventoryError(source, [(f"{path}.hosts", "must be a mapping of host names")])
    for pattern, variables in hosts.items():
        if variables is not None and not isinstance(variables, dict):
            raise InventoryError(source, [(f"{path}.hosts.{pattern}", "host variables must be a mapping")])
        for host in expand_range(str(pattern), f"{path}.hosts", source):
            parsed.add_host(name, host, dict(variables or {}))
    variables = body.get("vars") or {}
    if not isinstance(variables, dict):
        raise InventoryError(source, [(f"{path}.vars", "must be a mapping")])
    group.vars.update(variables)
    children = body.get("children") or {}
    if not isinstance(children, dict):
        raise InventoryError(source, [(f"{path}.children", "must be a mapping of group names")])
    for child, child_body in children.items():
        if str(child) not in group.children:
            group.children.append(str(child))
        _yaml_group(parsed, str(child), child_body, f"{path}.children.{child}", source)


# ------------------------------------------------------------------------------------------ to an inventory


def to_inventory(parsed: Parsed, source: str) -> Imported:
    """The dozor inventory data of a parsed Ansible inventory, and what could not be carried over."""
    dropped: list[str] = []
    skipped_vars: dict[str, list[str]] = {}  # variable -> where it was set

    def mapped(variables: dict[str, Any], where: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in variables.items():
            if key == "ansible_connection":
                if value == "local":
                    out["address"] = LOCAL
                elif value not in ("ssh", "paramiko", "smart"):
                    skipped_vars.setdefault(f"{key}={value}", []).append(where)
            elif key in _FIELDS:
                f = _FIELDS[key]
                out.setdefault(f, [str(value)] if f == "identity_files" else value)
            else:
                skipped_vars.setdefault(key, []).append(where)
        return out

    depth = _depths(parsed)
    holding = _holding(parsed)
    group_fields = {g: mapped(grp.vars, f"group {g}") for g, grp in parsed.groups.items() if g != "all"}
    defaults = mapped(parsed.groups["all"].vars, "group all") if "all" in parsed.groups else {}
    if "address" in defaults:
        dropped.append("group all: ansible_host / ansible_connection for every host skipped")
        del defaults["address"]
    hosts: dict[str, Any] = {}
    for name, variables in parsed.hosts.items():
        if not _NAME.match(name):
            dropped.append(f"host {name!r} skipped: not a valid dozor host name (letters, digits, '-', '_', '.')")
            continue
        table: dict[str, Any] = {}
        for g in sorted(holding.get(name, ()), key=lambda g: (depth.get(g, 1), g)):
            table.update(group_fields.get(g, {}))
        table.update(mapped(variables, f"host {name}"))
        table.setdefault("address", name)
        hosts[name] = _host_table(table, name, source)
    groups: dict[str, list[str]] = {}
    for g, grp in parsed.groups.items():
        if g in IMPLICIT:
            continue
        if not _NAME.match(g):
            dropped.append(f"group {g!r} skipped: not a valid dozor group name")
            continue
        groups[g] = [h for h in grp.hosts if h in hosts] + [
            f"@{c}" for c in grp.children if c not in IMPLICIT and _NAME.match(c)
        ]
    for key, places in skipped_vars.items():
        shown = ", ".join(places[:5]) + (f" and {len(places) - 5} more" if len(places) > 5 else "")
        dropped.append(f"variable {key} dropped ({shown}): dozor has no such setting")
    data: dict[str, Any] = {}
    if defaults:
        data["defaults"] = _host_table(defaults, "all", source)
    if groups:
        data["groups"] = groups
    data["hosts"] = hosts
    return Imported(data=data, source=source, dropped=dropped)


def _host_table(table: dict[str, Any], where: str, source: str) -> dict[str, Any]:
    port = table.get("port")
    if port is not None:
        try:
            table["port"] = int(port)
        except (TypeError, ValueError):
            raise InventoryError(source, [(where, f"ansible_port is not a number: {port!r}")]) from None
    if "address" in table:
        table["address"] = str(table["address"])
    if "user" in table:
        table["user"] = str(table["user"])
    order = ("address", "user", "port", "identity_files")
    return compact({k: table.get(k) for k in order if k in table})


def _depths(parsed: Parsed) -> dict[str, int]:
    """Ansible's group depth: ``all`` 0, a top-level group 1, a child one more than its deepest parent."""
    parents: dict[str, set[str]] = {}
    for g, grp in parsed.groups.items():
        for c in grp.children:
            parents.setdefault(c, set()).add(g)
    done: dict[str, int] = {"all": 0}

    def depth(g: str, seen: tuple[str, ...] = ()) -> int:
        if g in done:
            return done[g]
        if g in seen:  # a cycle: Ansible refuses it; dozor's loader will name it
            return 1
        ps = parents.get(g, set()) - {"all"}
        done[g] = 1 + max((depth(p, (*seen, g)) for p in ps), default=0)
        return done[g]

    return {g: depth(g) for g in parsed.groups}


def _holding(parsed: Parsed) -> dict[str, set[str]]:
    """Host -> every group holding it, directly or through children."""
    parents: dict[str, set[str]] = {}
    for g, grp in parsed.groups.items():
        for child in grp.children:
            parents.setdefault(child, set()).add(g)
    out: dict[str, set[str]] = {}
    for g, grp in parsed.groups.items():
        for h in grp.hosts:
            found = out.setdefault(h, set())
            pending = [g]
            while pending:  # up through the parents; a cycle stops at a group already seen
                cur = pending.pop()
                if cur not in found:
                    found.add(cur)
                    pending.extend(parents.get(cur, ()))
    return out


__all__ = ["Group", "Parsed", "expand_range", "import_ansible", "parse_ini", "parse_yaml", "to_inventory"]
