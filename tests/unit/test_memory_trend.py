"""Memory near the limit AND rising: the per-container history (bounded, reset by a restart, pruned, never
emptied when corrupt), the pure trend verdict on each side of its thresholds, and how the ``container_memory``
alert reads with it (rising → warning or critical, steady → info, at the limit → still a warning, first sample →
today's warning with "trend unknown")."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from dozor.collectors.resources import ContainerResources, HostResources
from dozor.errors import NoiseStateCorrupt
from dozor.inventory.models import Thresholds
from dozor.noise.contention import memory_trend_alert
from dozor.noise.memtrend import (
    KEEP,
    MAX_POINTS,
    MEMTREND_FILE,
    MemoryHistory,
    MemorySample,
    judge_memory,
    memory_samples,
    memtrend_file,
    observe_memory,
)
from dozor.report.alerts import AlertCode, Severity
from dozor.report.build import _merge
from dozor.report.rules import resource_alerts
from tests.unit.report_factory import NOW, container

MIB = 2**20
LIMIT = 100 * MIB
STARTED = NOW - timedelta(days=1)


def sample(usage_mib: float, ago: timedelta = timedelta(0), *, name: str = "shop_web_1", cid: str = "abcdef012345",
           started=STARTED) -> MemorySample:
    return MemorySample(host="web1", name=name, id=cid, started_at=started, at=NOW - ago, usage=int(usage_mib * MIB),
                        limit=LIMIT)


def history(*points: tuple[float, timedelta], **kw) -> MemoryHistory:
    """A history holding the samples ``(usage MiB, age)``, oldest first."""
    h = MemoryHistory()
    for usage, ago in points:
        h.record(sample(usage, ago, **kw))
    return h


def verdict(now_mib: float, *points: tuple[float, timedelta]):
    s = sample(now_mib)
    return judge_memory(history(*points).before(s), s)


M = timedelta(minutes=1)


def test_first_sample_is_unknown_and_so_is_one_too_recent() -> None:
    assert verdict(95).kind == "unknown" and verdict(95).samples == 1
    young = verdict(95, (91, 2 * M))  # under MIN_SPAN (3 min): not a trend yet
    assert young.kind == "unknown" and young.samples == 2


@pytest.mark.parametrize(("before", "kind"), [
    (92.9, "rising"),   # +2.1 MiB of a 100 MiB limit: at least 2%
    (93.1, "flat"),     # +1.9 MiB: noise
    (97.1, "falling"),  # -2.1 MiB
])
def test_rise_threshold_near_misses(before: float, kind: str) -> None:
    assert verdict(95, (before, 10 * M)).kind == kind


def test_rising_says_how_much_since_when_and_the_time_left() -> None:
    t = verdict(95, (85, 60 * M), (90, 30 * M))  # +10 MiB in 60 min; 5 MiB left → ~30 min
    assert t.kind == "rising" and t.change == 10 * MIB and t.since == NOW - 60 * M
    assert t.seconds_left == pytest.approx(1800, rel=0.01)
    a = memory_trend_alert(_alert(), t, NOW)
    assert a.severity is Severity.CRITICAL  # the limit within IMMINENT (30 min)
    assert "rising: +10 MiB since 2026-11-27 11:00:00Z (60m ago); at this rate the limit in ~30 min" in a.evidence
    assert a.title == "web at 95% of its memory limit and rising" and a.host == "web1" and a.service == "web"
    slow = verdict(92, (90, 60 * M))  # +2 MiB/h, 8 MiB left → ~4 h: a warning
    assert slow.kind == "rising" and memory_trend_alert(_alert(), slow, NOW).severity is Severity.WARNING
    assert "the limit in ~4.0 h" in memory_trend_alert(_alert(), slow, NOW).evidence


def test_rising_compares_with_the_last_hour_not_the_whole_day() -> None:
    t = verdict(95, (60, 20 * 60 * M), (93, 50 * M), (94, 20 * M))  # +2 MiB over the last hour
    assert t.kind == "rising" and t.change == 2 * MIB and t.since == NOW - 50 * M
    gone_down = verdict(95, (90, 50 * M), (99, 20 * M))  # grew, but below its recent high: not rising
    assert gone_down.kind != "rising"


def test_steady_for_long_enough_is_info_and_says_so() -> None:
    pts = [(93 + (i % 2) * 0.5, (120 - 10 * i) * M) for i in range(12)]  # 2 h within 0.5 MiB
    t = verdict(93.2, *pts)
    assert t.kind == "steady" and t.since == NOW - 120 * M and t.samples == 13
    a = memory_trend_alert(_alert(93), t, NOW)
    assert a.severity is Severity.INFO and a.title == "web steady at 93% of its memory limit"
    assert "steady at 93% for 2h00m (within 0.5 MiB over 13 samples): likely a cache or a fixed-size heap" \
        in a.evidence


def test_steady_needs_half_an_hour_and_three_samples() -> None:
    assert verdict(93, (93, 29 * M), (93, 15 * M)).kind == "flat"
    assert verdict(93, (93, 31 * M), (93, 15 * M)).kind == "steady"
    assert verdict(93, (93, 31 * M)).kind == "flat"  # two samples only
    flat = memory_trend_alert(_alert(93), verdict(93, (93, 29 * M), (93, 15 * M)), NOW)
    assert flat.severity is Severity.WARNING and "no clear trend yet: within 0.0 MiB for 29m00s" in flat.evidence


def test_a_step_within_the_last_hour_is_still_rising_not_steady() -> None:
    step = verdict(95, (92, 55 * M), (95, 45 * M), (95, 30 * M), (95, 15 * M))  # +3 MiB 45 min ago, flat since
    assert step.kind == "rising" and step.since == NOW - 55 * M
    settled = verdict(95, (92, 65 * M), (95, 45 * M), (95, 30 * M), (95, 15 * M))  # the step left the hour
    assert settled.kind == "steady"


def test_steady_at_the_limit_stays_a_warning() -> None:
    t = verdict(98, (98, 60 * M), (98, 30 * M), (98, 10 * M))
    assert t.kind == "steady"
    a = memory_trend_alert(_alert(98), t, NOW)
    assert a.severity is Severity.WARNING and "at its limit, the kernel is reclaiming" in a.evidence


def test_a_slow_leak_inside_the_band_is_creeping_not_steady() -> None:
    pts = [(91 + 0.15 * i, (120 - 10 * i) * M) for i in range(12)]  # +1.8 MiB in 2 h: 0.9 MiB/h, 7 MiB left
    t = verdict(92.8, *pts)
    assert t.kind == "creeping" and t.seconds_left is not None and 6 * 3600 < t.seconds_left < 10 * 3600
    a = memory_trend_alert(_alert(93), t, NOW)
    assert a.severity is Severity.WARNING and "creeping up: +1.8 MiB over the last 2h00m" in a.evidence


def test_a_restart_starts_the_series_again() -> None:
    h = history((60, 60 * M), (80, 30 * M))
    restarted = sample(95, started=NOW - 5 * M)
    assert h.before(restarted) == [] and judge_memory(h.before(restarted), restarted).kind == "unknown"
    h.record(restarted)
    assert len(h.series["web1|shop_web_1"].points) == 1
    recreated = sample(96, timedelta(0), cid="999999999999", started=NOW - 5 * M)  # same name, new container
    assert h.before(recreated) == []


def test_the_history_is_bounded_and_spans_the_day() -> None:
    h = MemoryHistory()
    for i in range(400):  # a sample a minute for 6h40m
        h.record(sample(50, (400 - i) * M))
    pts = h.series["web1|shop_web_1"].points
    assert len(pts) == MAX_POINTS
    assert pts[-1][0] == int((NOW - M).timestamp()) and pts[0][0] == int((NOW - 400 * M).timestamp())
    h.record(sample(50, timedelta(seconds=40)))  # under MERGE_GAP after the last one: replaces it
    assert len(h.series["web1|shop_web_1"].points) == MAX_POINTS
    assert h.series["web1|shop_web_1"].points[-1][0] == int((NOW - timedelta(seconds=40)).timestamp())
    old = sample(50, KEEP + 5 * M)
    h2 = history((50, KEEP + 10 * M), (50, KEEP + 5 * M))
    assert h2.before(sample(50)) == []  # older than a day: not history
    h2.prune(NOW)
    assert h2.series == {} and old.key == "web1|shop_web_1"


def test_gone_containers_are_pruned_after_a_day() -> None:
    h = history((50, 23 * 60 * M), name="shop_a_1")
    h.record(sample(50, 25 * 60 * M, name="shop_b_1"))
    h.record(sample(50, name="shop_c_1"))
    h.prune(NOW)
    assert sorted(h.series) == ["web1|shop_a_1", "web1|shop_c_1"]


def test_observe_judges_then_records_and_a_corrupt_file_is_left_alone(tmp_path) -> None:
    first, _ = observe_memory(tmp_path, [sample(90, 10 * M)], NOW - 10 * M)
    assert first is not None and first["web1|shop_web_1"].kind == "unknown"
    again, warning = observe_memory(tmp_path, [sample(95)], NOW)
    assert warning is None and again["web1|shop_web_1"].kind == "rising"
    saved = json.loads((tmp_path / MEMTREND_FILE).read_text())
    assert [p[1] for p in saved["series"]["web1|shop_web_1"]["points"]] == [90 * MIB, 95 * MIB]
    (tmp_path / MEMTREND_FILE).write_text("{not json")
    trends, warning = observe_memory(tmp_path, [sample(96)], NOW)
    assert trends is None and "not a valid state file" in warning
    assert (tmp_path / MEMTREND_FILE).read_text() == "{not json"  # never emptied
    with pytest.raises(NoiseStateCorrupt):
        memtrend_file(tmp_path).load()


def _res(*rows: tuple[str, str, float]) -> HostResources:
    return HostResources(containers=[ContainerResources(id=cid, name=name, cpu_percent=1.0, mem_usage=int(u * MIB),
                                                        mem_limit=LIMIT, mem_percent=u) for cid, name, u in rows])


def _alert(pct: float = 95):
    c = container("web", mem_limit=LIMIT)
    return resource_alerts("web1", _res((c.id, c.name, pct)), Thresholds(), NOW, [c])[0]


def test_the_rule_with_and_without_history() -> None:
    c = container("web", mem_limit=LIMIT)
    res = _res((c.id, c.name, 95.0))
    plain = resource_alerts("web1", res, Thresholds(), NOW, [c])
    assert plain[0].code is AlertCode.CONTAINER_MEMORY and "trend" not in plain[0].evidence  # no history consulted
    samples = memory_samples("web1", res, [c], NOW)
    assert [(s.key, s.usage, s.limit, s.started_at) for s in samples] == [
        ("web1|shop_web_1", 95 * MIB, LIMIT, c.started_at)]
    first = resource_alerts("web1", res, Thresholds(), NOW, [c], {})
    assert first[0].severity is Severity.WARNING and first[0].evidence.endswith("; trend unknown (first sample)")
    below = resource_alerts("web1", _res((c.id, c.name, 89.9)), Thresholds(), NOW, [c], {})
    assert below == []  # the threshold is the rule's, the trend only words it
    unlimited = container("web", mem_limit=None)
    assert memory_samples("web1", res, [unlimited], NOW) == []


def test_a_rising_replica_is_not_hidden_behind_a_steady_one() -> None:
    steady = memory_trend_alert(_alert(93), verdict(93, (93, 60 * M), (93, 40 * M), (93, 20 * M)), NOW)
    rising = memory_trend_alert(_alert(95), verdict(95, (85, 60 * M)), NOW)
    assert steady.key == rising.key
    for order in ([steady, rising], [rising, steady]):
        merged = _merge(order)
        assert len(merged) == 1 and merged[0].severity is rising.severity and merged[0].count == 2
        assert "rising" in merged[0].evidence


def _on_host(res: HostResources) -> HostResources:
    """A resources answer as ``dozor resources`` gets it: the host's memory known (what tells a limit from none)."""
    from dozor.collectors.resources import MemoryInfo

    return res.model_copy(update={"memory": MemoryInfo(total=16 * 1024 * MIB, used=4 * 1024 * MIB,
                                                       available=12 * 1024 * MIB, used_percent=25.0)})


