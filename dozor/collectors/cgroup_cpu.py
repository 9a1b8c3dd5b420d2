"""CPU throttling of containers with a CPU quota, read from their cgroup's ``cpu.stat`` (the CLI path: docker stats
does not show it; the Engine API's ``throttling_data`` holds the same counters).

One ``grep -sH . <files>`` (argv only, no shell): ``-H`` names the file on every line, ``-s`` keeps quiet about
the candidate paths that do not exist on this host. Per container the candidates are the known layouts
(:func:`candidate_paths`) and ``/proc/<pid>/cgroup`` of its main process; when none of the layouts holds its
``cpu.stat``, :func:`cgroup_paths` reads where ``/proc/<pid>/cgroup`` says it lives and a second grep reads that.

``cpu.stat`` (kernel ``Documentation/scheduler/sched-bwc.rst``, ``Documentation/admin-guide/cgroup-v2.rst``):
cgroup v1 ``nr_periods``, ``nr_throttled``, ``throttled_time`` (ns); v2 ``nr_periods``, ``nr_throttled``,
``throttled_usec`` (µs), next to ``usage_usec`` and friends. A ``cpu.stat`` without ``nr_periods`` (v2's
hierarchy on a hybrid host, where the v1 ``cpu`` controller holds the quota) is not a throttling answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field

from dozor.collectors.base import Collector, CollectorError, first_line
from dozor.collectors.resources import CpuThrottling
from dozor.transport.base import CommandResult

CGROUP_ROOT = "/sys/fs/cgroup"
_ID = re.compile(r"[0-9a-f]{64}")
_SLICE = re.compile(r"[A-Za-z0-9_.:\\-]+\.slice")
_SAFE = re.compile(r"/[A-Za-z0-9_.,:@=+/\\-]*")
MAX_PATHS = 2000
_ENDS = ("/cpu.stat:", "/cgroup:")  # every file asked for ends so: where its name ends on grep's line


class CpuStat(BaseModel):
    """One cgroup's ``cpu.stat``: the CFS bandwidth counters since the cgroup was created."""

    path: str
    periods: int = Field(description="nr_periods: enforcement periods with the quota in force.")
    throttled_periods: int = Field(description="nr_throttled: periods in which the group was paused.")
    throttled_seconds: float = Field(description="throttled_time (ns, v1) or throttled_usec (µs, v2), in seconds.")
    cgroup_version: int = Field(description="1 (throttled_time) or 2 (throttled_usec).")

    def throttling(self) -> CpuThrottling:
        """The same counters as the Engine API reports them, since the container started."""
        return CpuThrottling(periods=self.periods, throttled_periods=self.throttled_periods,
                             throttled_seconds=self.throttled_seconds, window="lifetime")


class CgroupCpuRead(BaseModel):
    """What one grep over the candidate files found."""

    stats: list[CpuStat] = Field(default_factory=list, description="Every cpu.stat with the bandwidth counters.")
    cgroups: dict[int, list[str]] = Field(
        default_factory=dict, description="PID -> the cpu.stat paths its /proc/<pid>/cgroup names (v1 cpu, v2).")


def _slice_path(parent: str) -> str:
    """systemd's slice path: ``a-b.slice`` lives at ``a.slice/a-b.slice``."""
    name = parent.removesuffix(".slice")
    parts = name.split("-")
    return "/".join("-".join(parts[:i + 1]) + ".slice" for i in range(len(parts)))


def candidate_paths(container_id: str, parent: str | None = None) -> list[str]:
    """Where the container's ``cpu.stat`` is under the usual layouts: cgroup v2 (systemd driver:
    ``system.slice/docker-<id>.scope``; cgroupfs driver: ``docker/<id>``) and v1 (``cpu,cpuacct`` and ``cpu``
    hierarchies, the same two layouts); ``parent`` is ``HostConfig.CgroupParent`` when set (a slice name under the
    systemd driver, a path under cgroupfs)."""
    if not _ID.fullmatch(container_id):
        raise ValueError(f"not a full container id (64 hex digits): {container_id!r}")
    groups = [f"system.slice/docker-{container_id}.scope", f"docker/{container_id}"]
    if parent:
        if _SLICE.fullmatch(parent):
            groups.append(f"{_slice_path(parent)}/docker-{container_id}.scope")
        elif _SAFE.fullmatch("/" + parent.strip("/")) and ".." not in parent.split("/"):
            groups.append(f"{parent.strip('/')}/{container_id}")
        else:
            raise ValueError(f"unusable cgroup parent {parent!r}")
    return [f"{CGROUP_ROOT}/{h}{g}/cpu.stat" for h in ("", "cpu,cpuacct/", "cpu/") for g in groups]


