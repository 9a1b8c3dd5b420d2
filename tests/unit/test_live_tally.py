"""The live state feeds the baselines: engine events counted per service and hour, written, judged."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from dozor.live.fleet import LiveFleet
from dozor.live.freshness import FreshKind, Freshness
from dozor.live.host import HostWatcher
from dozor.live.tally import EventTally
from dozor.noise.apply import apply_baselines, baselines_file, live_verdict, record_live
from dozor.noise.baselines import MIN_HOURS, Baselines, hour_of, live_key
from dozor.report.alerts import AlertCode
from tests.unit.report_factory import NOW, alert, fleet, host_ok
from tests.unit.test_live_host import events, watcher  # noqa: F401  (the fixture)

H = hour_of(NOW)


def test_the_recorded_stream_is_counted_once_per_event(watcher: HostWatcher) -> None:  # noqa: F811
    watcher.take(events())
    hour = events()[0]["timeNano"] // 3_600_000_000_000
    assert watcher.tally.counts == {hour: {("data", "db"): {"engine:oom": 1, "engine:die": 1},
                                           ("data", "db-ok"): {"engine:die": 1}}}
    watcher.take(events())  # a resumed stream replays them: deduped before the tally
    assert watcher.tally.counts[hour][("data", "db")] == {"engine:oom": 1, "engine:die": 1}


def test_only_rated_actions_of_compose_services_count() -> None:
    t = EventTally()
    assert not t.add("start", "shop", "web", 0)
    assert not t.add("die", None, "web", 0)  # not a compose container
    assert t.add("health_status: unhealthy", "shop", "web", 3_600_000_000_000 * H)
    assert not t.add("health_status: healthy", "shop", "web", 0)
    assert t.counts == {H: {("shop", "web"): {"engine:unhealthy": 1}}}
    t.add("die", "shop", "web", 3_600_000_000_000 * (H + 1))
    t.forget_before(H + 1)
    assert list(t.counts) == [H + 1]


def _week(state: Path, deaths: int, hours: int = MIN_HOURS + 4) -> None:
    """``hours`` hours watched live before NOW's hour, ``deaths`` exits of web1's shop/worker in each."""
    for h in range(H - hours, H):
        record_live(state, {"web1": {h: {("shop", "worker"): {"engine:die": deaths}}}},
                    {"web1": {("shop", "worker"), ("shop", "web")}}, h)


def test_a_crash_loop_at_its_usual_rate_is_usual_and_a_new_one_is_new(tmp_path: Path) -> None:
    _week(tmp_path, 12)
    record_live(tmp_path, {"web1": {H: {("shop", "worker"): {"engine:die": 14}, ("shop", "web"): {"engine:die": 9}}}},
                {"web1": {("shop", "worker"), ("shop", "web")}}, H)
    b = baselines_file(tmp_path).load()
    usual = live_verdict(alert("web1", "worker", AlertCode.CRASH_LOOP), b, H)
    assert usual is not None and usual.usual is True
    assert usual.text == "exits 14/h, usual for this service (7-day median 12/h)"
    new = live_verdict(alert("web1", "web", AlertCode.CRASH_LOOP), b, H)
    assert new is not None and new.usual is False and new.text.startswith("exits 9/h, new (7-day median 0")
    assert live_verdict(alert("web2", "worker", AlertCode.CRASH_LOOP), b, H) is None  # never watched live
    assert live_verdict(alert("web1", "worker", AlertCode.LOG_PATTERN), b, H) is None  # log-derived: not this
    assert live_verdict(alert("web1", "worker", AlertCode.CRASH_LOOP), b, H + 3) is None  # not watched lately


def test_live_hours_do_not_count_as_hours_a_log_was_read(tmp_path: Path) -> None:
    _week(tmp_path, 12)
    b = baselines_file(tmp_path).load()
    assert b.history("web1|shop/worker", "redis.oom", H) == []
    assert len(b.history(live_key("web1", "shop", "worker"), "engine:die", H)) == MIN_HOURS + 4


def test_a_diagnosis_says_it_of_its_crash_loops(tmp_path: Path) -> None:
    _week(tmp_path, 12)
    record_live(tmp_path, {"web1": {H: {("shop", "worker"): {"engine:die": 13}}}}, {"web1": {("shop", "worker")}}, H)
    out = apply_baselines(fleet([host_ok("web1", [alert("web1", "worker", AlertCode.CRASH_LOOP)])]), tmp_path)
    a = out.hosts[0].alerts[0]
    assert a.usual is True and a.baseline and a.baseline.startswith("exits 13/h, usual")


async def test_the_live_fleet_writes_its_counts_and_keeps_them_when_it_cannot(
        watcher: HostWatcher, tmp_path: Path) -> None:  # noqa: F811
    live = LiveFleet([], lambda _h: None, state_dir=tmp_path)  # type: ignore[arg-type,return-value]
    live.watchers = {"db1": watcher}
    watcher.fresh = Freshness(kind=FreshKind.LIVE, at=NOW)
    watcher.take(events())
    hour = events()[0]["timeNano"] // 3_600_000_000_000
    (tmp_path / "baselines.json").write_text("{not json")
    assert await live.feed_baselines(NOW) is False
    assert live.baseline_warning and "baselines" in live.baseline_warning
    assert watcher.tally.counts  # kept for the next try
    (tmp_path / "baselines.json").unlink()
    now = NOW + timedelta(hours=hour - H)
    assert await live.feed_baselines(now) is True and live.baseline_warning is None
    b = Baselines.model_validate(json.loads((tmp_path / "baselines.json").read_text()))
    assert b.rates[live_key("db1", "data", "db") + "|engine:oom"].get(hour) == 1
    assert b.seen[live_key("db1", "data", "db-ok")].get(hour) == 1  # watched in that hour
    assert live_key("db1", "data", "cache") not in b.seen  # declared, never seen running: not watched
    assert watcher.tally.counts  # the current hour stays (its count still grows)
    assert await live.feed_baselines(now + timedelta(hours=1)) is True
    assert not watcher.tally.counts


@pytest.mark.parametrize("kind", [FreshKind.POLLED, FreshKind.RESUMING])
async def test_hosts_not_live_mark_no_watched_hour(watcher: HostWatcher, tmp_path: Path,  # noqa: F811
                                                   kind: FreshKind) -> None:
    live = LiveFleet([], lambda _h: None, state_dir=tmp_path)  # type: ignore[arg-type,return-value]
    live.watchers = {"db1": watcher}
    watcher.fresh = Freshness(kind=kind, at=NOW)
    assert await live.feed_baselines(NOW) is True
    assert not (tmp_path / "baselines.json").exists()
