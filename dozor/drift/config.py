"""What drift compares, read from one container's inspect object (Engine API or ``docker inspect``).

Environment entries are ``NAME=value``: only the name is kept, here, before any model is built.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, Field

from dozor.collectors.status import LABEL_NUMBER, LABEL_ONEOFF, LABEL_PROJECT, LABEL_SERVICE

LABEL_CONFIG_HASH = "com.docker.compose.config-hash"
COMPOSE_LABEL_PREFIX = "com.docker.compose."
"""Compose's own labels say where and how a container was made (working dir, file paths, number, version):
they differ between hosts by nature and are not compared; only the config hash is kept, on its own."""


class Healthcheck(BaseModel):
    """A container's healthcheck as configured (durations in seconds)."""

    test: list[str] = Field(default_factory=list)
    interval: float | None = None
    timeout: float | None = None
    retries: int | None = None
    start_period: float | None = None


class ServiceConfig(BaseModel):
    """The compared configuration of one compose container. Never holds an environment value."""

    host: str
    project: str
    service: str
    container: str = Field(description="Container name.")
    container_number: int | None = None
    image: str = Field(description="Image reference as configured (Config.Image).")
    image_id: str = Field(default="", description="The image the container runs (sha256:…).")
    command: list[str] | None = None
    entrypoint: list[str] | None = None
    env_names: list[str] = Field(default_factory=list, description="Environment variable NAMES (values never read).")
    mem_limit: int | None = Field(default=None, description="Bytes; None when unlimited.")
    mem_reservation: int | None = None
    cpus: float | None = Field(default=None, description="NanoCpus, or CpuQuota/CpuPeriod, in CPUs.")
    cpu_shares: int | None = None
    restart_policy: str = "no"
    ports: list[str] = Field(default_factory=list, description="Requested bindings: [ip:]host_port->port/proto.")
    healthcheck: Healthcheck | None = None
    labels: dict[str, str] = Field(default_factory=dict, description="Labels, compose's own left out.")
    config_hash: str | None = Field(default=None, description="com.docker.compose.config-hash.")


def _seconds(ns: Any) -> float | None:
    return int(ns) / 1e9 if ns else None


def _cpus(host: dict[str, Any]) -> float | None:
    if host.get("NanoCpus"):
        return int(host["NanoCpus"]) / 1e9
    quota, period = host.get("CpuQuota") or 0, host.get("CpuPeriod") or 0
    if quota > 0:
        return quota / (period or 100_000)
    return None


def _ports(host: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for key, bindings in (host.get("PortBindings") or {}).items():
        port, _, proto = key.partition("/")
        for b in bindings or [{}]:
            ip, hp = b.get("HostIp") or "", b.get("HostPort") or ""
            side = f"{ip}:{hp}" if ip else hp
            out.append(f"{side}->{port}/{proto or 'tcp'}" if side else f"{port}/{proto or 'tcp'}")
    return sorted(set(out))


def _healthcheck(config: dict[str, Any]) -> Healthcheck | None:
    hc = config.get("Healthcheck")
    if not hc or not hc.get("Test"):
        return None
    return Healthcheck(test=[str(x) for x in hc["Test"]], interval=_seconds(hc.get("Interval")),
                       timeout=_seconds(hc.get("Timeout")), retries=hc.get("Retries") or None,
                       start_period=_seconds(hc.get("StartPeriod")))


def _restart(host: dict[str, Any]) -> str:
    policy = host.get("RestartPolicy") or {}
    name = policy.get("Name") or "no"
    retries = policy.get("MaximumRetryCount") or 0
    return f"{name}:{retries}" if name == "on-failure" and retries else name


def env_names(env: Iterable[str] | None) -> list[str]:
    """``["A=1", "B=x=y", "C"]`` → ``["A", "B", "C"]``: the names, sorted; every value is dropped here."""
    return sorted({str(e).partition("=")[0] for e in env or [] if str(e).partition("=")[0]})


def config_from_inspect(host: str, c: dict[str, Any]) -> ServiceConfig | None:
    """The compared configuration of a compose container; None for other containers and ``compose run``."""
    config = c.get("Config") or {}
    hostcfg = c.get("HostConfig") or {}
    labels: dict[str, str] = config.get("Labels") or {}
    project, service = labels.get(LABEL_PROJECT), labels.get(LABEL_SERVICE)
    if not project or not service or labels.get(LABEL_ONEOFF, "").lower() == "true":
        return None
    number = labels.get(LABEL_NUMBER, "")
    return ServiceConfig(
        host=host, project=project, service=service, container=str(c.get("Name", "")).lstrip("/"),
        container_number=int(number) if number.isdigit() else None,
        image=config.get("Image") or "", image_id=c.get("Image") or "",
        command=[str(x) for x in config["Cmd"]] if config.get("Cmd") else None,
        entrypoint=[str(x) for x in config["Entrypoint"]] if config.get("Entrypoint") else None,
        env_names=env_names(config.get("Env")),
        mem_limit=int(hostcfg.get("Memory") or 0) or None,
        mem_reservation=int(hostcfg.get("MemoryReservation") or 0) or None,
        cpus=_cpus(hostcfg), cpu_shares=int(hostcfg.get("CpuShares") or 0) or None,
        restart_policy=_restart(hostcfg), ports=_ports(hostcfg), healthcheck=_healthcheck(config),
        labels={k: str(v) for k, v in sorted(labels.items()) if not k.startswith(COMPOSE_LABEL_PREFIX)},
        config_hash=labels.get(LABEL_CONFIG_HASH),
    )


def configs_from_inspect(host: str, objects: Iterable[dict[str, Any]]) -> list[ServiceConfig]:
    """Every compose container's compared configuration (other containers skipped)."""
    return [cfg for c in objects if (cfg := config_from_inspect(host, c)) is not None]


def argv_text(argv: list[str] | None) -> str:
    """A command as one shell-quoted line; ``-`` when unset."""
    return shlex.join(argv) if argv else "-"


__all__ = ["COMPOSE_LABEL_PREFIX", "LABEL_CONFIG_HASH", "Healthcheck", "ServiceConfig", "argv_text",
           "config_from_inspect", "configs_from_inspect", "env_names"]
