"""Contention: CPU throttling read from the Engine API (cgroup v1 recorded, v2 shape as dockerd builds it),
the rule's near misses on each side of its threshold, and restart storms across a project."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from dozor.collectors.resources import ContainerResources, CpuThrottling, HostResources, MemoryInfo
from dozor.collectors.status import ServiceState
from dozor.engine import queries
from dozor.inventory.models import Thresholds
from dozor.noise.contention import restart_storm_alerts, throttling_alerts
from dozor.report.alerts import AlertCode
from tests.unit.report_factory import NOW, container

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "engine" / "stats_throttled.json"


def test_recorded_v1_throttling_between_two_samples_and_since_start() -> None:
    fx = json.loads(FIXTURE.read_text())
    cpu, pre = fx["api"]["cpu_stats"]["throttling_data"], fx["api"]["precpu_stats"]["throttling_data"]
    t = queries.parse_stats(fx["api"]).cpu_throttling
    assert t is not None and t.window == "sample"
    assert t.periods == cpu["periods"] - pre["periods"] and t.periods >= queries.MIN_SAMPLE_PERIODS
    assert t.throttled_periods == cpu["throttled_periods"] - pre["throttled_periods"] and t.ratio > 0.9
    one = queries.parse_stats(fx["one_shot"], cpu_known=False).cpu_throttling
    assert one is not None and one.window == "lifetime"
    assert one.periods == fx["one_shot"]["cpu_stats"]["throttling_data"]["periods"] and one.ratio > 0.9
    ns = fx["one_shot"]["cpu_stats"]["throttling_data"]["throttled_time"]
    assert one.throttled_seconds == pytest.approx(ns / 1e9)


def test_v2_shape_reads_the_same() -> None:
    """dockerd's cgroup v2 stats: throttling_data from cpu.stat (nr_periods, nr_throttled, throttled_usec × 1000),
    no percpu_usage, memory stats under v2 names (anon, file, inactive_file)."""
    v2 = {
        "id": "0123456789abcdef", "name": "/shop-api-1",
        "cpu_stats": {"cpu_usage": {"total_usage": 9_000_000_000, "usage_in_kernelmode": 1_000_000_000,
                                    "usage_in_usermode": 8_000_000_000},
                      "system_cpu_usage": 500_000_000_000, "online_cpus": 4,
                      "throttling_data": {"periods": 600, "throttled_periods": 420, "throttled_time": 38_000_000_000}},
        "precpu_stats": {"cpu_usage": {"total_usage": 0}, "throttling_data": {"periods": 0, "throttled_periods": 0,
                                                                              "throttled_time": 0}},
        "memory_stats": {"usage": 200_000_000, "limit": 268_435_456,
                         "stats": {"anon": 150_000_000, "file": 50_000_000, "inactive_file": 20_000_000}},
    }
    r = queries.parse_stats(v2, cpu_known=False)
    assert r.cpu_throttling == CpuThrottling(periods=600, throttled_periods=420, throttled_seconds=38.0,
                                             window="lifetime")
    assert r.mem_usage == 180_000_000  # usage - inactive_file (v2 names)


def test_no_quota_no_throttling() -> None:
    fx = json.loads((FIXTURE.parent / "stats_shop_web_1.json").read_text())
    assert queries.parse_stats(fx["api"]).cpu_throttling is None


def _res(periods: int, throttled: int, window: str = "lifetime") -> HostResources:
    return HostResources(containers=[ContainerResources(
        id="apixxxxxxxxx", name="shop_api_1", cpu_percent=None, mem_usage=1, mem_limit=None, mem_percent=None,
        cpu_throttling=CpuThrottling(periods=periods, throttled_periods=throttled, throttled_seconds=throttled * 0.09,
                                     window=window))])


@pytest.mark.parametrize(("periods", "throttled", "fires"), [
    (100, 24, False), (100, 25, True), (100, 100, True), (19, 19, False), (20, 5, True), (0, 0, False)])
def test_throttling_threshold_near_misses(periods: int, throttled: int, fires: bool) -> None:
    c = container("api", started=timedelta(minutes=3))
    out = throttling_alerts("web1", _res(periods, throttled), [c], [], NOW)
    assert bool(out) is fires
    if fires:
        a = out[0]
        assert a.code is AlertCode.CPU_THROTTLED and a.service == "api" and a.project == "shop"
        assert f"throttled in {throttled} of {periods} CPU periods" in a.evidence
        assert "since it started 3m ago" in a.evidence


def test_sample_window_is_said() -> None:
    out = throttling_alerts("web1", _res(10, 9, "sample"), [container("api")], [], NOW)
    assert "in the engine's last sample" in out[0].evidence


def _svc(name: str, restarts: int, started: timedelta, project: str = "shop") -> ServiceState:
    c = container(name, restarts=restarts, started=started, project=project)
    return ServiceState(project=project, service=name, declared=True, missing=False, containers=[c])


def test_restart_storm_needs_three_services_of_one_project_in_the_window() -> None:
    th = Thresholds()
    recent, old = timedelta(minutes=2), timedelta(minutes=40)
    storm = [_svc("api", 4, recent), _svc("worker", 2, recent), _svc("web", 1, recent), _svc("db", 0, recent)]
    out = restart_storm_alerts("web1", storm, th, NOW)
    assert [a.code for a in out] == [AlertCode.RESTART_STORM]
    assert out[0].project == "shop" and "3 of 4 services restarted" in out[0].title and out[0].count == 7
    assert not restart_storm_alerts("web1", [*storm[:2], _svc("web", 1, old)], th, NOW)  # one outside the window
    assert not restart_storm_alerts("web1", [_svc("api", 4, recent), _svc("worker", 2, recent),
                                             _svc("web", 1, recent, project="other")], th, NOW)
    assert not restart_storm_alerts("web1", [_svc("a", 0, recent), _svc("b", 0, recent), _svc("c", 0, recent)], th,
                                    NOW)  # a deploy recreating containers is not a storm


def test_resources_view_shows_contention() -> None:
    from dozor.render.terminal import contention

    res = _res(10, 9, "sample")
    res.memory = MemoryInfo(total=8 * 2**30, available=4 * 2**30, used=4 * 2**30, used_percent=50.0)
    res.containers.append(ContainerResources(id="dbxxxxxxxxxx", name="shop_db_1", cpu_percent=1.0, mem_usage=95,
                                             mem_limit=100, mem_percent=95.0))
    found = {(a.code, a.service) for a in contention(res)}
    assert found == {(AlertCode.CPU_THROTTLED, "shop_api_1"), (AlertCode.CONTAINER_MEMORY, "shop_db_1")}
    assert "0.8s paused in all" in contention(res)[0].evidence
