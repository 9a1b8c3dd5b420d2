"""Container status: one ``docker inspect`` of every compose container on a host.

The command is a constant script; the parser is pure (no clock: uptime is computed
later by :func:`uptime_seconds` with an explicit ``now``). :func:`match_declared`
maps what the inventory declares onto what was found, by compose labels, so it works
for v1 (``proj_svc_1``) and v2 (``proj-svc-1``) container names alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from dozor.collectors.base import Collector, CollectorError, check_docker, first_line
from dozor.inventory.models import Project
from dozor.transport.base import CommandResult

LABEL_PROJECT = "com.docker.compose.project"
LABEL_SERVICE = "com.docker.compose.service"
LABEL_NUMBER = "com.docker.compose.container-number"
LABEL_ONEOFF = "com.docker.compose.oneoff"
LABEL_DEPENDS_ON = "com.docker.compose.depends_on"
# Environment values that name another host: a URL's host, or the value of a *_HOST/*_ADDR-style variable.
_URL_HOST = re.compile(r"^[a-z][a-z0-9+.-]*://(?:[^@/\s]*@)?([A-Za-z0-9][A-Za-z0-9_.-]*)", re.IGNORECASE)
_HOST_KEY = re.compile(r"(?:^|_)(?:HOST|HOSTNAME|ADDR|ADDRESS|SERVER|ENDPOINT|UPSTREAM)S?$", re.IGNORECASE)
_HOST_VALUE = re.compile(r"^([A-Za-z][A-Za-z0-9_.-]*)(?::\d+)?$")

HEALTH_OUTPUT_LIMIT = 500

# $1 = "all" to inspect every container, anything else = compose containers only.
# `|| exit` keeps docker's exit status and stderr when the engine cannot be reached.
STATUS_SCRIPT = (
    'if [ "$1" = all ]; then ids=$(docker ps -aq) || exit $?; '
    "else ids=$(docker ps -aq --filter label=" + LABEL_PROJECT + ") || exit $?; fi; "
    "if [ -z \"$ids\" ]; then echo '[]'; else docker inspect $ids; fi"
)


class ContainerState(StrEnum):
    """Docker's ``State.Status``."""

    CREATED = "created"
    RUNNING = "running"
    RESTARTING = "restarting"
    PAUSED = "paused"
    EXITED = "exited"
    REMOVING = "removing"
    DEAD = "dead"


class HealthState(StrEnum):
    """Docker's ``State.Health.Status`` (absent when the image has no healthcheck)."""

    STARTING = "starting"
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"


class PortMapping(BaseModel):
    """One container port and, when bound, the host side."""

    container_port: int
    protocol: str = "tcp"
    host_ip: str | None = Field(default=None, description="Host address; None when not bound.")
    host_port: int | None = Field(default=None, description="Host port; None when only exposed.")
    published: bool = Field(
        default=False,
        description="True when the engine reports the binding as live (NetworkSettings.Ports); "
        "False for requested-but-not-active bindings (stopped container, network none/host) and exposed ports.",
    )


class ContainerStatus(BaseModel):
    """What ``docker inspect`` says about one container, trimmed to what an operator needs."""

    id: str = Field(description="Short (12 character) container id.")
    name: str
    project: str | None = Field(default=None, description="com.docker.compose.project label.")
    service: str | None = Field(default=None, description="com.docker.compose.service label.")
    container_number: int | None = None
    oneoff: bool = Field(default=False, description="Created by `compose run` rather than `up`.")
    image: str = Field(description="Image reference as configured (Config.Image).")
    state: ContainerState
    health: HealthState | None = None
    health_output: str | None = Field(default=None, description="Output of the last healthcheck, cut to 500.")
    health_failing_streak: int = 0
    exit_code: int | None = Field(default=None, description="Last exit code; None while never started.")
    error: str | None = Field(default=None, description="State.Error (e.g. why the start failed).")
    oom_killed: bool = False
    restart_count: int = 0
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    ports: list[PortMapping] = Field(default_factory=list)
    restart_policy: str = Field(default="no", description="no, always, unless-stopped, on-failure.")
    mem_limit: int | None = Field(default=None, description="Memory limit in bytes; None when unlimited.")
    network_mode: str | None = None
    privileged: bool = False
    depends_on: list[str] = Field(
        default_factory=list, description="Services this one depends on (compose's depends_on label, v2)."
    )
    peers: list[str] = Field(
        default_factory=list,
        description="Host names the container's environment points at (URL hosts, *_HOST values); never values.",
    )
    tty: bool = Field(default=False, description="Config.Tty: its log is raw text, not multiplexed frames.")


