"""Host and container resources in one command: disks, inodes, memory, load, CPUs, docker stats.

The script prints sections introduced by ``@@name`` and closed by ``@@rc N``; each
section's stderr is folded into it, so one failing section (docker down, a hung NFS
``df`` hitting its timeout) is reported as that section's error while the others
still parse. Host-side sections come first so a transport timeout in ``docker stats``
keeps them.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from pydantic.dataclasses import dataclass

from dozor.collectors.base import Collector, CollectorError, DockerUnavailable, check_docker, first_line
from dozor.collectors.docker_df import DockerDiskUsage
from dozor.collectors.sizes import parse_size
from dozor.transport.base import CommandResult

# $1 = seconds allowed for each of df and docker stats (GNU `timeout` when present).
RESOURCES_SCRIPT = r"""t=$1
if command -v timeout >/dev/null 2>&1; then T="timeout $t"; else T=""; fi
echo @@df; $T df -P -k -T 2>&1; echo "@@rc $?"
echo @@dfi; $T df -P -i -T 2>&1; echo "@@rc $?"
echo @@meminfo; cat /proc/meminfo 2>&1; echo "@@rc $?"
echo @@loadavg; cat /proc/loadavg 2>&1; echo "@@rc $?"
echo @@nproc; nproc 2>&1; echo "@@rc $?"
if [ "$2" != host ]; then
echo @@stats; $T docker stats --no-stream --format '{{json .}}' 2>&1; echo "@@rc $?"
fi
"""

DEFAULT_SECTION_TIMEOUT = 20

# Filesystem types that never hold an operator's data (or duplicate another mount).
PSEUDO_FS_TYPES = frozenset({
    "overlay", "aufs", "devtmpfs", "proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue",
    "debugfs", "tracefs", "securityfs", "pstore", "bpf", "configfs", "hugetlbfs", "fusectl",
    "autofs", "nsfs", "ramfs", "efivarfs", "squashfs", "binfmt_misc", "rpc_pipefs", "fuse.lxcfs",
    "nfsd", "selinuxfs", "shm",
})
# Mount points below these are engine internals (container roots, shm, netns) or system runtime.
INTERNAL_MOUNT_PREFIXES = (
    "/var/lib/docker/", "/run/docker/", "/var/run/docker/", "/var/lib/containerd/", "/run/containerd/",
    "/var/lib/kubelet/", "/snap/", "/sys/", "/proc/", "/dev/",
)
# tmpfs is kept (a full /tmp matters) except at these system locations.
_SYSTEM_TMPFS = ("/dev", "/sys", "/run")


class CpuThrottling(BaseModel):
    """CFS throttling of a container with a CPU quota (Engine API ``cpu_stats.throttling_data``: cgroup v1
    ``cpu.stat`` nr_periods/nr_throttled/throttled_time, v2 nr_periods/nr_throttled/throttled_usec)."""

    periods: int = Field(description="Enforcement periods (100 ms each by default) with the quota in force.")
    throttled_periods: int = Field(description="Periods in which the container hit its quota and was paused.")
    throttled_seconds: float = Field(description="Time it spent paused by the quota.")
    window: str = Field(description="sample: between the engine's two samples (~1 s); lifetime: since it started.")

    @property
    def ratio(self) -> float:
        """Throttled periods / periods (0 when there were none)."""
        return self.throttled_periods / self.periods if self.periods else 0.0


@dataclass(frozen=True)
class MemoryTrend:
    """What a container's memory history says of it now (:mod:`dozor.noise.memtrend` keeps the history and
    decides; dozor's answers carry the verdict)."""

    kind: str  # unknown, rising, falling, steady, creeping, flat
    usage: int
    limit: int
    since: datetime | None = None  # the sample compared with (rising/falling), or the start of the flat span
    change: int = 0  # bytes since ``since``
    seconds_left: float | None = None  # at the current rate, until the limit (rising, creeping)
    samples: int = 1  # the samples this verdict rests on, this one included

    @property
    def percent(self) -> float:
        """Usage as a percentage of the limit."""
        return 100.0 * self.usage / self.limit if self.limit else 0.0


