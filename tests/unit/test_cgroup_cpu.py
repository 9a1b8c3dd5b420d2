"""CPU throttling on the CLI path: where a container's cpu.stat is looked for (cgroup v1/v2, systemd and cgroupfs
drivers, a custom parent, /proc/<pid>/cgroup), the argv's checks, and the recorded v1 answer (and the documented
v2 one) reaching the ``cpu_throttled`` rule as the Engine API's counters do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dozor.collectors.cgroup_cpu import (
    CgroupCpuRead,
    candidate_paths,
    cgroup_cpu_argv,
    parse_cgroup_cpu,
    throttling_by_container,
)
from dozor.collectors.resources import ContainerResources, CpuThrottling, HostResources
from dozor.noise.contention import throttling_alerts
from dozor.report.alerts import AlertCode
from dozor.runner.docker import _with_throttling
from dozor.transport.base import CommandResult
from tests.unit.report_factory import NOW, container

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "collectors" / "cgroup_cpu"
CID = "1e528e2f6f2ecbac294116a2f2b5f1524884cc7bf16d0b95691b6c9ae8cff9b6"


def _read(case: str) -> tuple[dict, CgroupCpuRead]:
    fx = json.loads((FIXTURES / f"{case}.json").read_text())
    return fx, parse_cgroup_cpu(CommandResult(argv=fx["argv"], exit_status=fx["exit_status"], stdout=fx["stdout"],
                                              stderr=fx["stderr"]))


def test_candidate_layouts() -> None:
    paths = candidate_paths(CID)
    assert f"/sys/fs/cgroup/system.slice/docker-{CID}.scope/cpu.stat" in paths  # v2, systemd driver
    assert f"/sys/fs/cgroup/docker/{CID}/cpu.stat" in paths  # v2, cgroupfs driver
    assert f"/sys/fs/cgroup/cpu,cpuacct/docker/{CID}/cpu.stat" in paths  # v1, co-mounted
    assert f"/sys/fs/cgroup/cpu/docker/{CID}/cpu.stat" in paths  # v1, as on the test machine
    assert f"/sys/fs/cgroup/cpu/system.slice/docker-{CID}.scope/cpu.stat" in paths  # v1, systemd driver
    assert f"/sys/fs/cgroup/a.slice/a-b.slice/docker-{CID}.scope/cpu.stat" in candidate_paths(CID, "a-b.slice")
    assert f"/sys/fs/cgroup/cpu/custom/x/{CID}/cpu.stat" in candidate_paths(CID, "/custom/x")


@pytest.mark.parametrize(("cid", "parent"), [
    ("1e528e2f6f2e", None),  # a short id: the layouts hold the full one
    (CID.upper(), None),
    (CID, "../../etc"),
    (CID, "/a b"),
])
def test_bad_input_is_refused_by_name(cid: str, parent: str | None) -> None:
    with pytest.raises(ValueError, match=r"container id|cgroup parent"):
        candidate_paths(cid, parent)


@pytest.mark.parametrize("path", ["/etc/shadow", "/sys/fs/cgroup/../../etc/cpu.stat", "/proc/1/environ",
                                  "relative/cpu.stat", "/sys/fs/cgroup/x y/cpu.stat"])
def test_argv_reads_only_cgroup_files(path: str) -> None:
    with pytest.raises(ValueError, match="not a cgroup file path"):
        cgroup_cpu_argv([path])
    with pytest.raises(ValueError, match=r"no cpu\.stat path"):
        cgroup_cpu_argv([])
    assert cgroup_cpu_argv(["/proc/7/cgroup"]) == ["grep", "-sH", ".", "--", "/proc/7/cgroup"]


def test_recorded_v1_counters_reach_the_rule() -> None:
    fx, read = _read("v1_busy_and_idle")
    busy = next(s for s in read.stats if CID in s.path)
    assert f"{busy.path}:nr_throttled {busy.throttled_periods}" in fx["stdout"]
    asked = {CID: candidate_paths(CID)}
    got = throttling_by_container(asked, read)
    assert got[CID] == CpuThrottling(periods=49, throttled_periods=48, throttled_seconds=4.20055425, window="lifetime")
    c = container("busy", project="dzcg").model_copy(update={"id": CID[:12], "name": "dzcg-busy-1"})
    res = _with_throttling(HostResources(containers=[ContainerResources(
        id=CID[:12], name="dzcg-busy-1", cpu_percent=10.0, mem_usage=1, mem_limit=2, mem_percent=50.0)]), got)
    alerts = throttling_alerts("db1", res, [c], [], NOW)
    assert [(a.code, a.host, a.project, a.service) for a in alerts] == [
        (AlertCode.CPU_THROTTLED, "db1", "dzcg", "busy")]
    assert "throttled in 48 of 49 CPU periods (98%) since it started" in alerts[0].evidence
    idle = [s for s in read.stats if CID not in s.path]
    assert len(idle) == 1 and idle[0].throttled_periods == 0  # --cpus 0.5 and asleep: read, not throttled


def test_custom_parent_is_found_through_proc() -> None:
    _, first = _read("v1_custom_parent_first_pass")
    assert first.stats == [] and len(first.cgroups) == 1
    derived = next(iter(first.cgroups.values()))
    assert derived[0].startswith("/sys/fs/cgroup/cpu/dzcg-parent/") and derived[0].endswith("/cpu.stat")
    fx, second = _read("v1_custom_parent_second_pass")
    assert fx["argv"][4:] == derived  # the second pass reads exactly what /proc named
    assert second.stats[0].periods == 49 and second.stats[0].throttled_periods == 48


def test_documented_v2_reads_the_same_keys() -> None:
    _, read = _read("v2_documented")
    a = read.stats[0] if "system.slice" in read.stats[0].path else read.stats[1]
    assert (a.periods, a.throttled_periods, a.throttled_seconds, a.cgroup_version) == (6120, 2295, 301.55823, 2)
    _, rootless = _read("v2_rootless_first_pass_documented")
    assert rootless.stats == [] and "user@1000.service" in rootless.cgroups[7001][0]


def test_a_failed_read_is_a_section_error_not_a_failed_host() -> None:
    from dozor.errors import CollectorError

    failed = CollectorError("reading cgroup cpu.stat failed (exit 127): grep: not found")
    res = _with_throttling(HostResources(), failed)
    assert "exit 127" in res.section_errors["cpu_throttling"]
    _, gone = _read("gone")
    assert gone == CgroupCpuRead() and throttling_by_container({CID: candidate_paths(CID)}, gone) == {}