def cgroup_cpu_argv(paths: Sequence[str]) -> list[str]:
    """``grep -sH . -- <paths>``: every line of every file that exists, named. Paths are checked (absolute,
    under /sys/fs/cgroup or /proc, no ``..``), never passed to a shell."""
    if not paths:
        raise ValueError("no cpu.stat path to read")
    if len(paths) > MAX_PATHS:
        raise ValueError(f"{len(paths)} paths to read, at most {MAX_PATHS}")
    for p in paths:
        if not (p.startswith((CGROUP_ROOT + "/", "/proc/")) and p.endswith(("/cpu.stat", "/cgroup"))
                and _SAFE.fullmatch(p)) or ".." in p.split("/"):
            raise ValueError(f"not a cgroup file path (a cpu.stat or /proc/<pid>/cgroup): {p!r}")
    return ["grep", "-sH", ".", "--", *paths]


def _derived(lines: list[str]) -> list[str]:
    """The cpu.stat paths a ``/proc/<pid>/cgroup`` names: the v1 hierarchy holding ``cpu``, else v2's."""
    v1, v2 = [], []
    for line in lines:
        _, _, rest = line.partition(":")
        controllers, sep, path = rest.partition(":")
        if not sep or not path.startswith("/"):
            continue
        group = path.rstrip("/")
        if "cpu" in controllers.split(","):
            v1 += [f"{CGROUP_ROOT}/{controllers}{group}/cpu.stat", f"{CGROUP_ROOT}/cpu{group}/cpu.stat"]
        elif not controllers:
            v2.append(f"{CGROUP_ROOT}{group}/cpu.stat")
    return list(dict.fromkeys(v1 or v2))


def parse_cgroup_cpu(result: CommandResult) -> CgroupCpuRead:
    """The files grep printed, by their names in the argv: each ``cpu.stat`` with bandwidth counters, each
    ``/proc/<pid>/cgroup`` as the ``cpu.stat`` paths it names. Exit 1 (nothing printed) and 2 (some file
    missing: ``-s`` keeps that quiet) are answers; anything else is an error."""
    if result.exit_status not in (0, 1, 2):
        raise CollectorError(f"reading cgroup cpu.stat failed (exit {result.exit_status}): "
                             + first_line(result.stderr or result.stdout))
    argv = list(result.argv)
    files = set(argv[argv.index("--") + 1:] if "--" in argv else [])
    lines: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        name = next((line[:i + len(m) - 1] for m in _ENDS if (i := line.find(m)) >= 0
                     and line[:i + len(m) - 1] in files), None)
        if name is None:
            raise CollectorError(f"grep printed a line naming no file it was given: {line[:200]!r}")
        lines.setdefault(name, []).append(line[len(name) + 1:])
    out = CgroupCpuRead()
    for name, body in lines.items():
        if name.startswith("/proc/"):
            pid = name.split("/")[2]
            if pid.isdigit():
                out.cgroups[int(pid)] = _derived(body)
            continue
        kv = dict(x.split(None, 1) for x in body if len(x.split(None, 1)) == 2)
        if "nr_periods" not in kv:
            continue
        try:
            if "throttled_usec" in kv:
                seconds, version = int(kv["throttled_usec"]) / 1e6, 2
            else:
                seconds, version = int(kv.get("throttled_time", "0")) / 1e9, 1
            out.stats.append(CpuStat(path=name, periods=int(kv["nr_periods"]),
                                     throttled_periods=int(kv.get("nr_throttled", "0")),
                                     throttled_seconds=seconds, cgroup_version=version))
        except ValueError as exc:
            raise CollectorError(f"unreadable {name}: {exc}") from exc
    out.stats.sort(key=lambda s: s.path)
    return out


def throttling_by_container(asked: Mapping[str, Sequence[str]], read: CgroupCpuRead) -> dict[str, CpuThrottling]:
    """Each container's throttling (``asked``: container id -> the cpu.stat paths asked for it, in order of
    preference); a container none of whose paths answered is left out."""
    by_path = {s.path: s for s in read.stats}
    out: dict[str, CpuThrottling] = {}
    for cid, paths in asked.items():
        found = next((by_path[p] for p in paths if p in by_path), None)
        if found is not None:
            out[cid] = found.throttling()
    return out


CGROUP_CPU = Collector(
    name="cgroup_cpu", argv=cgroup_cpu_argv, parse=parse_cgroup_cpu,
    description="CPU throttling counters (cpu.stat) of containers with a CPU quota, from their cgroups.",
)

__all__ = [
    "CGROUP_CPU",
    "CgroupCpuRead",
    "CpuStat",
    "candidate_paths",
    "cgroup_cpu_argv",
    "parse_cgroup_cpu",
    "throttling_by_container",
]