class ContainerResources(BaseModel):
    """One line of ``docker stats --no-stream`` (running containers only)."""

    id: str
    name: str
    cpu_percent: float | None = Field(description="Percent of ONE CPU (can exceed 100 on multi-core hosts).")
    mem_usage: int | None = Field(description="Bytes.")
    mem_limit: int | None = Field(
        description="Bytes, rounded from docker's 2-decimal display; the host's memory when unlimited."
    )
    mem_percent: float | None
    net_rx: int | None = None
    net_tx: int | None = None
    block_read: int | None = None
    block_write: int | None = None
    pids: int | None = None
    cpu_throttling: CpuThrottling | None = Field(
        default=None, description="Engine API; on the CLI path dozor reads the cgroup's cpu.stat (docker stats "
        "does not show it); None without a CPU quota.")
    memory_trend: MemoryTrend | None = Field(
        default=None, description="What the container's memory history says (rising, steady…), for a container "
        "with a memory limit, when dozor's state directory was consulted (dozor resources); None otherwise.")


class DiskUsage(BaseModel):
    """One mounted filesystem, from ``df -P -k -T`` (and ``-i`` for inodes)."""

    filesystem: str
    fs_type: str | None = None
    mount: str
    size: int = Field(description="Bytes.")
    used: int = Field(description="Bytes.")
    available: int = Field(description="Bytes available to unprivileged users.")
    use_percent: float = Field(description="df's Capacity column (used / (used + available)).")
    inodes_total: int | None = None
    inodes_used: int | None = None
    inode_use_percent: float | None = None


class MemoryInfo(BaseModel):
    """Host memory from /proc/meminfo, bytes."""

    total: int
    available: int = Field(description="MemAvailable: what can be allocated without swapping.")
    used: int = Field(description="total - available.")
    used_percent: float


class SwapInfo(BaseModel):
    """Host swap from /proc/meminfo, bytes."""

    total: int
    free: int
    used: int


class LoadAverage(BaseModel):
    """/proc/loadavg."""

    load1: float
    load5: float
    load15: float


class HostResources(BaseModel):
    """Everything the resources command saw; failed sections leave None plus an error."""

    containers: list[ContainerResources] = Field(default_factory=list)
    disks: list[DiskUsage] = Field(default_factory=list)
    memory: MemoryInfo | None = None
    swap: SwapInfo | None = None
    load: LoadAverage | None = None
    cpus: int | None = None
    docker_error: str | None = Field(default=None, description="Why docker stats gave nothing, if it failed.")
    docker_df: DockerDiskUsage | None = Field(
        default=None, description="Docker's disk usage (docker system df), when it was asked for and answered.")
    section_errors: dict[str, str] = Field(default_factory=dict, description="Other sections that failed.")


def resources_argv(section_timeout: int = DEFAULT_SECTION_TIMEOUT, *, containers: bool = True) -> list[str]:
    """``sh -c`` running the constant resources script; ``section_timeout`` caps df and docker stats.

    ``containers=False`` leaves ``docker stats`` out (the Engine API answers that part).
    """
    if not isinstance(section_timeout, int) or not 1 <= section_timeout <= 600:
        raise ValueError("section_timeout must be an integer number of seconds in 1..600")
    return ["sh", "-c", RESOURCES_SCRIPT, "dozor-resources", str(section_timeout),
            "all" if containers else "host"]


def _percent(text: str) -> float | None:
    t = text.strip().rstrip("%")
    try:
        return float(t)
    except ValueError:
        return None


def _pair(text: str) -> tuple[int | None, int | None]:
    a, sep, b = text.partition("/")
    if not sep:
        return None, None
    return parse_size(a), parse_size(b)


def split_sections(stdout: str) -> dict[str, tuple[list[str], int | None]]:
    """``@@name`` … ``@@rc N`` blocks to ``{name: (lines, rc)}``; rc None when the block was cut off."""
    sections: dict[str, tuple[list[str], int | None]] = {}
    name: str | None = None
    lines: list[str] = []
    for line in stdout.splitlines():
        if line.startswith("@@rc ") and name is not None:
            rc_s = line[5:].strip()
            sections[name] = (lines, int(rc_s) if rc_s.lstrip("-").isdigit() else None)
            name, lines = None, []
        elif line.startswith("@@") and " " not in line:
            if name is not None:
                sections[name] = (lines, None)
            name, lines = line[2:], []
        elif name is not None:
            lines.append(line)
    if name is not None:
        sections[name] = (lines, None)
    return sections


