"""New / resolved problems of a live fleet: settled, carried over for silent hosts, remembered across restarts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from dozor.collectors.status import ContainerState, ContainerStatus, container_from_inspect
from dozor.inventory.loader import load_inventory
from dozor.live.problems import ProblemTracker, health_report
from dozor.outcome import HostResult, HostStatus
from dozor.runner.fleet_result import FleetResult
from dozor.runner.questions import HostContainers

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "live"
NOW = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)


def hosts(tmp_path: Path) -> list:
    inv = tmp_path / "fleet.toml"
    inv.write_text(
        '[hosts.db1]\naddress = "10.0.0.4"\n[[hosts.db1.projects]]\nname = "data"\nservices = ["db", "db-ok"]\n'
        '[hosts.web1]\naddress = "10.0.0.2"\n'
    )
    loaded = load_inventory(str(inv))
    return [loaded.resolve("db1"), loaded.resolve("web1")]


def recorded() -> list[ContainerStatus]:
    return [container_from_inspect(c) for c in json.loads((FIXTURES / "inspect_after.json").read_text())]


def answer(db1: list[ContainerStatus] | None, web1_up: bool = True) -> FleetResult[HostContainers]:
    results: list[HostResult[HostContainers]] = []
    if db1 is None:
        results.append(HostResult(host="db1", status=HostStatus.UNREACHABLE, reason="connection refused"))
    else:
        results.append(HostResult(host="db1", status=HostStatus.OK,
                                  data=HostContainers(collected_at=NOW, containers=db1)))
    if web1_up:
        results.append(HostResult(host="web1", status=HostStatus.OK, data=HostContainers(collected_at=NOW)))
    else:
        results.append(HostResult(host="web1", status=HostStatus.TIMEOUT, reason="host deadline"))
    return FleetResult[HostContainers](operation="status", hosts=results)


def db_running(cs: list[ContainerStatus]) -> list[ContainerStatus]:
    return [c.model_copy(update={"state": ContainerState.RUNNING, "oom_killed": False, "exit_code": 0})
            if c.name == "data_db_1" else c for c in cs]


def codes(changes: list) -> list[tuple[str, str, str]]:
    return sorted((c.host, c.service or "", str(c.code)) for c in changes)


def test_the_recorded_oom_kill_is_the_health_rules_problem(tmp_path: Path) -> None:
    report = health_report(answer(recorded()), hosts(tmp_path), NOW)
    found = [(a.host, a.service, a.code.value) for a in report.all_problems()]
    assert ("db1", "db", "oom_killed") in found
    assert not [f for f in found if f[1] == "db-ok"]


def test_first_full_read_announces_at_once_later_changes_wait_to_settle(tmp_path: Path) -> None:
    t = ProblemTracker(hosts(tmp_path), selector=None, state_dir=tmp_path, settle=5)
    first = t.evaluate(answer(recorded()), NOW, settled=True, mono=100)
    assert codes(first.changes.new) == [("db1", "db", "oom_killed")]
    # db runs again: gone, but not resolved before 5 s
    r = t.evaluate(answer(db_running(recorded())), NOW, mono=101)
    assert r.changes.resolved == [] and t.pending
    r = t.evaluate(answer(db_running(recorded())), NOW, mono=105.9)
    assert r.changes.resolved == []
    r = t.evaluate(answer(db_running(recorded())), NOW, mono=106.1)
    assert codes(r.changes.resolved) == [("db1", "db", "oom_killed")]
    assert not t.pending


def test_a_blip_shorter_than_settle_is_never_announced(tmp_path: Path) -> None:
    t = ProblemTracker(hosts(tmp_path), selector=None, state_dir=tmp_path, settle=5)
    t.evaluate(answer(db_running(recorded())), NOW, settled=True, mono=0)
    r = t.evaluate(answer(recorded()), NOW, mono=1)   # the db dies...
    assert r.changes.new == []
    r = t.evaluate(answer(db_running(recorded())), NOW, mono=2)  # ...and is back within a second
    assert r.changes.new == [] and r.changes.resolved == [] and not t.pending
    r = t.evaluate(answer(db_running(recorded())), NOW, mono=60)
    assert r.changes.new == []


def test_a_silent_host_keeps_its_problems_and_is_a_problem_itself(tmp_path: Path) -> None:
    t = ProblemTracker(hosts(tmp_path), selector=None, state_dir=tmp_path, settle=0)
    t.evaluate(answer(recorded()), NOW, settled=True, mono=0)
    r = t.evaluate(answer(None), NOW, mono=1)
    assert r.changes.resolved == []
    assert codes(r.changes.new) == [("db1", "", "host_unreachable")]
    r = t.evaluate(answer(db_running(recorded())), NOW, mono=2)
    assert codes(r.changes.resolved) == [("db1", "", "host_unreachable"), ("db1", "db", "oom_killed")]


def test_alerts_say_new_or_ongoing_since_their_announcement(tmp_path: Path) -> None:
    t = ProblemTracker(hosts(tmp_path), selector=None, state_dir=tmp_path, settle=0)
    first = t.evaluate(answer(recorded()), NOW, settled=True, mono=0)
    assert [(a.change, a.since) for a in first.all_problems()] == [("new", NOW)]
    later = t.evaluate(answer(recorded()), NOW.replace(hour=14), mono=1)
    assert [(a.change, a.since) for a in later.all_problems()] == [("ongoing", NOW)]
    assert later.changes.ongoing == 1 and later.changes.new == []


def test_a_restarted_watch_does_not_announce_again(tmp_path: Path) -> None:
    h = hosts(tmp_path)
    ProblemTracker(h, selector="@db", state_dir=tmp_path, settle=0).evaluate(answer(recorded()), NOW, settled=True)
    again = ProblemTracker(h, selector="@db", state_dir=tmp_path, settle=0)
    assert again.previous_run == NOW
    assert again.evaluate(answer(recorded()), NOW, settled=True).changes.new == []
    other = ProblemTracker(h, selector=None, state_dir=tmp_path, settle=0)  # another selection: its own memory
    assert other.evaluate(answer(recorded()), NOW, settled=True).changes.new != []


def test_an_unwritable_state_dir_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    t = ProblemTracker(hosts(tmp_path), selector=None, state_dir=blocker, settle=0)
    r = t.evaluate(answer(recorded()), NOW, settled=True)
    assert r.changes.new and t.warning and "could not save" in t.warning