class ServiceState(BaseModel):
    """A compose service: declared in the inventory, found on the host, or both."""

    project: str
    service: str | None = Field(
        default=None, description="None when a declared project lists no services and nothing was found."
    )
    declared: bool = Field(description="Named in the inventory (False: discovered on the host).")
    missing: bool = Field(description="Declared but no container carries its labels.")
    containers: list[ContainerStatus] = Field(default_factory=list)

    @property
    def running(self) -> int:
        """How many of its containers are running."""
        return sum(1 for c in self.containers if c.state == ContainerState.RUNNING)


def status_argv(include_all: bool = False) -> list[str]:
    """``sh -c`` running the constant status script; ``include_all`` also inspects non-compose containers."""
    return ["sh", "-c", STATUS_SCRIPT, "dozor-status", "all" if include_all else "compose"]


def parse_docker_time(value: str | None) -> datetime | None:
    """Parse docker's RFC 3339 nanosecond timestamps; ``0001-01-01T00:00:00Z`` (never) gives None."""
    if not value or value.startswith("0001-01-01"):
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    # Python accepts at most 6 fractional digits: cut nanoseconds to microseconds.
    if "." in text:
        head, rest = text.split(".", 1)
        digits = ""
        i = 0
        while i < len(rest) and rest[i].isdigit():
            digits += rest[i]
            i += 1
        text = f"{head}.{(digits + '000000')[:6]}{rest[i:]}"
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise CollectorError(f"unreadable docker timestamp {value!r}") from exc


def _ports(c: dict[str, Any]) -> list[PortMapping]:
    live: dict[str, Any] = (c.get("NetworkSettings") or {}).get("Ports") or {}
    wanted: dict[str, Any] = (c.get("HostConfig") or {}).get("PortBindings") or {}
    exposed: dict[str, Any] = (c.get("Config") or {}).get("ExposedPorts") or {}
    out: list[PortMapping] = []
    seen: set[tuple[int, str, str | None, int | None]] = set()

    def add(key: str, bindings: list[dict[str, str]] | None, published: bool) -> None:
        port_s, _, proto = key.partition("/")
        try:
            port = int(port_s)
        except ValueError:
            return
        proto = proto or "tcp"
        for b in bindings or [{}]:
            host_ip = b.get("HostIp") or None
            hp = b.get("HostPort") or ""
            host_port = int(hp) if hp.isdigit() else None
            k = (port, proto, host_ip, host_port)
            if k not in seen:
                seen.add(k)
                out.append(PortMapping(container_port=port, protocol=proto, host_ip=host_ip,
                                       host_port=host_port, published=published and host_port is not None))

    for key in sorted(set(live) | set(wanted) | set(exposed), key=_port_sort_key):
        if live.get(key):
            add(key, live[key], True)
        elif wanted.get(key):
            add(key, wanted[key], False)
        else:
            add(key, None, False)
    return out


def _port_sort_key(key: str) -> tuple[int, str]:
    port, _, proto = key.partition("/")
    return (int(port) if port.isdigit() else 0, proto)


