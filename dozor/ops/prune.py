"""Prune: preview what would be removed (and the space it frees), then act and report what was removed.

Kinds: stopped containers, images (dangling, or every unused one with ``images_all``), build cache,
and optionally volumes. Filters: ``until`` (age, e.g. ``24h``, ``7d``, or an RFC 3339 time) and
``label`` (``key`` or ``key=value``, for containers, images and volumes; build cache cannot be
filtered by label, so it is left alone when a label is given). Docker cannot filter volumes by age,
so ``volumes`` with ``until`` is refused. Engines from API 1.42 (Docker 23) prune only anonymous
volumes, which is what the preview lists; older engines (Debian 12's docker.io 20.10 is API 1.41) prune
every unused volume, named ones too, so ``volumes`` is refused there (preview and prune alike).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from dozor.collectors.base import check_docker, first_line
from dozor.collectors.status import parse_docker_time
from dozor.ops.action import ActionFailed
from dozor.ops.guard import GuardRefused
from dozor.runner.fanout import HostContext

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


async def _docker(ctx: HostContext, *args: str) -> str:
    r = await ctx.run(["docker", *args])
    check_docker(r)
    if not r.ok:
        raise ActionFailed(f"docker {args[0]} {args[1] if len(args) > 1 else ''} failed "
                           f"(exit {r.exit_status}): {first_line(r.stderr)}")
    return r.stdout


def parse_api_version(text: str) -> tuple[int, int] | None:
    """``(1, 41)`` from ``docker version --format {{.Server.APIVersion}}`` output; None when unreadable."""
    m = re.fullmatch(r"\s*([0-9]+)\.([0-9]+)\s*", text or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


async def _check_volume_prune(ctx: HostContext) -> None:
    """Refuse a volume prune on engines whose ``volume prune`` also removes named volumes."""
    out = await _docker(ctx, "version", "--format", "{{.Server.APIVersion}}")
    api = parse_api_version(out)
    if api is None or api < MIN_VOLUME_PRUNE_API:
        raise GuardRefused(
            "volumes",
            f"the engine on {ctx.host.name} (API {out.strip()[:20] or 'unknown'}) prunes named volumes too; "
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


async def preview_prune(ctx: HostContext, opts: PruneOptions) -> PrunePreview:
    """List what ``opts`` would remove on this host, and docker's own disk usage summary."""
    until, label = check_prune_options(opts)
    if opts.volumes:
        await _check_volume_prune(ctx)
    lf = ["--filter", f"label={label}"] if label else []
    now = datetime.now(UTC)
    cutoff = _cutoff(now, until)
    preview = PrunePreview(disk_usage=_json_lines(await _docker(ctx, "system", "df", "--format", "json")))
    stopped: set[str] = set()
    if opts.containers:
        out = await _docker(ctx, "container", "ls", "-a", "-s", "--no-trunc", "--filter", "status=exited",
                            "--filter", "status=created", "--filter", "status=dead", *lf, "--format", "json")
        for c in _json_lines(out):
            created = _created(c.get("CreatedAt"))
            if _old_enough(created, cutoff):
                stopped.add(c["ID"])
                preview.items.append(PruneItem(kind="container", id=c["ID"][:12], name=c.get("Names", ""),
                                               size=parse_size(c.get("Size", "")), created=created))
    if opts.images or opts.images_all:
        preview.items += await _image_candidates(ctx, opts, lf, cutoff, stopped)
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
        out = await _docker(ctx, "volume", "ls", "--filter", "dangling=true", "--filter",
                            f"label={ANONYMOUS_VOLUME}", *lf, "--format", "json")
        for v in _json_lines(out):
            preview.items.append(PruneItem(kind="volume", id=v.get("Name", ""), name=v.get("Name", "")))
        preview.notes.append("only anonymous volumes are pruned (named volumes are kept)")
    preview.reclaimable_bytes = sum(i.size or 0 for i in preview.items)
    return preview


async def _image_candidates(ctx: HostContext, opts: PruneOptions, lf: list[str], cutoff: datetime | None,
                            stopped: set[str]) -> list[PruneItem]:
    if not opts.images_all:
        out = await _docker(ctx, "image", "ls", "-a", "--no-trunc", "--filter", "dangling=true", *lf,
                            "--format", "json")
        images = _json_lines(out)
        used: set[str] = set()
    else:
        images = _json_lines(await _docker(ctx, "image", "ls", "-a", "--no-trunc", *lf, "--format", "json"))
        # Images still used by a container that this prune keeps stay.
        refs = await _docker(ctx, "container", "ls", "-a", "--no-trunc", "--format", "{{.ID}}")
        keep = [i for i in refs.split() if i not in stopped]
        used = set()
        if keep:
            used = set((await _docker(ctx, "container", "inspect", "--format", "{{.Image}}", *keep)).split())
    seen: set[str] = set()
    items = []
    for im in images:
        image_id = im.get("ID", "")
        created = _created(im.get("CreatedAt"))
        if image_id in used or image_id in seen or not _old_enough(created, cutoff):
            continue
        seen.add(image_id)
        repo, tag = im.get("Repository", ""), im.get("Tag", "")
        name = "" if repo == "<none>" else f"{repo}:{tag}"
        items.append(PruneItem(kind="image", id=image_id.removeprefix("sha256:")[:12], name=name,
                               size=parse_size(im.get("Size", "")), created=created))
    return items


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


async def act_prune(ctx: HostContext, opts: PruneOptions) -> PruneResult:
    """Run the prune commands; returns what was removed and the space freed."""
    until, label = check_prune_options(opts)
    if opts.volumes:
        await _check_volume_prune(ctx)
    filters = (["--filter", f"until={until}"] if until else []) + (["--filter", f"label={label}"] if label else [])
    result = PruneResult()

    async def run(kind: str, *args: str) -> str:
        out = await _docker(ctx, *args)
        result.output[kind] = out[-4000:]
        result.space_freed_bytes += _reclaimed(out)
        return out

    if opts.containers:
        out = await run("container", "container", "prune", "-f", *filters)
        result.removed += [PruneItem(kind="container", id=i[:12]) for i in _section(out, "Deleted Containers:")]
    if opts.images or opts.images_all:
        out = await run("image", "image", "prune", "-f", *(["-a"] if opts.images_all else []), *filters)
        for line in _section(out, "Deleted Images:"):
            what, _, ref = line.partition(": ")
            if what == "deleted":
                result.removed.append(PruneItem(kind="image", id=ref.removeprefix("sha256:")[:12]))
            elif what == "untagged":
                result.removed.append(PruneItem(kind="image", id="", name=ref))
    if opts.build_cache and not label:
        await run("build-cache", "builder", "prune", "-f", *(["--filter", f"until={until}"] if until else []))
    if opts.volumes:
        out = await run("volume", "volume", "prune", "-f", *(["--filter", f"label={label}"] if label else []))
        result.removed += [PruneItem(kind="volume", id=v, name=v) for v in _section(out, "Deleted Volumes:")]
    return result
