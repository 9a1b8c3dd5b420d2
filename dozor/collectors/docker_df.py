"""Docker's disk usage (``docker system df``): images, containers, volumes and build cache, each with its
count, how many are in use, size and the space a prune could reclaim; plus the engine's data root.

Two paths give the same payload:

- Engine API: ``GET /system/df`` (exact byte counts) and ``GET /info`` (``DockerRootDir``), parsed by
  ``parse_system_df`` with the docker CLI's own arithmetic (cli/command/formatter/disk_usage.go), so the
  two paths agree on counts and, up to the CLI's rounding, on sizes.
- CLI: ``docker system df --format '{{json .}}'`` (one JSON object per line with human sizes such as
  ``1.982MB`` and ``1.1GB (91%)``; ``{{json .}}`` rather than ``json`` because the 20.10 CLI prints the
  literal word for ``--format json``), then ``docker info`` for the data root; parsed by ``parse_docker_df``.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field

from dozor.collectors.base import Collector, CollectorError, check_docker, first_line
from dozor.collectors.sizes import parse_size
from dozor.transport.base import CommandResult

SYSTEM_DF_TARGET = "/system/df"
INFO_TARGET = "/info"

# The data-root line is best effort: a CLI that cannot print it leaves the section empty.
DOCKER_DF_SCRIPT = r"""docker system df --format '{{json .}}' || exit $?
echo @@data-root
docker info --format '{{.DockerRootDir}}' 2>/dev/null
exit 0
"""
_ROOT_MARK = "@@data-root"

# `docker system df` row types -> payload fields
_CLI_TYPES = {"Images": "images", "Containers": "containers", "Local Volumes": "volumes", "Build Cache": "build_cache"}


class DiskUsageEntry(BaseModel):
    """One row of ``docker system df``. Sizes in bytes (exact from the Engine API, rounded from the CLI)."""

    count: int = Field(description="How many there are (TOTAL).")
    active: int = Field(description="How many are in use (ACTIVE).")
    size: int = Field(description="Bytes on disk (SIZE).")
    reclaimable: int = Field(description="Bytes a prune of the unused ones would free (RECLAIMABLE).")


class DockerDiskUsage(BaseModel):
    """What ``docker system df`` shows, by the Engine API or the CLI."""

    images: DiskUsageEntry
    containers: DiskUsageEntry
    volumes: DiskUsageEntry
    build_cache: DiskUsageEntry
    data_root: str | None = Field(default=None, description="The engine's DockerRootDir, when it said.")
    source: Literal["engine", "cli"] = Field(description="engine: exact bytes; cli: the CLI's rounded sizes.")

    @computed_field(description="Bytes reclaimable over all four kinds.")  # type: ignore[prop-decorator]
    @property
    def reclaimable(self) -> int:
        """Total reclaimable bytes."""
        return sum(e.reclaimable for e in (self.images, self.containers, self.volumes, self.build_cache))


def docker_df_argv() -> list[str]:
    """``sh -c`` running the constant disk-usage script."""
    return ["sh", "-c", DOCKER_DF_SCRIPT, "dozor-docker-df"]


def _int(value: Any, where: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise CollectorError(f"docker system df: {where} is not a number: {value!r}") from exc


def _cli_row(row: dict[str, Any]) -> DiskUsageEntry:
    kind = row.get("Type")
    size = parse_size(str(row.get("Size", "")))
    reclaimable = parse_size(str(row.get("Reclaimable", "")).split(" (", 1)[0])  # "1.1GB (91%)"
    if size is None or reclaimable is None:
        raise CollectorError(f"docker system df: unreadable sizes in the {kind} row: {row!r}")
    return DiskUsageEntry(count=_int(row.get("TotalCount"), f"{kind} TotalCount"),
                          active=_int(row.get("Active"), f"{kind} Active"), size=size, reclaimable=reclaimable)


def _cli_rows(text: str) -> list[Any]:
    text = text.strip()
    if text.startswith("["):  # a CLI that prints one array
        rows = json.loads(text)
        return rows if isinstance(rows, list) else [rows]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def parse_docker_df(result: CommandResult) -> DockerDiskUsage:
    """Parse the CLI path: ``docker system df`` JSON lines, then the data root."""
    check_docker(result)
    if result.exit_status != 0:
        raise CollectorError(f"docker system df failed (exit {result.exit_status}): {first_line(result.stderr)}")
    body, _, root = result.stdout.partition(_ROOT_MARK)
    try:
        rows = _cli_rows(body)
    except ValueError as exc:
        raise CollectorError(f"docker system df did not print JSON: {first_line(body)!r}") from exc
    found = {_CLI_TYPES[r["Type"]]: _cli_row(r) for r in rows if isinstance(r, dict) and r.get("Type") in _CLI_TYPES}
    if missing := [k for k in _CLI_TYPES.values() if k not in found]:
        raise CollectorError(f"docker system df printed no {', '.join(missing)} row: {first_line(body)!r}")
    return DockerDiskUsage(**found, data_root=root.strip() or None, source="cli")


def _size(value: Any) -> int:
    """A size from the Engine API; -1 (not computed) and missing count as 0, as the CLI does."""
    return value if isinstance(value, int) and value > 0 else 0


def parse_system_df(df: Any, info: Any = None) -> DockerDiskUsage:
    """Parse the Engine API path: the ``/system/df`` answer (and ``/info`` for the data root).

    Same arithmetic as the docker CLI: images' size is ``LayersSize`` and their reclaimable space what
    images without containers hold beyond shared layers; containers' size is their writable layers
    (``SizeRw``), reclaimable for those not running/paused/restarting; volumes without references are
    reclaimable; build cache records not in use and not shared are reclaimable.
    """
    if not isinstance(df, dict):
        raise CollectorError("the engine's /system/df answer is not a JSON object")
    images = [i for i in df.get("Images") or [] if isinstance(i, dict)]
    containers = [c for c in df.get("Containers") or [] if isinstance(c, dict)]
    volumes = [v for v in df.get("Volumes") or [] if isinstance(v, dict)]
    cache = [b for b in df.get("BuildCache") or [] if isinstance(b, dict)]

    layers = _size(df.get("LayersSize"))
    used_images = [i for i in images if _int(i.get("Containers", 0), "image Containers") > 0]
    in_use = sum(_size(i.get("Size")) - _size(i.get("SharedSize")) for i in used_images
                 if i.get("Size", -1) != -1 and i.get("SharedSize", -1) != -1)

    def running(c: dict[str, Any]) -> bool:
        return any(s in str(c.get("State", "")) for s in ("running", "paused", "restarting"))

    def refs(v: dict[str, Any]) -> int:
        return _int((v.get("UsageData") or {}).get("RefCount", 0), "volume RefCount")

    def vsize(v: dict[str, Any]) -> int:
        return _size((v.get("UsageData") or {}).get("Size"))

    unshared = [b for b in cache if not b.get("Shared")]
    root = info.get("DockerRootDir") if isinstance(info, dict) else None
    return DockerDiskUsage(
        images=DiskUsageEntry(count=len(images), active=len(used_images), size=layers,
                              reclaimable=max(layers - in_use, 0)),
        containers=DiskUsageEntry(count=len(containers), active=sum(1 for c in containers if running(c)),
                                  size=sum(_size(c.get("SizeRw")) for c in containers),
                                  reclaimable=sum(_size(c.get("SizeRw")) for c in containers if not running(c))),
        volumes=DiskUsageEntry(count=len(volumes), active=sum(1 for v in volumes if refs(v) > 0),
                               size=sum(vsize(v) for v in volumes),
                               reclaimable=sum(vsize(v) for v in volumes if refs(v) == 0)),
        build_cache=DiskUsageEntry(count=len(cache), active=sum(1 for b in cache if b.get("InUse")),
                                   size=sum(_size(b.get("Size")) for b in unshared),
                                   reclaimable=sum(_size(b.get("Size")) for b in unshared if not b.get("InUse"))),
        data_root=root if isinstance(root, str) and root else None,
        source="engine",
    )


DOCKER_DF: Collector[DockerDiskUsage] = Collector(
    name="docker_df",
    argv=docker_df_argv,
    parse=parse_docker_df,
    description="Docker disk usage: images, containers, volumes, build cache (count, size, reclaimable).",
)


__all__ = [
    "DOCKER_DF",
    "DOCKER_DF_SCRIPT",
    "INFO_TARGET",
    "SYSTEM_DF_TARGET",
    "DiskUsageEntry",
    "DockerDiskUsage",
    "docker_df_argv",
    "parse_docker_df",
    "parse_system_df",
]
