"""Prune: preview what would be removed (and the space it frees), then act and report what was removed.

Kinds: stopped containers, images (dangling, or every unused one with ``images_all``), build cache,
and optionally volumes. Filters: ``until`` (age, e.g. ``24h``, ``7d``, or an RFC 3339 time) and
``label`` (``key`` or ``key=value``, for containers, images and volumes; build cache cannot be
filtered by label, so it is left alone when a label is given). Docker cannot filter volumes by age,
so ``volumes`` with ``until`` is refused. Engines from API 1.42 (Docker 23) prune only anonymous
volumes, which is what the preview lists; older engines (Debian 12's docker.io 20.10 is API 1.41) prune
every unused volume, named ones too, so ``volumes`` is refused there (preview and prune alike).

Every docker command here is a ``Collector`` (argv builder plus pure parser, found by discovery and run on
recorded output in ``tests/fixtures/ops/<name>/``): the preview's listings (``PRUNE_DISK_USAGE``,
``PRUNE_CONTAINERS``, ``PRUNE_IMAGES``, ``PRUNE_CONTAINER_IDS``, ``PRUNE_IMAGES_IN_USE``, ``PRUNE_VOLUMES``),
``ENGINE_API_VERSION``, and ``PRUNE``, one prune command and what it removed.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from dozor.collectors.base import Collector, CollectorError, check_docker, first_line
from dozor.collectors.status import parse_docker_time
from dozor.ops.action import ActionFailed
from dozor.ops.guard import GuardRefused
from dozor.runner.fanout import HostContext
from dozor.transport.base import CommandResult

PruneKind = Literal["container", "image", "build-cache", "volume"]

_UNTIL_DURATION = re.compile(r"(?:[0-9]{1,6}[smhd]){1,4}")
_UNTIL_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:Z|[+-][0-9]{2}:[0-9]{2}))?")
_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}(?:=[A-Za-z0-9_.:/@+-]{0,128})?")
_SIZE = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*([kKMGTP]?i?B)")
_UNITS = {"B": 1, "kB": 1000, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4, "PB": 1000**5,
          "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "TiB": 1024**4}
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
ANONYMOUS_VOLUME = "com.docker.volume.anonymous"
MIN_VOLUME_PRUNE_API = (1, 42)  # from here `volume prune` keeps named volumes
# One JSON object per row. Not `--format json`: the 20.10 CLI (Debian 12's docker.io) prints the word "json"
# for each row, which listed nothing to prune (seen on the test fleet; the 20.10 CLI with `{{json .}}`:
# tests/fixtures/ops/prune_*/*_docker20_cli.json).
JSON_ROWS = "{{json .}}"


class PruneOptions(BaseModel):
    """What to prune. Validated by :func:`check_prune_options` before any host is contacted."""

    containers: bool = True
    images: bool = True
    images_all: bool = Field(default=False, description="Every unused image, not only dangling ones.")
    build_cache: bool = True
    volumes: bool = False
    until: str | None = Field(default=None, description="Only things older than this: 24h, 7d, 30m, or a date.")
    label: str | None = Field(default=None, description="Only things with this label (key or key=value).")


def check_prune_options(opts: PruneOptions) -> tuple[str | None, str | None]:
    """Validate ``until`` and ``label``; returns docker's ``until`` value and the label, or raises ``GuardRefused``."""
    until: str | None = None
    if opts.until is not None:
        u = opts.until
        if not isinstance(u, str) or not u.isascii():
            raise GuardRefused("until", "until must be an ASCII duration (24h, 7d, 1h30m) or a date")
        if _UNTIL_DURATION.fullmatch(u):
            seconds = sum(int(n) * _UNIT_SECONDS[k] for n, k in re.findall(r"([0-9]+)([smhd])", u))
            until = f"{seconds}s"
        elif _UNTIL_TIME.fullmatch(u):
            until = u
        else:
            raise GuardRefused("until", f"{u[:80]!r} is not a duration (24h, 7d, 1h30m) or a date (2025-01-31)")
        if opts.volumes:
            raise GuardRefused("until", "docker cannot filter volumes by age: prune volumes without until")
    if opts.label is not None and (not isinstance(opts.label, str) or not _LABEL.fullmatch(opts.label)):
        raise GuardRefused("label", f"{str(opts.label)[:80]!r} is not a label filter (key or key=value)")
    if not (opts.containers or opts.images or opts.images_all or opts.build_cache or opts.volumes):
        raise GuardRefused("prune", "nothing selected to prune")
    return until, opts.label


