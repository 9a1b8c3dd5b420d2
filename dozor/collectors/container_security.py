"""Security-relevant container settings from ``docker inspect`` (every container, compose or not).

Same command as the status collector (``status_argv(include_all=True)``), a different pure parser that keeps
what a security review needs: privileges, capabilities, mounts, namespaces, user, limits, restart policy,
healthcheck, image reference, port bindings (requested and live) and the NAMES of environment variables.
Environment values are dropped here, in the parser, so no model ever holds one.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from dozor.collectors.base import Collector, CollectorError
from dozor.collectors.status import LABEL_PROJECT, LABEL_SERVICE, PortMapping, _ports, inspect_objects, status_argv
from dozor.transport.base import CommandResult


class MountInfo(BaseModel):
    """A bind mount or volume as the engine reports it."""

    type: str = Field(description="bind, volume, tmpfs...")
    source: str = Field(description="Host path (bind) or volume name.")
    destination: str
    read_only: bool = False


class ContainerSecurity(BaseModel):
    """What ``docker inspect`` says about one container's security posture. No environment values."""

    id: str = Field(description="Full container id.")
    name: str
    project: str | None = None
    service: str | None = None
    image: str = Field(description="Config.Image as configured.")
    state: str
    pid: int | None = Field(default=None, description="State.Pid of the main process while running.")
    privileged: bool = False
    cap_add: list[str] = Field(default_factory=list)
    mounts: list[MountInfo] = Field(default_factory=list)
    network_mode: str | None = None
    pid_mode: str | None = None
    ipc_mode: str | None = None
    user: str = Field(default="", description="Config.User: empty means the image default, usually root.")
    memory: int | None = Field(default=None, description="Memory limit in bytes; None when unlimited.")
    restart_policy: str = "no"
    healthcheck: bool = Field(default=False, description="A healthcheck is configured (and not NONE).")
    ports: list[PortMapping] = Field(default_factory=list)
    env_names: list[str] = Field(default_factory=list, description="Names of Config.Env entries; never values.")
    label_names: list[str] = Field(default_factory=list, description="Label keys; values are not kept.")


def _mounts(c: dict[str, Any]) -> list[MountInfo]:
    out: list[MountInfo] = []
    for m in c.get("Mounts") or []:
        out.append(
            MountInfo(
                type=str(m.get("Type") or ""),
                source=str(m.get("Source") or m.get("Name") or ""),
                destination=str(m.get("Destination") or ""),
                read_only=not bool(m.get("RW", True)),
            )
        )
    if out:
        return out
    for b in (c.get("HostConfig") or {}).get("Binds") or []:  # created, never started: only Binds is set
        parts = str(b).split(":")
        if len(parts) >= 2:
            out.append(MountInfo(type="bind" if parts[0].startswith("/") else "volume", source=parts[0],
                                 destination=parts[1], read_only="ro" in parts[2:]))
    return out


def _healthcheck(config: dict[str, Any]) -> bool:
    test = (config.get("Healthcheck") or {}).get("Test") or []
    return bool(test) and test[0] != "NONE"


def container_security_from_inspect(c: dict[str, Any]) -> ContainerSecurity:
    """Build a ``ContainerSecurity`` from one element of ``docker inspect`` output (env values dropped)."""
    try:
        config = c.get("Config") or {}
        host = c.get("HostConfig") or {}
        state = c.get("State") or {}
        labels: dict[str, str] = config.get("Labels") or {}
        env_names = sorted({str(e).split("=", 1)[0] for e in config.get("Env") or [] if e})
        return ContainerSecurity(
            id=c["Id"],
            name=str(c.get("Name", "")).lstrip("/"),
            project=labels.get(LABEL_PROJECT),
            service=labels.get(LABEL_SERVICE),
            image=str(config.get("Image") or c.get("Image", "")),
            state=str(state.get("Status", "unknown")),
            pid=int(state.get("Pid") or 0) or None,
            privileged=bool(host.get("Privileged")),
            cap_add=sorted(str(x) for x in host.get("CapAdd") or []),
            mounts=_mounts(c),
            network_mode=host.get("NetworkMode") or None,
            pid_mode=host.get("PidMode") or None,
            ipc_mode=host.get("IpcMode") or None,
            user=str(config.get("User") or ""),
            memory=int(host.get("Memory") or 0) or None,
            restart_policy=(host.get("RestartPolicy") or {}).get("Name") or "no",
            healthcheck=_healthcheck(config),
            ports=_ports(c),
            env_names=env_names,
            label_names=sorted(labels),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CollectorError(f"unexpected docker inspect shape: {exc!r}") from exc


def parse_container_security(result: CommandResult) -> list[ContainerSecurity]:
    """Parse the status script's output (a ``docker inspect`` JSON array) into security views."""
    return [container_security_from_inspect(c) for c in inspect_objects(result)]


CONTAINER_SECURITY: Collector[list[ContainerSecurity]] = Collector(
    name="container_security",
    argv=lambda: status_argv(include_all=True),
    parse=parse_container_security,
    description="docker inspect of every container: privileges, mounts, namespaces, user, limits, ports, env names.",
)