def test_a_resources_answer_is_judged_against_the_diagnoses_history_and_joins_it(tmp_path) -> None:
    from dozor.noise.memtrend import with_memory_trends
    from dozor.outcome import HostResult, HostStatus

    for usage, ago in ((90, 20 * M), (90.5, 10 * M)):  # two diagnoses: with the container's start time
        observe_memory(tmp_path, [sample(usage, ago)], NOW - ago)
    res = _on_host(_res(("abcdef012345", "shop_web_1", 95.0)))
    with_memory_trends([HostResult(host="web1", status=HostStatus.OK, data=res)], tmp_path, NOW)
    trend = res.containers[0].memory_trend
    assert trend is not None and trend.kind == "rising" and trend.change >= 4 * MIB  # no start time: by the id
    alert = [a for a in resource_alerts("web1", res, Thresholds(), NOW) if a.code is AlertCode.CONTAINER_MEMORY]
    assert len(alert) == 1 and "and rising" in alert[0].title and "rising: +" in alert[0].evidence
    series = json.loads((tmp_path / MEMTREND_FILE).read_text())["series"]["web1|shop_web_1"]
    assert len(series["points"]) == 3 and series["started"] is not None  # joined, the start time kept
    observe_memory(tmp_path, [sample(95.0, started=STARTED + timedelta(hours=1))], NOW + 5 * M)  # restarted
    assert len(json.loads((tmp_path / MEMTREND_FILE).read_text())["series"]["web1|shop_web_1"]["points"]) == 1


def test_a_resources_answer_says_when_the_history_cannot_be_used(tmp_path) -> None:
    from dozor.noise.memtrend import with_memory_trends
    from dozor.outcome import HostResult, HostStatus

    (tmp_path / MEMTREND_FILE).write_text("{broken")
    res = _on_host(_res(("abcdef012345", "shop_web_1", 95.0)))
    with_memory_trends([HostResult(host="web1", status=HostStatus.OK, data=res)], tmp_path, NOW)
    assert res.containers[0].memory_trend is None and "memory_trend" in res.section_errors
    assert (tmp_path / MEMTREND_FILE).read_text() == "{broken"  # left alone