def _is_internal(fs_type: str | None, filesystem: str, mount: str) -> bool:
    if fs_type in PSEUDO_FS_TYPES or (fs_type is None and filesystem in ("overlay", "shm", "proc", "sysfs")):
        return True
    if fs_type == "tmpfs" and any(mount == p or mount.startswith(p + "/") for p in _SYSTEM_TMPFS):
        return True
    return any(mount.startswith(p) for p in INTERNAL_MOUNT_PREFIXES)


def parse_df(lines: list[str], include_internal: bool = False) -> list[DiskUsage]:
    """Parse ``df -P -k [-T]`` lines. Pseudo and engine-internal mounts are dropped unless asked.

    The same device mounted twice (bind mounts) is kept once, at its shortest mount point.
    """
    if not lines:
        return []
    header = lines[0].split()
    typed = len(header) > 1 and header[1].lower() == "type"
    out: list[DiskUsage] = []
    for line in lines[1:]:
        parts = line.split()
        n = 7 if typed else 6
        if len(parts) < n:
            continue
        # The mount point may contain spaces: it is everything after the Capacity column.
        fs = parts[0]
        fs_type = parts[1] if typed else None
        nums = parts[2:6] if typed else parts[1:5]
        mount = line.split(None, n - 1)[n - 1]
        try:
            size, used, avail = (int(x) * 1024 for x in nums[:3])
        except ValueError:
            continue
        pct = _percent(nums[3])
        if not include_internal and _is_internal(fs_type, fs, mount):
            continue
        out.append(DiskUsage(filesystem=fs, fs_type=fs_type, mount=mount, size=size, used=used,
                             available=avail, use_percent=pct if pct is not None else 0.0))
    seen: set[tuple[str, int, int]] = set()
    kept: set[int] = set()
    for d in sorted(out, key=lambda d: len(d.mount)):
        key = (d.filesystem, d.size, d.used)
        if d.filesystem.startswith("/") and key in seen:
            continue
        seen.add(key)
        kept.add(id(d))
    return [d for d in out if id(d) in kept]


def _apply_inodes(disks: list[DiskUsage], lines: list[str]) -> None:
    if not lines:
        return
    typed = len(lines[0].split()) > 1 and lines[0].split()[1].lower() == "type"
    n = 7 if typed else 6
    by_mount = {d.mount: d for d in disks}
    for line in lines[1:]:
        parts = line.split()
        if len(parts) < n:
            continue
        mount = line.split(None, n - 1)[n - 1]
        d = by_mount.get(mount)
        nums = parts[2:6] if typed else parts[1:5]
        if d is None or not nums[0].isdigit() or not nums[1].isdigit():
            continue
        d.inodes_total, d.inodes_used = int(nums[0]), int(nums[1])
        d.inode_use_percent = _percent(nums[3])  # "-" on filesystems without inodes (btrfs) gives None


def parse_meminfo(lines: list[str]) -> tuple[MemoryInfo | None, SwapInfo | None]:
    """/proc/meminfo (kB) to bytes. MemAvailable is estimated on kernels older than 3.14."""
    kv: dict[str, int] = {}
    for line in lines:
        key, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            kv[key.strip()] = int(parts[0]) * (1024 if len(parts) > 1 and parts[1] == "kB" else 1)
    mem = swap = None
    if "MemTotal" in kv:
        total = kv["MemTotal"]
        avail = kv.get("MemAvailable", kv.get("MemFree", 0) + kv.get("Buffers", 0) + kv.get("Cached", 0))
        mem = MemoryInfo(total=total, available=avail, used=total - avail,
                         used_percent=round(100.0 * (total - avail) / total, 2) if total else 0.0)
    if "SwapTotal" in kv:
        st, sf = kv["SwapTotal"], kv.get("SwapFree", 0)
        swap = SwapInfo(total=st, free=sf, used=st - sf)
    return mem, swap


