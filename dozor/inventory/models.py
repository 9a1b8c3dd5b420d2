"""Inventory models: what the fleet is made of, validated from TOML."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

LOCAL = "local"

# Host, group and tag names must stay clear of the selector's syntax (, : ! & @ * ? [ ]).
_NAME = re.compile(r"^\w[\w.-]*$")
_NAME_RULE = "may hold only letters, digits, '-', '_' and '.', and must start with a letter or digit"


def check_name(kind: str, name: str) -> str:
    """Return ``name`` if it is a valid host, group or tag name, else raise ``ValueError``."""
    if not _NAME.match(name):
        raise ValueError(f"{kind} name {name!r} {_NAME_RULE}")
    return name


class KnownHostsPolicy(StrEnum):
    """How unknown SSH host keys are treated. A changed key is always refused."""

    STRICT = "strict"
    ACCEPT_NEW = "accept-new"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Timeouts(_Strict):
    """Layered timeouts, seconds. Every layer is on by default."""

    connect: float = Field(default=10.0, gt=0, description="TCP connect + SSH handshake + auth.")
    command: float = Field(default=30.0, gt=0, description="One remote command; the channel is closed after.")
    host: float = Field(default=60.0, gt=0, description="Everything one operation does on one host.")
    fleet: float = Field(default=120.0, gt=0, description="A whole fleet-wide operation.")


class Thresholds(_Strict):
    """Alert thresholds (percentages unless noted)."""

    disk_warning: float = Field(default=85.0, description="Disk use that raises a warning.")
    disk_critical: float = Field(default=95.0, description="Disk use that raises a critical alert.")
    host_memory: float = Field(default=90.0, description="Host memory use that raises a warning.")
    container_memory: float = Field(default=90.0, description="Container memory use vs its limit.")
    restart_window_minutes: float = Field(default=15.0, description="Window for crash-loop detection.")
    restarts_in_window: int = Field(default=3, description="Restarts within the window that make a crash loop.")
    error_burst: int = Field(default=20, description="Error lines in the analysed log tail that make a burst.")
    docker_reclaimable: float = Field(
        default=25.0, description="Space Docker could reclaim, as % of the free space where its data lives.")
    docker_reclaimable_min_gib: float = Field(
        default=1.0, description="Reclaimable space below this many GiB raises nothing, whatever its share.")


class Project(_Strict):
    """A docker compose project on a host."""

    name: str = Field(description="Compose project name (the com.docker.compose.project label).")
    path: str | None = Field(default=None, description="Directory holding the compose file on the host.")
    files: list[str] = Field(
        default_factory=list, description="Compose files relative to path; default: compose's own."
    )
    services: list[str] = Field(
        default_factory=list, description="Services that must exist; missing ones are reported."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not v or not all(c.isalnum() or c in "-_." for c in v):
            raise ValueError("project name may hold only letters, digits, '-', '_' and '.'")
        return v


class HostSettings(_Strict):
    """SSH and behaviour settings shared by [defaults] and each host (host values win)."""

    user: str | None = Field(default=None, description="SSH user; default from ssh config or the current user.")
    port: int | None = Field(default=None, ge=1, le=65535, description="SSH port; default from ssh config or 22.")
    identity_files: list[str] | None = Field(default=None, description="Private keys to offer.")
    ssh_config: list[str] | None = Field(
        default=None, description="OpenSSH config files to honour; default ~/.ssh/config, [] for none."
    )
    known_hosts: KnownHostsPolicy | None = Field(default=None, description="strict (default) or accept-new.")
    known_hosts_files: list[str] | None = Field(default=None, description="Trusted known_hosts files.")
    read_only: bool | None = Field(default=None, description="Refuse every mutation on this host.")
    keepalive: float | None = Field(default=None, description="Seconds between SSH keepalives (0 = off).")
    engine_api: bool | None = Field(
        default=None,
        description="Ask the Docker Engine API through the connection (no remote process) when its unix "
        "socket can be opened; false = always the docker CLI. Default: true.",
    )
    diagnose_undeclared: bool | None = Field(
        default=None,
        description="Diagnose the running services of compose projects the host does not declare (a crash "
        "loop is a fault whatever the inventory lists); false = only the declared projects. Default: true.",
    )
    docker_socket: str | None = Field(
        default=None,
        description="Path of the Docker engine's unix socket on the host, for the Engine API path. Default: "
        "the one the login environment's docker CLI uses (DOCKER_HOST, contexts), looked up once and "
        "remembered for an hour in state_dir. Remote commands (logs, compose) always use the login environment.",
    )

    @field_validator("docker_socket")
    @classmethod
    def _socket_path(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith("/"):
            raise ValueError("docker_socket must be an absolute path, e.g. /var/run/docker.sock")
        return v


class Defaults(HostSettings):
    """The [defaults] table: fleet-wide settings."""

    timeouts: Timeouts = Field(default_factory=Timeouts, description="Layered timeouts, seconds.")
    thresholds: Thresholds = Field(default_factory=Thresholds, description="Alert thresholds.")
    concurrency: int = Field(default=50, ge=1, le=1000, description="Hosts worked on at once.")
    max_channels: int = Field(default=8, ge=1, le=64, description="Concurrent commands per SSH connection.")
    retry_after: float = Field(
        default=20.0,
        ge=0,
        description="After a host failed to connect, seconds before a long-lived process (the MCP server) "
        "tries it again; until then the last failure is reported at once. 0 = always retry.",
    )
    state_dir: str | None = Field(default=None, description="dozor's own state (known_hosts it accepted, cache).")


class Host(HostSettings):
    """One [hosts.NAME] table."""

    name: str = Field(default="", description="Inventory name (the table key).")
    address: str = Field(description="DNS name, IP, ssh-config alias, or 'local' for this machine without SSH.")
    tags: list[str] = Field(default_factory=list, description="Labels selectable as @tag.")
    groups: list[str] = Field(default_factory=list, description="Groups this host joins, selectable as @group.")
    projects: list[Project] = Field(
        default_factory=list, description="Compose projects expected here; none = discover from container labels."
    )
    timeouts: Timeouts | None = Field(default=None, description="Replaces [defaults.timeouts] for this host.")
    thresholds: Thresholds | None = Field(default=None, description="Replaces [defaults.thresholds] for this host.")

    @field_validator("tags", "groups")
    @classmethod
    def _labels(cls, v: list[str]) -> list[str]:
        for label in v:
            check_name("group/tag", label)
        return v

    @field_validator("projects")
    @classmethod
    def _unique_projects(cls, v: list[Project]) -> list[Project]:
        seen: set[str] = set()
        for p in v:
            if p.name in seen:
                raise ValueError(f"duplicate project name {p.name!r}")
            seen.add(p.name)
        return v

    @property
    def is_local(self) -> bool:
        """True when commands run on this machine directly."""
        return self.address == LOCAL


class ResolvedHost(BaseModel):
    """A host with defaults applied: everything a transport needs, no None left to guess."""

    name: str
    address: str
    port: int | None
    user: str | None
    identity_files: list[str]
    ssh_config: list[str] | None
    known_hosts: KnownHostsPolicy
    known_hosts_files: list[str]
    read_only: bool
    keepalive: float
    tags: list[str]
    groups: list[str]
    projects: list[Project]
    timeouts: Timeouts
    thresholds: Thresholds
    max_channels: int
    retry_after: float = 20.0
    state_dir: str
    engine_api: bool = True
    diagnose_undeclared: bool = True
    docker_socket: str | None = None

    @property
    def is_local(self) -> bool:
        """True when commands run on this machine directly."""
        return self.address == LOCAL


class Inventory(_Strict):
    """A whole fleet: defaults, groups and hosts."""

    defaults: Defaults = Field(
        default_factory=Defaults, description="Fleet-wide settings; each SSH setting can be overridden per host."
    )
    groups: dict[str, list[str]] = Field(
        default_factory=dict, description="Group name -> members: host names or @group/@tag to nest."
    )
    hosts: dict[str, Host] = Field(default_factory=dict, description="Host name -> its [hosts.NAME] table.")
    source: str = Field(default="", description="Where this inventory came from (file path or description).")
    _whole: Inventory | None = PrivateAttr(default=None)
    _shard: str | None = PrivateAttr(default=None)

    @property
    def shard(self) -> str | None:
        """The shard this inventory was cut to (``2/4``, ``@eu``: :mod:`dozor.inventory.shard`), else None."""
        return self._shard

    @property
    def whole(self) -> Inventory:
        """The inventory before it was cut to a shard (this one when it was not): host patterns are read against
        it, so a name from another shard selects nothing here instead of being an unknown host."""
        return self._whole if self._whole is not None else self

    @model_validator(mode="after")
    def _check(self) -> Inventory:
        for name, host in self.hosts.items():
            check_name("host", name)
            host.name = name
        labels = set(self.labels())
        for group, members in self.groups.items():
            check_name("group", group)
            seen: set[str] = set()
            for m in members:
                if m in seen:
                    raise ValueError(f"groups.{group}: {m!r} is listed twice")
                seen.add(m)
                if m.startswith("@"):
                    if m[1:] not in labels:
                        raise ValueError(f"groups.{group}: unknown group or tag {m!r}" + _hint(m[1:], labels, "@"))
                elif m not in self.hosts:
                    raise ValueError(f"groups.{group}: unknown host {m!r}" + _hint(m, self.hosts, ""))
        expand = self._expander()
        for group in self.groups:
            expand(group)  # raises on a cycle
        return self

    def labels(self) -> list[str]:
        """Every group and tag name (without ``@``): ``[groups]`` keys first, then hosts' groups and tags."""
        found = dict.fromkeys(self.groups)
        for h in self.hosts.values():
            found.update(dict.fromkeys([*h.groups, *h.tags]))
        return list(found)

    def members(self, label: str) -> list[str]:
        """Host names in group or tag ``label`` (no ``@``), nested ``@groups`` expanded, in inventory order.

        Raises ``KeyError`` for an unknown label and ``ValueError`` for a group cycle.
        """
        found = self._expander()(label)
        return [n for n in self.hosts if n in found]

    def _expander(self) -> Callable[[str], frozenset[str]]:
        """A function from label to its host set. Built per call, since the model may be edited in between;
        within one call each label expands once, so resolving a big fleet stays linear."""
        direct: dict[str, set[str]] = {g: set() for g in self.groups}
        for n, h in self.hosts.items():
            for lbl in (*h.groups, *h.tags):
                direct.setdefault(lbl, set()).add(n)
        done: dict[str, frozenset[str]] = {}

        def expand(lbl: str, chain: tuple[str, ...] = ()) -> frozenset[str]:
            if lbl in done:
                return done[lbl]
            if lbl in chain:
                loop = (*chain[chain.index(lbl) :], lbl)
                raise ValueError(f"groups.{chain[-1]}: group cycle " + " -> ".join(f"@{g}" for g in loop))
            if lbl not in direct:
                raise KeyError(lbl)
            found = set(direct[lbl])
            for m in self.groups.get(lbl, ()):
                if m.startswith("@"):
                    found |= expand(m[1:], (*chain, lbl))
                else:
                    found.add(m)
            done[lbl] = frozenset(found)
            return done[lbl]

        return expand

    def _groups_holding(self, name: str) -> set[str]:
        """``[groups]`` keys that hold host ``name``, directly or through nested ``@labels``.

        Walks up from the host's own labels, so its cost follows the size of ``[groups]``, not the fleet.
        """
        h = self.hosts[name]
        inside = {f"@{lbl}" for lbl in (*h.groups, *h.tags)}
        pending = dict(self.groups)
        found: set[str] = set()
        grew = True
        while grew:
            grew = False
            for g, members in list(pending.items()):
                if name in members or not inside.isdisjoint(members):
                    found.add(g)
                    inside.add(f"@{g}")
                    del pending[g]
                    grew = True
        return found

    def resolve(self, name: str) -> ResolvedHost:
        """Apply [defaults] to one host."""
        h, d = self.hosts[name], self.defaults
        groups = sorted({*h.groups, *self._groups_holding(name)})

        def pick(field: str, fallback):
            v = getattr(h, field)
            if v is None:
                v = getattr(d, field)
            return fallback if v is None else v

        return ResolvedHost(
            name=name,
            address=h.address,
            port=pick("port", None),
            user=pick("user", None),
            identity_files=pick("identity_files", []),
            ssh_config=pick("ssh_config", None),
            known_hosts=pick("known_hosts", KnownHostsPolicy.STRICT),
            known_hosts_files=pick("known_hosts_files", ["~/.ssh/known_hosts"]),
            read_only=pick("read_only", False),
            keepalive=pick("keepalive", 30.0),
            tags=list(h.tags),
            groups=groups,
            projects=list(h.projects),
            timeouts=h.timeouts or d.timeouts,
            thresholds=h.thresholds or d.thresholds,
            max_channels=d.max_channels,
            retry_after=d.retry_after,
            state_dir=d.state_dir or str(default_state_dir()),
            engine_api=pick("engine_api", True),
            diagnose_undeclared=pick("diagnose_undeclared", True),
            docker_socket=pick("docker_socket", None),
        )


def _hint(name: str, choices: object, prefix: str) -> str:
    close = difflib.get_close_matches(name, list(choices), n=3)  # type: ignore[call-overload]
    return f" (did you mean {', '.join(prefix + c for c in close)}?)" if close else ""


def default_state_dir() -> Path:
    """``$XDG_STATE_HOME/dozor`` (``~/.local/state/dozor``)."""
    import os

    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "dozor"
