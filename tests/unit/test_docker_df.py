"""Docker disk usage: the Engine API parser on answers recorded from the test fleet's engines
(tests/fixtures/engine/system_df_*.json, with what the CLI printed right after), the CLI's arithmetic on
a documented answer, and the ``docker_reclaimable`` rule with its near misses. The CLI path's parser runs
on its recorded output in tests/fixtures/collectors/docker_df (the generic fixture runner)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dozor.collectors.docker_df import DiskUsageEntry, DockerDiskUsage, parse_system_df
from dozor.collectors.resources import DiskUsage, HostResources
from dozor.collectors.sizes import parse_size
from dozor.inventory.models import Thresholds
from dozor.report.alerts import AlertCode, Severity
from dozor.report.rules import docker_data_disk, docker_reclaimable_alerts

ENGINE = Path(__file__).resolve().parents[1] / "fixtures" / "engine"
CASES = sorted(ENGINE.glob("system_df_*.json"))
GIB = 2**30
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_engine_answer_in_full_and_like_the_cli(path: Path) -> None:
    fx = json.loads(path.read_text())
    got = parse_system_df(fx["api"], fx["info"])
    assert got.model_dump(mode="json") == fx["expected"]
    rows = {r["Type"]: r for r in fx["cli"]}
    for kind, entry in (("Images", got.images), ("Containers", got.containers), ("Local Volumes", got.volumes),
                        ("Build Cache", got.build_cache)):
        row = rows[kind]
        assert (entry.count, entry.active) == (int(row["TotalCount"]), int(row["Active"])), kind
        for field, text in (("size", row["Size"]), ("reclaimable", row["Reclaimable"].split(" (")[0])):
            cli = parse_size(text)
            assert cli is not None and abs(getattr(entry, field) - cli) <= max(0.001 * cli, 1), (kind, field)


def test_engine_arithmetic_is_the_clis() -> None:
    """The documented /system/df shape: shared layers, running vs exited, referenced volumes, shared cache."""
    df = {
        "LayersSize": 1000,
        "Images": [{"Containers": 1, "Size": 600, "SharedSize": 100},
                   {"Containers": 0, "Size": 500, "SharedSize": 100}],
        "Containers": [{"State": "running", "SizeRw": 10}, {"State": "exited", "SizeRw": 30},
                       {"State": "paused", "SizeRw": 5}, {"State": "created"}],
        "Volumes": [{"UsageData": {"RefCount": 1, "Size": 70}}, {"UsageData": {"RefCount": 0, "Size": 40}},
                    {"UsageData": {"RefCount": 0, "Size": -1}}],
        "BuildCache": [{"InUse": True, "Shared": False, "Size": 8}, {"InUse": False, "Shared": False, "Size": 9},
                       {"InUse": False, "Shared": True, "Size": 100}],
    }
    got = parse_system_df(df, {"DockerRootDir": "/var/lib/docker"})
    assert got.images == DiskUsageEntry(count=2, active=1, size=1000, reclaimable=500)
    assert got.containers == DiskUsageEntry(count=4, active=2, size=45, reclaimable=30)
    assert got.volumes == DiskUsageEntry(count=3, active=1, size=110, reclaimable=40)
    assert got.build_cache == DiskUsageEntry(count=3, active=1, size=17, reclaimable=9)
    assert got.reclaimable == 579 and got.data_root == "/var/lib/docker" and got.source == "engine"
    empty = parse_system_df({"LayersSize": 0, "Images": None, "Containers": None, "Volumes": None, "BuildCache": None})
    assert empty.reclaimable == 0 and empty.data_root is None


# ------------------------------------------------------------------------------------------------ the rule


def _entry(reclaimable: int) -> DiskUsageEntry:
    return DiskUsageEntry(count=3, active=1, size=reclaimable * 2, reclaimable=reclaimable)


def _res(reclaimable: int, *, free: int, data_root: str | None = "/var/lib/docker") -> HostResources:
    disks = [
        DiskUsage(filesystem="/dev/vda1", mount="/", size=100 * GIB, used=100 * GIB - 40 * GIB,
                  available=40 * GIB, use_percent=60.0),
        DiskUsage(filesystem="/dev/vdb1", mount="/var/lib/docker", size=50 * GIB, used=50 * GIB - free,
                  available=free, use_percent=50.0),
        DiskUsage(filesystem="/dev/vdc1", mount="/var/lib/docker2", size=GIB, used=0, available=GIB, use_percent=0.0),
    ]
    df = DockerDiskUsage(images=_entry(reclaimable), containers=_entry(0), volumes=_entry(0),
                         build_cache=_entry(0), data_root=data_root, source="engine")
    return HostResources(disks=disks, docker_df=df)


def test_the_data_root_filesystem_is_the_longest_mount_holding_it() -> None:
    assert docker_data_disk(_res(0, free=GIB)).mount == "/var/lib/docker"  # not / nor /var/lib/docker2
    assert docker_data_disk(_res(0, free=GIB, data_root="/srv/docker")).mount == "/"
    assert docker_data_disk(_res(0, free=GIB, data_root=None)).mount == "/"
    assert docker_data_disk(HostResources()) is None


def test_large_reclaimable_space_is_a_warning_naming_prune() -> None:
    [alert] = docker_reclaimable_alerts("web1", _res(int(12.4e9), free=20 * GIB), Thresholds(), NOW)
    assert (alert.severity, alert.code, alert.subject) == (Severity.WARNING, AlertCode.DOCKER_RECLAIMABLE,
                                                           "/var/lib/docker")
    assert alert.title == "12.4 GB reclaimable by `dozor prune`"
    assert "images 12.4 GB" in alert.evidence and "21.5 GB free" in alert.evidence and "58%" in alert.evidence


@pytest.mark.parametrize(
    ("reclaimable", "free", "data_root", "alerts"),
    [
        (5 * GIB, 20 * GIB, "/var/lib/docker", 1),        # exactly 25% of the free space
        (5 * GIB - 1, 20 * GIB, "/var/lib/docker", 0),    # one byte under 25%
        (GIB, 2 * GIB, "/var/lib/docker", 1),             # 50%, exactly 1 GiB
        (GIB - 1, 2 * GIB, "/var/lib/docker", 0),         # 50% but under 1 GiB
        (int(0.9 * GIB), 0, "/var/lib/docker", 0),        # a full disk, but under 1 GiB
        (2 * GIB, 0, "/var/lib/docker", 1),               # a full disk: any share
        (5 * GIB, 20 * GIB, "/srv/docker", 0),            # data on / (40 GiB free): 12.5%
        (10 * GIB, 20 * GIB, None, 1),                    # data root unknown: / (40 GiB free), 25%
    ],
)
def test_near_misses(reclaimable: int, free: int, data_root: str | None, alerts: int) -> None:
    assert len(docker_reclaimable_alerts("h", _res(reclaimable, free=free, data_root=data_root), Thresholds(),
                                         NOW)) == alerts


def test_thresholds_come_from_the_inventory_and_no_df_raises_nothing() -> None:
    res = _res(5 * GIB, free=20 * GIB)
    assert docker_reclaimable_alerts("h", res, Thresholds(docker_reclaimable=30), NOW) == []
    assert docker_reclaimable_alerts("h", res, Thresholds(docker_reclaimable_min_gib=6), NOW) == []
    assert docker_reclaimable_alerts("h", res.model_copy(update={"docker_df": None}), Thresholds(), NOW) == []