def parse_stats_line(d: dict[str, Any]) -> ContainerResources:
    """One ``docker stats --format '{{json .}}'`` object."""
    mem_usage, mem_limit = _pair(d.get("MemUsage", ""))
    rx, tx = _pair(d.get("NetIO", ""))
    br, bw = _pair(d.get("BlockIO", ""))
    pids = d.get("PIDs", "")
    return ContainerResources(
        id=(d.get("ID") or d.get("Container") or "")[:12],
        name=d.get("Name", ""),
        cpu_percent=_percent(d.get("CPUPerc", "")),
        mem_usage=mem_usage,
        mem_limit=mem_limit or None,  # "0B / 0B" for a restarting container: no data, not a zero limit
        mem_percent=_percent(d.get("MemPerc", "")),
        net_rx=rx, net_tx=tx, block_read=br, block_write=bw,
        pids=int(pids) if str(pids).isdigit() else None,
    )


def _section_error(name: str, lines: list[str], rc: int | None) -> str:
    detail = first_line("\n".join(lines))
    if rc is None:
        return f"{name}: output cut off" + (f" ({detail})" if detail else "")
    if rc == 124:
        return f"{name}: timed out"
    return f"{name}: exit {rc}" + (f": {detail}" if detail else "")


def _docker_error(lines: list[str], rc: int | None) -> str:
    text = "\n".join(lines)
    try:
        check_docker(CommandResult(argv=["docker", "stats"], exit_status=rc, stderr=text))
    except DockerUnavailable as exc:
        return str(exc)
    return _section_error("docker stats", lines, rc)


def parse_resources(result: CommandResult) -> HostResources:
    """Parse the sectioned output. Only a completely unreadable answer raises."""
    sections = split_sections(result.stdout)
    if not sections:
        # Nothing ran at all (no sh?): let check_docker classify, else a plain error.
        check_docker(result)
        raise CollectorError(f"resources script printed no sections (exit {result.exit_status}): "
                             + first_line(result.stderr or result.stdout))
    res = HostResources()
    errors: dict[str, str] = {}

    df_lines, rc = sections.get("df", ([], None))
    if rc == 0:
        res.disks = parse_df(df_lines)
        dfi_lines, irc = sections.get("dfi", ([], None))
        if irc == 0:
            _apply_inodes(res.disks, dfi_lines)
        elif "dfi" in sections:
            errors["dfi"] = _section_error("df -i", dfi_lines, irc)
    else:
        # GNU df exits 1 when one mount fails (stale NFS) but still lists the others.
        res.disks = parse_df(df_lines) if df_lines and df_lines[0].startswith("Filesystem") else []
        errors["df"] = _section_error("df", [x for x in df_lines if not x.startswith("Filesystem")], rc)

    mem_lines, rc = sections.get("meminfo", ([], None))
    res.memory, res.swap = parse_meminfo(mem_lines)
    if res.memory is None:
        errors["meminfo"] = _section_error("meminfo", mem_lines, rc)

    load_lines, rc = sections.get("loadavg", ([], None))
    parts = load_lines[0].split() if load_lines else []
    try:
        res.load = LoadAverage(load1=float(parts[0]), load5=float(parts[1]), load15=float(parts[2]))
    except (IndexError, ValueError):
        errors["loadavg"] = _section_error("loadavg", load_lines, rc)

    np_lines, rc = sections.get("nproc", ([], None))
    if np_lines and np_lines[0].strip().isdigit():
        res.cpus = int(np_lines[0].strip())
    else:
        errors["nproc"] = _section_error("nproc", np_lines, rc)

    st_lines, rc = sections.get("stats", ([], None))
    containers: list[ContainerResources] = []
    junk: list[str] = []
    for line in st_lines:
        s = line.strip()
        if s.startswith("{"):
            try:
                containers.append(parse_stats_line(json.loads(s)))
                continue
            except (json.JSONDecodeError, CollectorError):
                pass
        if s:
            junk.append(s)
    res.containers = containers
    wants_stats = not (result.argv and result.argv[-1] == "host")
    if wants_stats and (rc != 0 or (junk and not containers)):
        res.docker_error = _docker_error(junk or st_lines, rc if rc is not None else result.exit_status)
    res.section_errors = errors
    return res


RESOURCES: Collector[HostResources] = Collector(
    name="resources",
    argv=resources_argv,
    parse=parse_resources,
    description="Disks (+inodes), memory, swap, load, CPUs and per-container docker stats, in one command.",
)
