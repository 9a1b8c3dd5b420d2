"""Template normalisation and clustering of repeated messages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dozor.analysis import Clusterer, cluster_lines, template_of


@pytest.mark.parametrize(
    ("line", "template"),
    [
        (
            '2026-11-27 05:13:18.123 UTC [42] FATAL:  password authentication failed for user "app"',
            '<ts> [<n>] FATAL: password authentication failed for user "<*>"',
        ),
        ("1:M 27 Nov 2026 05:13:18.123 # Background saving error", "<n>:M <ts> # Background saving error"),
        ("connect to 10.0.0.5:5432 failed after 3012 ms", "connect to <ip> failed after <n> ms"),
        ("connect to [2001:db8::1]:5432 refused", "connect to <ip> refused"),
        ("peer fe80::1 and ::1 gone", "peer <ip> and <ip> gone"),
        ("job 550e8400-e29b-41d4-a716-446655440000 failed", "job <uuid> failed"),
        ("bad pointer 0x7f3a21 in deadbeef1234", "bad pointer <hex> in <hex>"),
        ("GET /api/orders/123/items took 12ms", "GET <path> took <n>ms"),
        ("GET /api/orders took 12ms", "GET /api/orders took <n>ms"),
        ("key 'user:42' missing", 'key "<*>" missing'),
        ("2026/11/27 05:13:18 [error] 29#29: *1 boom", "<ts> [error] <n>#<n>: *<n> boom"),
    ],
)
def test_template_of(line: str, template: str) -> None:
    assert template_of(line) == template


def test_cluster_groups_variants_and_keeps_latest_example_and_times() -> None:
    t1 = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
    t2 = datetime(2026, 11, 27, 5, 5, tzinfo=UTC)
    t3 = datetime(2026, 11, 27, 5, 10, tzinfo=UTC)
    clusters = cluster_lines(
        [
            (t2, "connect to 10.0.0.5:5432 failed after 3012 ms"),
            (t1, "connect to 10.0.0.9:5432 failed after 17 ms"),
            (t3, "disk quota exceeded on /data"),
            (t3, "connect to 10.0.0.7:5432 failed after 5 ms"),
        ]
    )
    assert [c.count for c in clusters] == [3, 1]
    top = clusters[0]
    assert top.template == "connect to <ip> failed after <n> ms"
    assert top.example == "connect to 10.0.0.7:5432 failed after 5 ms"
    assert (top.first_seen, top.last_seen) == (t1, t3)


def test_cluster_without_timestamps_and_pattern_id() -> None:
    clusterer = Clusterer()
    clusterer.add("worker 1 crashed", pattern_id="x.y")
    clusterer.add("worker 2 crashed")
    (only,) = clusterer.clusters()
    assert only.count == 2 and only.pattern_id == "x.y"
    assert only.first_seen is None and only.last_seen is None


def test_example_is_cut() -> None:
    (only,) = cluster_lines([(None, "error " + "x" * 1000)])
    assert len(only.example) == 300