def parse_size(text: str) -> int:
    """Bytes in docker's human sizes (``1.982MB``, ``0B``, ``800kB (66%)``); 0 when unreadable."""
    m = _SIZE.search(text or "")
    if not m:
        return 0
    return int(float(m.group(1)) * _UNITS.get(m.group(2), 1))


class PruneItem(BaseModel):
    """One thing a prune would remove (or removed)."""

    kind: PruneKind
    id: str
    name: str = ""
    size: int | None = Field(default=None, description="Bytes, when docker reports it.")
    created: datetime | None = None


class PrunePreview(BaseModel):
    """What a prune would remove on one host."""

    items: list[PruneItem] = Field(default_factory=list)
    reclaimable_bytes: int = Field(default=0, description="Sum of the listed sizes plus build cache (estimate).")
    disk_usage: list[dict[str, str]] = Field(default_factory=list, description="docker system df.")
    notes: list[str] = Field(default_factory=list)


class PruneResult(BaseModel):
    """What a prune removed on one host."""

    removed: list[PruneItem] = Field(default_factory=list)
    space_freed_bytes: int = 0
    output: dict[str, str] = Field(default_factory=dict, description="Each prune command's output (cut).")


class PruneReport(BaseModel):
    """A host's prune: the preview, or (with confirm) what was done."""

    acted: bool
    preview: PrunePreview | None = None
    result: PruneResult | None = None


def _json_lines(text: str) -> list[dict]:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return out


def _label_filter(label: str | None) -> list[str]:
    return ["--filter", f"label={label}"] if label else []


def _docker_stdout(result: CommandResult) -> str:
    """The output of a docker command that must succeed: ``DockerUnavailable`` or ``ActionFailed`` otherwise."""
    check_docker(result)
    if not result.ok:
        args = result.argv[1:3]
        raise ActionFailed(f"docker {args[0] if args else ''} {args[1] if len(args) > 1 else ''} failed "
                           f"(exit {result.exit_status}): {first_line(result.stderr)}")
    return result.stdout


def _row_id(row: dict, what: str) -> str:
    value = row.get("ID")
    if not isinstance(value, str) or not value:
        raise CollectorError(f"docker {what} printed a row without an ID: {json.dumps(row)[:200]}")
    return value


