"""What each host of an inventory will really use: defaults applied, groups expanded, ssh_config read.

``dozor inventory check`` prints this. It connects to nothing: the ssh_config files are evaluated for each
host's address the way the SSH transport's library evaluates them at connect time (Host and Match blocks,
Include, first value wins; values set in the inventory win over the file).
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from dozor.errors import InventoryError
from dozor.inventory.models import Inventory, KnownHostsPolicy, ResolvedHost, Timeouts

DEFAULT_SSH_CONFIG = "~/.ssh/config"
DEFAULT_PORT = 22


class EffectiveHost(BaseModel):
    """One host as a connection would see it."""

    name: str
    address: str = Field(description="The inventory's address (an ssh_config alias is resolved in hostname).")
    local: bool = Field(description="True for address 'local': commands run here, no SSH.")
    hostname: str | None = Field(default=None, description="What the SSH connection dials (ssh_config HostName).")
    user: str | None = None
    port: int | None = None
    identity_files: list[str] = Field(default_factory=list)
    proxy_jump: str | None = Field(default=None, description="ssh_config ProxyJump, when one applies.")
    ssh_config: list[str] = Field(default_factory=list, description="ssh_config files read for this host.")
    from_ssh_config: list[str] = Field(
        default_factory=list, description="Which of hostname/user/port/identity_files/proxy_jump came from them."
    )
    known_hosts: KnownHostsPolicy
    read_only: bool
    keepalive: float
    engine_api: bool
    docker_socket: str | None
    timeouts: Timeouts
    groups: list[str]
    tags: list[str]
    projects: list[str]


SshLookup = Callable[[list[str], str, str | None, int | None], dict[str, Any]]


def effective_hosts(inv: Inventory, *, ssh_lookup: SshLookup | None = None) -> list[EffectiveHost]:
    """Every host of ``inv`` in inventory order.

    Raises ``InventoryError`` naming the inventory and the ``ssh_config`` key that lists a file which cannot
    be read or parsed (one problem per key, however many hosts share it).
    """
    lookup = ssh_lookup or ssh_config_options
    out: list[EffectiveHost] = []
    problems: dict[str, str] = {}
    for name, host in inv.hosts.items():
        try:
            out.append(effective_host(inv.resolve(name), lookup))
        except InventoryError as exc:  # from the ssh_config lookup: file and problem, re-keyed to our key
            key = f"hosts.{name}.ssh_config" if host.ssh_config is not None else "defaults.ssh_config"
            problems.setdefault(key, "; ".join(f"{exc.where}: {msg}" for _, msg in exc.problems))
    if problems:
        where = inv.source.removeprefix("file:")
        raise InventoryError(where, list(problems.items()))
    return out


def effective_host(h: ResolvedHost, lookup: SshLookup) -> EffectiveHost:
    """One resolved host with its ssh_config applied (nothing for a local host)."""
    common = {
        "name": h.name,
        "address": h.address,
        "local": h.is_local,
        "known_hosts": h.known_hosts,
        "read_only": h.read_only,
        "keepalive": h.keepalive,
        "engine_api": h.engine_api,
        "docker_socket": h.docker_socket,
        "timeouts": h.timeouts,
        "groups": h.groups,
        "tags": h.tags,
        "projects": [p.name for p in h.projects],
    }
    if h.is_local:
        return EffectiveHost(**common)
    files = ssh_config_files(h.ssh_config)
    found = lookup(files, h.address, h.user, h.port) if files else {}
    taken: list[str] = []

    def pick(field: str, ours: Any, theirs: Any, fallback: Any) -> Any:
        if ours:
            return ours
        if theirs:
            taken.append(field)
            return theirs
        return fallback

    hostname = pick("hostname", None, found.get("Hostname") if found.get("Hostname") != h.address else None,
                    h.address)
    user = pick("user", h.user, found.get("User"), _local_user())
    port = pick("port", h.port, found.get("Port"), DEFAULT_PORT)
    identity = pick("identity_files", h.identity_files, list(found.get("IdentityFile") or []), [])
    jump = pick("proxy_jump", None, _jump(found.get("ProxyJump")), None)
    return EffectiveHost(
        **common, hostname=hostname, user=user, port=int(port), identity_files=identity, proxy_jump=jump,
        ssh_config=files, from_ssh_config=taken,
    )


def ssh_config_files(configured: list[str] | None) -> list[str]:
    """The files the transport reads: the inventory's list, else ``~/.ssh/config`` when it is readable."""
    if configured is not None:
        return list(configured)
    default = os.path.expanduser(DEFAULT_SSH_CONFIG)
    return [DEFAULT_SSH_CONFIG] if os.access(default, os.R_OK) else []


def ssh_config_options(files: list[str], host: str, user: str | None, port: int | None) -> dict[str, Any]:
    """The options ``files`` give ``host`` (keys as in the file: Hostname, User, Port, IdentityFile...).

    Raises ``InventoryError`` when a file is missing or does not parse (a connection would fail alike).
    """
    from asyncssh.config import SSHClientConfig

    paths = [Path(os.path.expanduser(f)) for f in files]
    for p in paths:
        if not p.is_file():
            raise InventoryError(str(p), [("", "file not found")])
    try:
        config = SSHClientConfig.load(
            None, paths, False, False, False, _local_user(), user or (), host, port or ()
        )
    except (OSError, ValueError) as exc:  # asyncssh's ConfigParseError names the file and line
        raise InventoryError("ssh_config", [("", str(exc))]) from None
    return {k: config.get(k) for k in ("Hostname", "User", "Port", "IdentityFile", "ProxyJump")}


def _jump(value: Any) -> str | None:
    if not value:
        return None
    text = value if isinstance(value, str) else ",".join(str(v) for v in value)
    return None if text.lower() == "none" else text


def _local_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


__all__ = [
    "EffectiveHost",
    "effective_host",
    "effective_hosts",
    "ssh_config_files",
    "ssh_config_options",
]