def container_from_inspect(c: dict[str, Any]) -> ContainerStatus:
    """Build a ``ContainerStatus`` from one element of ``docker inspect`` output."""
    try:
        state = c["State"]
        config = c.get("Config") or {}
        host = c.get("HostConfig") or {}
        labels: dict[str, str] = config.get("Labels") or {}
        health = state.get("Health") or None
        health_status = health.get("Status") if health else None
        health_output = None
        if health and health.get("Log"):
            health_output = (health["Log"][-1].get("Output") or "").strip()[:HEALTH_OUTPUT_LIMIT]
        number = labels.get(LABEL_NUMBER, "")
        started = parse_docker_time(state.get("StartedAt"))
        # compose v1 leaves the name empty when no policy is set; the engine treats that as "no".
        restart = (host.get("RestartPolicy") or {}).get("Name") or "no"
        return ContainerStatus(
            id=c["Id"][:12],
            name=c.get("Name", "").lstrip("/"),
            project=labels.get(LABEL_PROJECT),
            service=labels.get(LABEL_SERVICE),
            container_number=int(number) if number.isdigit() else None,
            oneoff=labels.get(LABEL_ONEOFF, "").lower() == "true",
            image=config.get("Image") or c.get("Image", ""),
            state=ContainerState(state.get("Status", "dead")),
            health=HealthState(health_status) if health_status in HealthState._value2member_map_ else None,
            health_output=health_output,
            health_failing_streak=int(health.get("FailingStreak", 0)) if health else 0,
            exit_code=state.get("ExitCode") if started or state.get("ExitCode") else None,
            error=state.get("Error") or None,
            oom_killed=bool(state.get("OOMKilled")),
            restart_count=int(c.get("RestartCount") or 0),
            created_at=parse_docker_time(c.get("Created")),
            started_at=started,
            finished_at=parse_docker_time(state.get("FinishedAt")),
            ports=_ports(c),
            restart_policy=restart,
            mem_limit=int(host.get("Memory") or 0) or None,
            network_mode=host.get("NetworkMode") or None,
            privileged=bool(host.get("Privileged")),
            depends_on=parse_depends_on(labels.get(LABEL_DEPENDS_ON, "")),
            peers=env_peers(config.get("Env") or []),
            tty=bool(config.get("Tty")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CollectorError(f"unexpected docker inspect shape: {exc!r}") from exc


def parse_depends_on(label: str) -> list[str]:
    """``db:service_started:false,cache:service_healthy`` → ``["db", "cache"]``."""
    return [part.split(":", 1)[0].strip() for part in label.split(",") if part.split(":", 1)[0].strip()]


def env_peers(env: list[str]) -> list[str]:
    """Host names that ``KEY=value`` environment entries point at; the values themselves are not kept."""
    found: list[str] = []
    for entry in env:
        key, _, value = entry.partition("=")
        m = _URL_HOST.match(value.strip())
        if m is None and _HOST_KEY.search(key):
            m = _HOST_VALUE.match(value.strip())
        if m is not None and m.group(1).lower() not in found:
            found.append(m.group(1).lower())
    return found


def inspect_objects(result: CommandResult) -> list[dict[str, Any]]:
    """The JSON array printed by the status script's ``docker inspect`` (docker errors raised as such)."""
    check_docker(result)
    text = result.stdout.strip()
    if not text:
        raise CollectorError(f"docker inspect printed nothing (exit {result.exit_status}): "
                             + first_line(result.stderr))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CollectorError(f"docker inspect output is not JSON: {first_line(text)}") from exc
    if not isinstance(data, list):
        raise CollectorError("docker inspect output is not a JSON array")
    # A container removed between `ps` and `inspect` makes inspect exit 1 ("No such object")
    # while still printing the others: keep what we have.
    if result.exit_status not in (0, None) and "no such object" not in result.stderr.lower():
        raise CollectorError(f"docker inspect failed (exit {result.exit_status}): {first_line(result.stderr)}")
    return data


def parse_status(result: CommandResult) -> list[ContainerStatus]:
    """Parse the status script's output (a ``docker inspect`` JSON array)."""
    return [container_from_inspect(c) for c in inspect_objects(result)]


def uptime_seconds(container: ContainerStatus, now: datetime) -> float | None:
    """Seconds since the container started, if it is running (or paused); else None."""
    if container.started_at is None or container.state not in (ContainerState.RUNNING, ContainerState.PAUSED):
        return None
    return max(0.0, (now - container.started_at).total_seconds())


def match_declared(
    containers: Sequence[ContainerStatus],
    projects: Sequence[Project],
    *,
    include_undeclared: bool = False,
) -> list[ServiceState]:
    """Map declared projects/services onto containers, by compose labels.

    - A declared service with no container is reported with ``missing=True``.
    - A declared project listing no services reports every service found for it
      (or one ``missing`` entry with ``service=None`` when nothing was found).
    - Services found in a declared project but not listed are reported with ``declared=False``.
    - When ``projects`` is empty every compose project found is reported (discovery).
      Otherwise undeclared projects are left out unless ``include_undeclared``.
    - One-off containers (``compose run``) never satisfy a service and are skipped.
    """
    found: dict[tuple[str, str], list[ContainerStatus]] = {}
    for c in containers:
        if c.project is None or c.service is None or c.oneoff:
            continue
        found.setdefault((c.project, c.service), []).append(c)
    for group in found.values():
        group.sort(key=lambda c: (c.container_number or 0, c.name))

    out: list[ServiceState] = []
    declared_names = {p.name for p in projects}
    for p in projects:
        found_here = sorted(s for (proj, s) in found if proj == p.name)
        for s in p.services:
            cs = found.get((p.name, s), [])
            out.append(ServiceState(project=p.name, service=s, declared=True, missing=not cs, containers=cs))
        for s in found_here:
            if s not in p.services:
                out.append(ServiceState(project=p.name, service=s, declared=not p.services,
                                        missing=False, containers=found[(p.name, s)]))
        if not p.services and not found_here:
            out.append(ServiceState(project=p.name, service=None, declared=True, missing=True))
    if not projects or include_undeclared:
        for (proj, s), cs in sorted(found.items()):
            if proj not in declared_names:
                out.append(ServiceState(project=proj, service=s, declared=False, missing=False, containers=cs))
    return out


STATUS: Collector[list[ContainerStatus]] = Collector(
    name="status",
    argv=status_argv,
    parse=parse_status,
    description="docker inspect of every compose container (state, health, restarts, OOM, ports, limits).",
)
