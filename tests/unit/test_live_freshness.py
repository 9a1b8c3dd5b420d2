"""How fresh an answer is, in words: per host, grouped, bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dozor.collectors.status import ContainerStatus
from dozor.live.freshness import FreshKind, Freshness, freshness_lines, polled
from dozor.outcome import HostResult, HostStatus
from dozor.runner.fleet_result import FleetResult
from dozor.runner.questions import HostContainers

NOW = datetime(2026, 12, 7, 12, 30, tzinfo=UTC)


def test_each_kind_reads_as_the_issue_says() -> None:
    at = NOW - timedelta(minutes=3)
    assert Freshness(kind=FreshKind.LIVE, at=at).text() == "live since 2026-12-07 12:27:00Z"
    assert Freshness(kind=FreshKind.POLLED, at=at).text(NOW) == "polled at 2026-12-07 12:27:00Z (3m ago)"
    f = Freshness(kind=FreshKind.UNREACHABLE, at=at, why="unreachable: connection refused")
    assert f.detail(NOW) == "unreachable since 2026-12-07 12:27:00Z (3m ago) — unreachable: connection refused"
    assert Freshness(kind=FreshKind.RESUMING, at=at).text() == "stream lost at 2026-12-07 12:27:00Z"
    assert Freshness(kind=FreshKind.LIVE, at=at, why="engine events").detail() == "live since 2026-12-07 12:27:00Z"


def test_hosts_with_the_same_freshness_share_a_line_and_the_list_is_bounded() -> None:
    live = Freshness(kind=FreshKind.LIVE, at=NOW)
    fresh = {f"web{i}": live for i in range(5)} | {"db1": Freshness(kind=FreshKind.POLLED, at=NOW, why="cli")}
    lines = freshness_lines(fresh, NOW)
    assert lines == ["freshness:", "  web0, web1, web2, web3, web4: live since 2026-12-07 12:30:00Z (0s ago)",
                     "  db1: polled at 2026-12-07 12:30:00Z (0s ago) — cli"]
    capped = freshness_lines(fresh, NOW, max_hosts=3)
    assert capped[1].startswith("  web0, web1, web2 (+2 more): live since")
    assert capped[-1] == "  … 3 more hosts"
    assert freshness_lines({}, NOW) == []


def test_an_ordinary_call_is_polled_when_the_host_answered() -> None:
    at = NOW - timedelta(seconds=1)
    c = ContainerStatus(id="a" * 12, name="x", image="i", state="running")
    result = FleetResult[HostContainers](operation="status", hosts=[
        HostResult(host="web1", status=HostStatus.OK, data=HostContainers(collected_at=at, containers=[c])),
        HostResult(host="dead", status=HostStatus.UNREACHABLE, reason="connection refused"),
    ])
    got = polled(result, NOW)
    assert got["web1"].text() == "polled at 2026-12-07 12:29:59Z"
    assert got["dead"].text() == "unreachable since 2026-12-07 12:30:00Z"
    assert got["dead"].why == "unreachable: connection refused"
