"""Events applied to a host's containers, on the recorded real stream and the inspects around it."""

from __future__ import annotations

import json
from pathlib import Path

from dozor.collectors.status import ContainerState, ContainerStatus, HealthState, container_from_inspect
from dozor.live.apply import Dedupe, apply_event, event_key, event_nano, nano_time

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "live"


def recorded_events() -> list[dict]:
    body = (FIXTURES / "events_stream.http").read_bytes().partition(b"\r\n\r\n")[2]
    return [json.loads(m) for m in body.split(b"\n") if m.startswith(b"{")]


def inspected(name: str) -> dict[str, ContainerStatus]:
    return {c.id: c for c in map(container_from_inspect, json.loads((FIXTURES / name).read_text()))}


def test_the_recorded_events_bring_the_before_state_to_the_after_state() -> None:
    containers = inspected("inspect_before.json")
    after = inspected("inspect_after.json")
    reread = [apply_event(containers, raw) for raw in recorded_events()]
    ours = {c.id for c in after.values()}
    assert ours <= set(reread)  # every container an event touched is read again
    for cid, want in after.items():
        got = containers[cid]
        assert (got.state, got.exit_code, got.oom_killed, got.health) == (
            want.state, want.exit_code, want.oom_killed, want.health), want.name


def test_the_oom_and_the_exit_code_show_before_any_read_again() -> None:
    containers = inspected("inspect_before.json")
    db = next(c for c in containers.values() if c.name == "data_db_1")
    events = [e for e in recorded_events() if e["Actor"]["Attributes"]["name"] == "data_db_1"]
    assert [e["Action"] for e in events] == ["start", "oom", "die"]
    apply_event(containers, events[0])
    assert containers[db.id].state is ContainerState.RUNNING
    assert containers[db.id].started_at == nano_time(events[0]["timeNano"])
    apply_event(containers, events[1])
    apply_event(containers, events[2])
    now = containers[db.id]
    assert (now.state, now.exit_code, now.oom_killed) == (ContainerState.EXITED, 137, True)
    assert now.finished_at == nano_time(events[2]["timeNano"])


def test_events_older_than_the_read_change_nothing_but_ask_for_a_read() -> None:
    containers = inspected("inspect_after.json")
    snapshot = dict(containers)
    events = recorded_events()
    late = max(event_nano(e) or 0 for e in events) + 1
    assert all(apply_event(containers, e, read_at_nano=late) is not None for e in events)
    assert containers == snapshot


def test_health_status_sets_health_and_a_start_makes_it_starting() -> None:
    containers = inspected("inspect_after.json")
    ok = next(c for c in containers.values() if c.name == "data_db-ok_1")
    start = next(e for e in recorded_events() if e["Action"] == "start" and e["id"].startswith(ok.id))
    health = next(e for e in recorded_events() if e["Action"].startswith("health_status"))
    apply_event(containers, start)
    assert containers[ok.id].health is HealthState.STARTING
    apply_event(containers, health)
    assert containers[ok.id].health is HealthState.HEALTHY


def test_destroy_removes_and_create_adds_from_the_event_labels() -> None:
    containers = inspected("inspect_after.json")
    start = recorded_events()[0]
    cid = start["id"][:12]
    destroy = {**start, "Action": "destroy", "status": "destroy", "timeNano": start["timeNano"] + 10}
    assert apply_event(containers, destroy) is None
    assert cid not in containers
    create = {**start, "Action": "create", "status": "create", "timeNano": start["timeNano"] + 20}
    assert apply_event(containers, create) == cid
    made = containers[cid]
    assert (made.name, made.project, made.service, made.state) == ("data_db_1", "data", "db", ContainerState.CREATED)
    assert made.image == "dozor-test/busybox:1"


def test_an_event_on_an_unknown_container_only_asks_for_a_read() -> None:
    containers: dict[str, ContainerStatus] = {}
    die = recorded_events()[2]
    assert apply_event(containers, die) == die["id"][:12]
    assert containers == {}


def test_non_container_and_timeless_events_are_ignored() -> None:
    containers = inspected("inspect_after.json")
    raw = dict(recorded_events()[0])
    assert apply_event(containers, {**raw, "Type": "image"}) is None
    assert apply_event(containers, {k: v for k, v in raw.items() if k not in ("time", "timeNano")}) is None


def test_dedupe_recognises_a_replay_and_stays_bounded() -> None:
    events = recorded_events()
    seen = Dedupe(size=4)
    assert [seen.first_time(event_key(e)) for e in events[:3]] == [True, True, True]
    assert seen.first_time(event_key(events[0])) is False
    for e in events[3:]:
        seen.first_time(event_key(e))
    assert len(seen) == 4
    assert seen.first_time(event_key(events[0])) is True  # forgotten: only the last 4 are kept


def test_event_key_is_time_id_action() -> None:
    e = recorded_events()[1]
    assert event_key(e) == (e["timeNano"], e["id"][:12], "oom")
    assert event_nano({"time": 5}) == 5_000_000_000