def parse_api_version(text: str) -> tuple[int, int] | None:
    """``(1, 41)`` from ``docker version --format {{.Server.APIVersion}}`` output; None when unreadable."""
    m = re.fullmatch(r"\s*([0-9]+)\.([0-9]+)\s*", text or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


class EngineApiVersion(BaseModel):
    """The engine's API version, as ``docker version`` printed it."""

    text: str = Field(description="What docker printed, stripped.")
    version: tuple[int, int] | None = Field(description="(major, minor); None when unreadable.")


def engine_api_version_argv() -> list[str]:
    """``docker version`` printing only the server's API version."""
    return ["docker", "version", "--format", "{{.Server.APIVersion}}"]


def parse_engine_api_version(result: CommandResult) -> EngineApiVersion:
    """Read the API version (an unreadable answer is ``version=None``, not an error: the caller refuses)."""
    out = _docker_stdout(result)
    return EngineApiVersion(text=out.strip(), version=parse_api_version(out))


ENGINE_API_VERSION = Collector(
    name="engine_api_version", argv=engine_api_version_argv, parse=parse_engine_api_version,
    description="The engine's API version (a volume prune needs 1.42: older engines prune named volumes too).",
)


async def _check_volume_prune(ctx: HostContext) -> None:
    """Refuse a volume prune on engines whose ``volume prune`` also removes named volumes."""
    api = await ctx.collect(ENGINE_API_VERSION)
    if api.version is None or api.version < MIN_VOLUME_PRUNE_API:
        raise GuardRefused(
            "volumes",
            f"the engine on {ctx.host.name} (API {api.text[:20] or 'unknown'}) prunes named volumes too; "
            "dozor prunes only anonymous volumes, which needs Docker 23 (API 1.42) or newer",
        )


def _created(value: str | None) -> datetime | None:
    # `docker ... ls` prints "2025-01-01 12:00:00 +0000 UTC".
    if not value:
        return None
    try:
        return datetime.strptime(" ".join(value.split()[:3]), "%Y-%m-%d %H:%M:%S %z")
    except ValueError:
        return None


def _cutoff(now: datetime, until: str | None) -> datetime | None:
    if until is None:
        return None
    if until.endswith("s") and until[:-1].isdigit():
        return now - timedelta(seconds=int(until[:-1]))
    parsed = parse_docker_time(until if "T" in until else until + "T00:00:00Z")
    return parsed


def _old_enough(created: datetime | None, cutoff: datetime | None) -> bool:
    return cutoff is None or (created is not None and created < cutoff)


# ------------------------------------------------------------------ what docker lists (the preview's commands)


def disk_usage_argv() -> list[str]:
    """``docker system df``, one JSON object per row."""
    return ["docker", "system", "df", "--format", JSON_ROWS]


def parse_disk_usage(result: CommandResult) -> list[dict[str, str]]:
    """``docker system df``'s rows as docker printed them (Type, TotalCount, Active, Size, Reclaimable)."""
    return _json_lines(_docker_stdout(result))


PRUNE_DISK_USAGE = Collector(
    name="prune_disk_usage", argv=disk_usage_argv, parse=parse_disk_usage,
    description="docker system df rows as printed, shown with a prune preview (and its build cache size).",
)


class ListedContainer(BaseModel):
    """A stopped container, as ``docker container ls`` lists it."""

    id: str = Field(description="The full container ID.")
    name: str = ""
    size: int = Field(default=0, description="Bytes of the container's own layer (0 when unreadable).")
    created: datetime | None = None


def stopped_containers_argv(label: str | None = None) -> list[str]:
    """``docker container ls`` of exited, created and dead containers (with their sizes), optionally by label."""
    return ["docker", "container", "ls", "-a", "-s", "--no-trunc", "--filter", "status=exited",
            "--filter", "status=created", "--filter", "status=dead", *_label_filter(label), "--format", JSON_ROWS]


def parse_stopped_containers(result: CommandResult) -> list[ListedContainer]:
    """The listed containers; a row without an ID is a ``CollectorError``."""
    return [
        ListedContainer(id=_row_id(c, "container ls"), name=c.get("Names", ""), size=parse_size(c.get("Size", "")),
                        created=_created(c.get("CreatedAt")))
        for c in _json_lines(_docker_stdout(result))
    ]


PRUNE_CONTAINERS = Collector(
    name="prune_containers", argv=stopped_containers_argv, parse=parse_stopped_containers,
    description="Stopped containers a container prune would remove (before the until filter).",
)


class ListedImage(BaseModel):
    """An image, as ``docker image ls`` lists it."""

    id: str = Field(description="The full image ID (sha256:...).")
    name: str = Field(default="", description="repository:tag; empty for an untagged image.")
    size: int = Field(default=0, description="Bytes (0 when unreadable).")
    created: datetime | None = None


def images_argv(all_images: bool = False, label: str | None = None) -> list[str]:
    """``docker image ls`` of dangling images (or of every image with ``all_images``), optionally by label."""
    dangling = [] if all_images else ["--filter", "dangling=true"]
    return ["docker", "image", "ls", "-a", "--no-trunc", *dangling, *_label_filter(label), "--format", JSON_ROWS]


def parse_images(result: CommandResult) -> list[ListedImage]:
    """The listed images; a row without an ID is a ``CollectorError``."""
    images = []
    for im in _json_lines(_docker_stdout(result)):
        repo, tag = im.get("Repository", ""), im.get("Tag", "")
        images.append(ListedImage(id=_row_id(im, "image ls"), name="" if repo == "<none>" else f"{repo}:{tag}",
                                  size=parse_size(im.get("Size", "")), created=_created(im.get("CreatedAt"))))
    return images


PRUNE_IMAGES = Collector(
    name="prune_images", argv=images_argv, parse=parse_images,
    description="Images an image prune would consider: dangling ones, or all of them (before in-use and until).",
)


def container_ids_argv() -> list[str]:
    """``docker container ls`` of every container's full ID."""
    return ["docker", "container", "ls", "-a", "--no-trunc", "--format", "{{.ID}}"]


def parse_words(result: CommandResult) -> list[str]:
    """The command's output split on white space (IDs, one a line)."""
    return _docker_stdout(result).split()


PRUNE_CONTAINER_IDS = Collector(
    name="prune_container_ids", argv=container_ids_argv, parse=parse_words,
    description="Every container's ID: with all unused images, the images of the kept containers stay.",
)


def images_in_use_argv(container_ids: list[str]) -> list[str]:
    """``docker container inspect`` printing each container's image ID."""
    return ["docker", "container", "inspect", "--format", "{{.Image}}", *container_ids]


PRUNE_IMAGES_IN_USE = Collector(
    name="prune_images_in_use", argv=images_in_use_argv, parse=parse_words,
    description="The image IDs of the given containers (kept out of a prune of all unused images).",
)


def volumes_argv(label: str | None = None) -> list[str]:
    """``docker volume ls`` of the unused anonymous volumes, optionally by label."""
    return ["docker", "volume", "ls", "--filter", "dangling=true", "--filter", f"label={ANONYMOUS_VOLUME}",
            *_label_filter(label), "--format", JSON_ROWS]


def parse_volumes(result: CommandResult) -> list[str]:
    """The listed volumes' names; a row without one is a ``CollectorError``."""
    names = []
    for v in _json_lines(_docker_stdout(result)):
        name = v.get("Name")
        if not isinstance(name, str) or not name:
            raise CollectorError(f"docker volume ls printed a row without a name: {json.dumps(v)[:200]}")
        names.append(name)
    return names


PRUNE_VOLUMES = Collector(
    name="prune_volumes", argv=volumes_argv, parse=parse_volumes,
    description="Unused anonymous volumes a volume prune would remove (engines from API 1.42 label them).",
)


async def preview_prune(ctx: HostContext, opts: PruneOptions) -> PrunePreview:
    """List what ``opts`` would remove on this host, and docker's own disk usage summary."""
    until, label = check_prune_options(opts)
    if opts.volumes:
        await _check_volume_prune(ctx)
    now = datetime.now(UTC)
    cutoff = _cutoff(now, until)
    preview = PrunePreview(disk_usage=await ctx.collect(PRUNE_DISK_USAGE))
    stopped: set[str] = set()
    if opts.containers:
        for c in await ctx.collect(PRUNE_CONTAINERS, label=label):
            if _old_enough(c.created, cutoff):
                stopped.add(c.id)
                preview.items.append(PruneItem(kind="container", id=c.id[:12], name=c.name, size=c.size,
                                               created=c.created))
    if opts.images or opts.images_all:
        preview.items += await _image_candidates(ctx, opts, label, cutoff, stopped)
    if opts.build_cache:
        if label:
            preview.notes.append("build cache is not pruned when a label filter is given")
        else:
            cache = next((d for d in preview.disk_usage if d.get("Type") == "Build Cache"), {})
            size = parse_size(cache.get("Reclaimable", ""))
            preview.items.append(PruneItem(kind="build-cache", id="build-cache", name="unused build cache",
                                           size=size))
            if until:
                preview.notes.append("build cache size is the engine's total reclaimable, before the until filter")
    if opts.volumes:
        for name in await ctx.collect(PRUNE_VOLUMES, label=label):
            preview.items.append(PruneItem(kind="volume", id=name, name=name))
        preview.notes.append("only anonymous volumes are pruned (named volumes are kept)")
    preview.reclaimable_bytes = sum(i.size or 0 for i in preview.items)
    return preview


async def _image_candidates(ctx: HostContext, opts: PruneOptions, label: str | None, cutoff: datetime | None,
                            stopped: set[str]) -> list[PruneItem]:
    images = await ctx.collect(PRUNE_IMAGES, all_images=opts.images_all, label=label)
    used: set[str] = set()
    if opts.images_all:
        # Images still used by a container that this prune keeps stay.
        keep = [i for i in await ctx.collect(PRUNE_CONTAINER_IDS) if i not in stopped]
        if keep:
            used = set(await ctx.collect(PRUNE_IMAGES_IN_USE, container_ids=keep))
    seen: set[str] = set()
    items = []
    for im in images:
        if im.id in used or im.id in seen or not _old_enough(im.created, cutoff):
            continue
        seen.add(im.id)
        items.append(PruneItem(kind="image", id=im.id.removeprefix("sha256:")[:12], name=im.name, size=im.size,
                               created=im.created))
    return items


# ------------------------------------------------------------------ the prune commands and what they removed


def _reclaimed(text: str) -> int:
    m = re.search(r"Total(?: reclaimed space)?:\s*(\S+)", text)
    return parse_size(m.group(1)) if m else 0


def _section(text: str, header: str) -> list[str]:
    lines, on = [], False
    for line in text.splitlines():
        if line.strip().startswith(header):
            on = True
            continue
        if on:
            if not line.strip():
                break
            lines.append(line.strip())
    return lines


_PRUNE_COMMANDS: dict[str, PruneKind] = {"container": "container", "image": "image", "builder": "build-cache",
                                         "volume": "volume"}
OUTPUT_KEPT = 4000


class PruneOutput(BaseModel):
    """What one prune command removed and freed, as it printed it."""

    kind: PruneKind
    removed: list[PruneItem] = Field(default_factory=list, description="Empty for the build cache (not listed).")
    space_freed_bytes: int = Field(default=0, description="docker's 'Total reclaimed space'.")
    output: str = Field(default="", description=f"The command's output (its last {OUTPUT_KEPT} characters).")


def prune_argv(kind: PruneKind, *, images_all: bool = False, until: str | None = None,
               label: str | None = None) -> list[str]:
    """The prune command of one kind. The build cache takes no label filter, volumes no until (checked before)."""
    age = ["--filter", f"until={until}"] if until else []
    if kind == "container":
        return ["docker", "container", "prune", "-f", *age, *_label_filter(label)]
    if kind == "image":
        return ["docker", "image", "prune", "-f", *(["-a"] if images_all else []), *age, *_label_filter(label)]
    if kind == "build-cache":
        return ["docker", "builder", "prune", "-f", *age]
    return ["docker", "volume", "prune", "-f", *_label_filter(label)]


def parse_prune(result: CommandResult) -> PruneOutput:
    """What a ``docker <kind> prune`` printed: the removed containers, images or volumes and the space freed."""
    kind = _PRUNE_COMMANDS.get(result.argv[1] if len(result.argv) > 2 and result.argv[2] == "prune" else "")
    if kind is None:
        raise CollectorError(f"not a docker prune command: {' '.join(result.argv[:3])!r}")
    out = _docker_stdout(result)
    done = PruneOutput(kind=kind, space_freed_bytes=_reclaimed(out), output=out[-OUTPUT_KEPT:])
    if kind == "container":
        done.removed = [PruneItem(kind="container", id=i[:12]) for i in _section(out, "Deleted Containers:")]
    elif kind == "image":
        for line in _section(out, "Deleted Images:"):
            what, _, ref = line.partition(": ")
            if what == "deleted":
                done.removed.append(PruneItem(kind="image", id=ref.removeprefix("sha256:")[:12]))
            elif what == "untagged":
                done.removed.append(PruneItem(kind="image", id="", name=ref))
    elif kind == "volume":
        done.removed = [PruneItem(kind="volume", id=v, name=v) for v in _section(out, "Deleted Volumes:")]
    return done


PRUNE = Collector(
    name="prune", argv=prune_argv, parse=parse_prune,
    description="One docker prune command (containers, images, build cache or volumes): what it removed.",
)


async def act_prune(ctx: HostContext, opts: PruneOptions) -> PruneResult:
    """Run the prune commands; returns what was removed and the space freed."""
    until, label = check_prune_options(opts)
    if opts.volumes:
        await _check_volume_prune(ctx)
    result = PruneResult()
    kinds: list[PruneKind] = []
    if opts.containers:
        kinds.append("container")
    if opts.images or opts.images_all:
        kinds.append("image")
    if opts.build_cache and not label:
        kinds.append("build-cache")
    if opts.volumes:
        kinds.append("volume")
    for kind in kinds:
        done = await ctx.collect(PRUNE, kind=kind, images_all=opts.images_all, until=until, label=label)
        result.output[kind] = done.output
        result.space_freed_bytes += done.space_freed_bytes
        result.removed += done.removed
    return result
