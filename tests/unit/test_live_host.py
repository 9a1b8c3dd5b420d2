"""One host's watcher without a host: what it does with recorded events, its answers, its back-off."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dozor.collectors.status import ContainerState, container_from_inspect
from dozor.errors import HostUnreachable
from dozor.inventory.loader import load_inventory
from dozor.live.freshness import FreshKind, Freshness
from dozor.live.host import HostWatcher, LiveOptions, backoff
from dozor.outcome import HostStatus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "live"


def events() -> list[dict]:
    body = (FIXTURES / "events_stream.http").read_bytes().partition(b"\r\n\r\n")[2]
    return [json.loads(m) for m in body.split(b"\n") if m.startswith(b"{")]


@pytest.fixture
def watcher(tmp_path: Path) -> HostWatcher:
    inv = tmp_path / "fleet.toml"
    inv.write_text('[hosts.db1]\naddress = "10.0.0.4"\n[[hosts.db1.projects]]\nname = "data"\n'
                   'services = ["db", "db-ok", "cache"]\n')
    host = load_inventory(str(inv)).resolve("db1")

    def no_transport(_h: object) -> object:
        raise AssertionError("these tests reach no host")

    w = HostWatcher(host, no_transport, LiveOptions(recent_events=3, dedupe=16))  # type: ignore[arg-type]
    before = [container_from_inspect(c) for c in json.loads((FIXTURES / "inspect_before.json").read_text())]
    w.containers = {c.id: c for c in before}
    return w


def test_a_replayed_stream_adds_nothing_and_memory_stays_bounded(watcher: HostWatcher) -> None:
    assert watcher.take(events()) is True
    assert watcher.stats.events == 7 and watcher.stats.duplicates == 0
    assert watcher.last_nano == max(e["timeNano"] for e in events())
    assert watcher.take(events()) is False  # the resumed stream replays everything from `since`
    assert watcher.stats.duplicates == 7 and watcher.stats.events == 7
    assert [e.action for e in watcher.recent] == ["start", "restart", "health_status: healthy"]  # last 3 kept
    assert watcher.recent[-1].name == "data_db-ok_1"


def test_events_older_than_the_read_are_marked_replayed(watcher: HostWatcher) -> None:
    evs = events()
    watcher.read_at_nano = evs[3]["timeNano"]
    watcher.take(evs)
    assert [e.replayed for e in watcher.recent] == [False, False, False]
    w2 = watcher
    w2.recent.clear()
    w2.take([{**evs[0], "timeNano": evs[0]["timeNano"] - 1}])
    assert [e.replayed for e in w2.recent] == [True]


def test_the_answer_from_held_state_matches_declared_services(watcher: HostWatcher) -> None:
    watcher.fresh = Freshness(kind=FreshKind.LIVE, at=datetime(2026, 12, 7, tzinfo=UTC))
    r = watcher.result()
    assert r.ok and r.data is not None
    by = {s.service: s for s in r.data.services}
    assert by["cache"].missing and by["db"].containers[0].state is ContainerState.EXITED
    assert watcher.result(service="db").data.services[0].service == "db"  # type: ignore[union-attr]


def test_starting_and_unreachable_hosts_answer_as_failures(watcher: HostWatcher) -> None:
    assert watcher.result().status is HostStatus.TIMEOUT
    watcher._failed(HostUnreachable("connection refused by 10.0.0.4:22"))
    r = watcher.result()
    assert r.status is HostStatus.UNREACHABLE
    assert r.reason.startswith("unreachable since ") and "connection refused" in r.reason
    first = watcher.fresh.at
    watcher._failed(TimeoutError())
    assert watcher.fresh.at == first  # still unreachable since the first failure
    assert watcher.result().status is HostStatus.TIMEOUT and "host timeout" in watcher.result().reason


def test_a_lost_stream_then_a_failed_read_is_unreachable_since_the_loss(watcher: HostWatcher) -> None:
    lost = datetime(2026, 12, 7, 10, tzinfo=UTC)
    watcher.fresh = Freshness(kind=FreshKind.RESUMING, at=lost, why="event stream lost")
    assert watcher.result().ok  # the state as of the loss, said as such
    watcher._failed(HostUnreachable("no route"))
    assert watcher.fresh.kind is FreshKind.UNREACHABLE and watcher.fresh.at == lost


def test_backoff_doubles_up_to_the_cap() -> None:
    assert backoff(0, 1, 60) == 0
    assert [backoff(n, 1, 60, jitter=0) for n in (1, 2, 3, 4, 7, 8, 20)] == [1, 2, 4, 8, 60, 60, 60]
    for _ in range(50):
        assert 0.8 <= backoff(1, 1, 60) <= 1.2
