"""Baselines: fixed-size hourly buckets, pruning, the usual/new decision, ranking, silence candidates, and the
state file's size for a 50-host fleet after 7 simulated days."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from statistics import median

import pytest

from dozor.noise.apply import apply_baselines, baselines_file
from dozor.noise.baselines import HOURS, MIN_HOURS, Baselines, Ring, hour_of, judge, live_key
from dozor.report.alerts import Alert, AlertCode, Severity
from dozor.report.findings import ServiceLogSummary
from dozor.reports import DiagnosisReport
from tests.unit.report_factory import NOW, alert, fleet, host_ok

H = hour_of(NOW)


def test_ring_buckets_are_fixed_size_and_zero_skipped_hours() -> None:
    r = Ring(h=H)
    r.put_max(H, 5)
    r.put_max(H, 3)  # the highest of the hour is kept
    assert r.get(H) == 5 and len(r.r) == HOURS
    r.put_max(H + 2, 7)
    assert r.get(H + 1) == 0 and r.get(H + 2) == 7 and r.get(H) == 5
    r.put_max(H + 2 + HOURS, 1)  # a week later: everything before has rolled out
    assert len(r.r) == HOURS and r.get(H + 2) == 0 and sum(r.r) == 1
    r.put_max(H, 9)  # older than the ring: ignored
    assert sum(r.r) == 1 and r.get(H - 1) == 0


def test_history_counts_observed_hours_only() -> None:
    b = Baselines()
    for x in range(10):
        b.record("web1|shop/worker", {"redis.oom": 40} if x % 2 else {}, H - 10 + x)
    hist = b.history("web1|shop/worker", "redis.oom", H)
    assert hist == [0, 40] * 5
    assert b.history("web1|shop/worker", "other", H) == [0] * 10
    assert b.history("web2|shop/worker", "redis.oom", H) == []  # never observed
    assert b.history("web1|shop/worker", "redis.oom", H - 5) == [0, 40, 0, 40, 0]  # before that hour only


@pytest.mark.parametrize(("rate", "history", "usual", "text"), [
    (42, [40] * 10, True, "42/h, usual for this service (7-day median 40/h)"),
    (120, [40] * 10, True, "120/h, usual"),
    (121, [40] * 10, False, "121/h, above usual: ×3.0 the 7-day median 40/h"),
    (42, [0] * 10, False, "42/h, new (7-day median 0)"),
    (42, [0] * 8 + [40, 40], False, "42/h, new (7-day median 0; seen in 20% of observed hours)"),
    (42, [40] * (MIN_HOURS - 1), None, "no baseline yet (5 h observed, 6 needed)"),
])
def test_usual_or_new(rate: float, history: list[int], usual: bool | None, text: str) -> None:
    v = judge(rate, history)
    assert v.usual is usual and text in v.text


def test_steady_for_two_days_is_a_candidate() -> None:
    assert judge(40, [35, 40, 45] * 16).steady
    assert not judge(40, [35, 40, 45] * 15).steady  # 45 h: not yet two days
    assert not judge(40, [35, 0, 45] * 16).steady  # absent a third of the time
    assert not judge(40, [10, 40, 45] * 16).steady  # the rate moves more than ×3


def _oom(host: str, service: str, count: int) -> Alert:
    return alert(host, service, AlertCode.LOG_PATTERN, Severity.WARNING, subject="redis.oom", count=count,
                 first_seen=NOW - timedelta(minutes=4))


def _report(alerts: dict[str, list[Alert]], at=NOW) -> DiagnosisReport:
    hosts = []
    for h, a in alerts.items():
        ho = host_ok(h, a)
        ho.logs = [ServiceLogSummary(project="shop", service=s) for s in ("worker", "queue")]
        hosts.append(ho)
    rep = fleet(hosts)
    return rep.model_copy(update={"generated_at": at})


def test_diagnoses_feed_the_history_and_usual_ranks_below_new(tmp_path: Path) -> None:
    for x in range(1, 25):  # a day of hourly diagnoses: worker's redis.oom at ~40/h, queue quiet
        apply_baselines(_report({"web1": [_oom("web1", "worker", 3)]}, NOW - timedelta(hours=x)), tmp_path)
    now = apply_baselines(_report({"web1": [_oom("web1", "worker", 3), _oom("web1", "queue", 3)]}), tmp_path)
    by = {a.service: a for a in now.alerts}
    assert by["worker"].usual is True and by["worker"].baseline == "45/h, usual for this service (7-day median 45/h)"
    assert by["queue"].usual is False and by["queue"].baseline == "45/h, new (7-day median 0)"
    assert [a.service for a in now.alerts] == ["queue", "worker"]  # same severity and count: new first
    assert now.incidents[0].root_cause.service == "queue"
    assert "rate: 45/h, new (7-day median 0)" in DiagnosisReport.of(now).to_ai_prompt()


def test_a_steady_pattern_is_offered_as_a_silence_candidate_never_silenced(tmp_path: Path) -> None:
    for x in range(1, 50):
        apply_baselines(_report({"web1": [_oom("web1", "worker", 3)]}, NOW - timedelta(hours=x)), tmp_path)
    now = DiagnosisReport.of(apply_baselines(_report({"web1": [_oom("web1", "worker", 3)]}), tmp_path))
    assert now.noise is not None and len(now.noise.candidates) == 1
    assert "dozor silence add --match 'host=web1 service=worker problem=redis.oom'" in now.to_ai_prompt()
    assert now.exit_code == 1 and not now.alerts[0].silenced_by


def test_a_corrupt_baselines_file_is_said_and_left_alone(tmp_path: Path) -> None:
    (tmp_path / "baselines.json").write_text("{")
    now = apply_baselines(_report({"web1": [_oom("web1", "worker", 3)]}), tmp_path)
    assert "unreadable" in (now.noise.warning or "") and (tmp_path / "baselines.json").read_text() == "{"


def test_old_series_are_pruned() -> None:
    b = Baselines()
    b.record("web1|shop/old", {"x": 5}, H - HOURS - 1)
    b.record("web1|shop/new", {"x": 5}, H)
    b.prune(H)
    assert list(b.seen) == ["web1|shop/new"] and list(b.rates) == ["web1|shop/new|x"]


def test_size_after_7_days_for_50_hosts(tmp_path: Path) -> None:
    """50 hosts × 10 services, 3 patterns firing on 4 services of each, a diagnosis every hour for 7 days, and
    the live state watching all of them (exits of 2 services per host, OOM kills of one)."""
    b = Baselines()
    for x in range(HOURS):
        for n in range(50):
            for s in range(10):
                pats = {f"pattern.{p}": 10 + 7 * p + (x % 5) for p in range(3)} if s < 4 else {}
                b.record(f"host{n:02d}|shop/svc{s}", pats, H - HOURS + 1 + x)
                # and watched live all week: exits of 2 services of each host, OOM kills of one
                live = {"engine:die": 3 + x % 4} if s < 2 else {"engine:oom": 1} if s == 2 and x % 6 == 0 else {}
                b.record_counts(live_key(f"host{n:02d}", "shop", f"svc{s}"), live, H - HOURS + 1 + x)
    b.prune(H)
    path = tmp_path / "baselines.json"
    baselines_file(tmp_path).update(lambda st: st.__dict__.update(b.__dict__))
    size = path.stat().st_size
    print(f"\nbaselines.json after 7 days, 50 hosts: {size} bytes ({len(b.seen)} services, {len(b.rates)} series)")
    assert len(b.seen) == 1000 and len(b.rates) == 600 + 150
    assert size < 2_000_000


def test_a_nightly_pattern_is_usual_at_its_hour_and_new_at_another() -> None:
    b = Baselines()
    svc = "web1|shop/backup"
    for x in range(H - 6 * 24, H):  # six days watched every hour; the pattern fires at this hour of day only
        b.record(svc, {"pg_dump.failed": 30} if (H - x) % 24 == 0 else {}, x)
    week, daily = b.history(svc, "pg_dump.failed", H), b.same_hour(svc, "pg_dump.failed", H)
    assert daily == [30] * 6 and median(week) == 0
    v = judge(35, week, daily=daily, hour=H)
    assert v.usual is True and f"usual at {H % 24:02d}:00 UTC (6 of the last 6 days, median 30/h)" in v.text
    assert judge(35, week, daily=b.same_hour(svc, "pg_dump.failed", H + 5), hour=H + 5).usual is False
    assert judge(200, week, daily=daily, hour=H).usual is False  # far above its nightly rate: not usual
    b2 = Baselines()  # on 2 nights of 6 only: not a habit yet
    for x in range(H - 6 * 24, H):
        b2.record(svc, {"p": 30} if (H - x) % 24 == 0 and (H - x) <= 48 else {}, x)
    assert judge(35, b2.history(svc, "p", H), daily=b2.same_hour(svc, "p", H), hour=H).usual is False
