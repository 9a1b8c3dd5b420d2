"""The one place that decides whether a mutation may run on a host.

Rules (each refusal names its rule):

    name         service/project names match ``^[A-Za-z0-9][A-Za-z0-9_.-]*$`` (at most 128 chars)
    read-only    global read-only (``--read-only`` / ``DOZOR_READ_ONLY``) or the host's ``read_only``
    single-host  a selector matching several hosts is refused unless ``allow_many`` (CLI ``--all``)
    project      the project must be declared for the host in the inventory, with a ``path``;
                 paths and compose files come from the inventory, never from tool input
    service      when the project lists its services, the service must be one of them
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence

from dozor.envflags import env_flag
from dozor.errors import GuardRefused  # re-exported: defined with the other errors
from dozor.inventory.models import Project, ResolvedHost

READ_ONLY_ENV = "DOZOR_READ_ONLY"
MAX_NAME = 128
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# Compose file names from the inventory: relative, no traversal, no ':' (COMPOSE_FILE separator).
_FILE_RE = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_./-]*")
_PATH_RE = re.compile(r"/[A-Za-z0-9_./@+,=-]*")


def check_name(kind: str, value: object) -> str:
    """Return ``value`` if it is a valid service/project name, else raise ``GuardRefused``."""
    if not isinstance(value, str):
        raise GuardRefused("name", f"{kind} must be a string, got {type(value).__name__}")
    if len(value) > MAX_NAME:
        raise GuardRefused("name", f"{kind} is longer than {MAX_NAME} characters")
    if not NAME_RE.fullmatch(value) or not value.isascii():
        raise GuardRefused(
            "name", f"{kind} {value!r} may hold only ASCII letters, digits, '_', '.', '-' and must not start with one"
            " of '_.-'"
        )
    return value


def check_names(kind: str, values: Sequence[object] | None) -> list[str]:
    """Validate a list of names (``services``); None or empty gives []."""
    if values is None:
        return []
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise GuardRefused("name", f"{kind} must be a list of names")
    if len(values) > 64:
        raise GuardRefused("name", f"more than 64 {kind}")
    return [check_name(kind[:-1] if kind.endswith("s") else kind, v) for v in values]


def read_only_from_env(env: Mapping[str, str] | None = None) -> bool:
    """True when ``DOZOR_READ_ONLY`` is set to a true value (``ValueError`` when it is not a boolean)."""
    return env_flag(READ_ONLY_ENV, env=env)


def check_writable(host: ResolvedHost, *, read_only: bool = False) -> None:
    """Refuse when the fleet (flag or ``DOZOR_READ_ONLY``) or this host is read-only."""
    if read_only or read_only_from_env():
        raise GuardRefused(
            "read-only", f"read-only mode is on (--read-only / {READ_ONLY_ENV}); {host.name} not changed"
        )
    if host.read_only:
        raise GuardRefused("read-only", f"host {host.name} is read_only in the inventory")


def check_selection(hosts: Sequence[ResolvedHost], selector: str | None, *, allow_many: bool) -> None:
    """Refuse a selector that matches several hosts unless ``allow_many``; refuse an empty one."""
    if not hosts:
        raise GuardRefused("single-host", f"selector {selector!r} matches no host")
    if len(hosts) > 1 and not allow_many:
        names = ", ".join(h.name for h in hosts[:10]) + (" …" if len(hosts) > 10 else "")
        raise GuardRefused(
            "single-host",
            f"selector {selector or '(whole fleet)'!r} matches {len(hosts)} hosts ({names}); "
            "mutations run on one explicitly chosen host (the CLI's --all allows several)",
        )


def declared_project(host: ResolvedHost, project: str | None, service: str | None = None) -> Project:
    """The inventory's project on ``host``: by name, or the one declaring ``service``, or the only one.

    Raises ``GuardRefused`` when it is not declared, ambiguous, has no usable path or compose
    file names, or (when the project lists its services) does not list ``service``.
    """
    declared = host.projects
    if project is not None:
        check_name("project", project)
        found = [p for p in declared if p.name == project]
        if not found:
            names = ", ".join(p.name for p in declared) or "none"
            raise GuardRefused("project", f"project {project!r} is not declared for {host.name} (declared: {names})")
        chosen = found[0]
    else:
        candidates = [p for p in declared if service is not None and service in p.services] or (
            declared if len(declared) == 1 else []
        )
        if len(candidates) != 1:
            names = ", ".join(p.name for p in declared) or "none"
            raise GuardRefused(
                "project", f"name the project for {host.name}: {len(candidates) or 'no'} declared project(s) match"
                f" (declared: {names})"
            )
        chosen = candidates[0]
    if not chosen.path or not _PATH_RE.fullmatch(chosen.path) or "/../" in chosen.path + "/":
        raise GuardRefused(
            "project", f"project {chosen.name!r} on {host.name} has no usable absolute path in the inventory"
        )
    for f in chosen.files:
        norm = posixpath.normpath(f)
        if not _FILE_RE.fullmatch(f) or norm.startswith("..") or norm.startswith("/"):
            raise GuardRefused("project", f"compose file {f!r} of project {chosen.name!r} is not a plain relative path")
    if service is not None and chosen.services and service not in chosen.services:
        raise GuardRefused(
            "service",
            f"service {service!r} is not declared in project {chosen.name!r} on {host.name} "
            f"(declared: {', '.join(chosen.services)})",
        )
    return chosen
