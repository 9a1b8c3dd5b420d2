"""Drift: the pure parser and comparison on recorded container inspect output (tests/fixtures/drift).

The recordings are ``docker inspect`` of every compose container on the test fleet's web1 and web2, whose
project ``edge`` drifts in exactly three ways (image, one more environment variable, mem_limit). Their
environment values carry the marker ``dzcanary``: no model or rendering may ever contain it.
"""

from __future__ import annotations

import copy
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from dozor.drift.compare import compare, healthcheck_text, service_drift, size_text
from dozor.drift.config import ServiceConfig, config_from_inspect, configs_from_inspect, env_names
from dozor.drift.models import DriftHost, DriftReport
from dozor.outcome import HostStatus
from dozor.render.drift_text import render_ai, render_terminal
from dozor.render.json_text import render_json

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "drift"
CANARY = "dzcanary"


def recorded(host: str) -> list[dict[str, Any]]:
    return json.loads((FIXTURES / f"inspect_{host}.json").read_text())


def container(host: str, name: str) -> dict[str, Any]:
    return copy.deepcopy(next(c for c in recorded(host) if c["Name"] == f"/{name}"))


def fleet_configs() -> list[ServiceConfig]:
    return [c for h in ("web1", "web2") for c in configs_from_inspect(h, recorded(h))]


def report_of(configs: list[ServiceConfig], hosts: list[str]) -> DriftReport:
    compared, single, drift = compare(configs)
    return DriftReport(generated_at=datetime(2025, 1, 1, tzinfo=UTC), compared=compared, single_host=single,
                       drift=drift, hosts=[DriftHost(host=h, status=HostStatus.OK) for h in hosts])


def terminal_text(report: DriftReport) -> str:
    buf = io.StringIO()
    Console(file=buf, width=200, highlight=False).print(render_terminal(report))
    return buf.getvalue()


# -- the parser ------------------------------------------------------------------------------------------


def test_recordings_carry_the_canary_values() -> None:
    """The premise of the no-value tests: the raw inspect output does hold environment values."""
    assert CANARY in (FIXTURES / "inspect_web2.json").read_text()


def test_parser_keeps_names_and_drops_every_value() -> None:
    cfg = config_from_inspect("web2", container("web2", "edge_proxy_1"))
    assert cfg is not None
    assert (cfg.project, cfg.service, cfg.container, cfg.container_number) == ("edge", "proxy", "edge_proxy_1", 1)
    assert cfg.env_names == ["NEW_CHECKOUT", "PATH", "UPSTREAM_POOL"]
    assert cfg.image == "edge/proxy:2" and cfg.image_id.startswith("sha256:f1a3d349d6e1")
    assert cfg.mem_limit == 64 * 2**20 and cfg.restart_policy == "always" and cfg.ports == []
    assert cfg.healthcheck is not None and healthcheck_text(cfg.healthcheck) == "CMD true every 5s timeout 2s retries 3"
    assert cfg.labels == {} and cfg.config_hash  # compose's own labels left out, its config hash kept apart
    for c in fleet_configs():
        assert CANARY not in c.model_dump_json()
        assert "/bin" not in c.env_names  # PATH's value


def test_env_names_of_odd_entries() -> None:
    assert env_names(["B=x=y", "A=1", "C", "=v", "A=2"]) == ["A", "B", "C"]
    assert env_names(None) == []


def test_non_compose_and_one_off_containers_are_skipped() -> None:
    c = container("web1", "shop_web_1")
    plain = copy.deepcopy(c)
    plain["Config"]["Labels"] = {}
    oneoff = copy.deepcopy(c)
    oneoff["Config"]["Labels"]["com.docker.compose.oneoff"] = "True"
    assert configs_from_inspect("web1", [plain, oneoff]) == []


def test_limits_ports_and_policies() -> None:
    c = container("web1", "shop_web_1")
    c["HostConfig"].update(NanoCpus=500_000_000, CpuShares=512, MemoryReservation=2**30,
                           RestartPolicy={"Name": "on-failure", "MaximumRetryCount": 3},
                           PortBindings={"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}],
                                         "53/udp": [{"HostIp": "", "HostPort": "53"}]})
    cfg = config_from_inspect("web1", c)
    assert cfg is not None
    assert (cfg.cpus, cfg.cpu_shares, size_text(cfg.mem_reservation)) == (0.5, 512, "1g")
    assert cfg.restart_policy == "on-failure:3"
    assert cfg.ports == ["127.0.0.1:8080->80/tcp", "53->53/udp"]
    c["HostConfig"].update(NanoCpus=0, CpuQuota=150_000, CpuPeriod=100_000)
    assert config_from_inspect("web1", c).cpus == 1.5  # type: ignore[union-attr]


# -- the comparison on the recorded fleet ------------------------------------------------------------------


def test_recorded_fleet_edge_drifts_in_exactly_three_ways() -> None:
    compared, single, drift = compare(fleet_configs())
    assert compared == ["edge/proxy", "shop/web"]  # shop/web runs on both, configured alike
    assert single == 6
    assert [d.name for d in drift] == ["edge/proxy"]
    (group,) = drift[0].groups
    assert (group.hosts, group.reference_hosts) == (["web2"], ["web1"])
    assert [(d.field, d.name) for d in group.differences] == [("image", None), ("mem_limit", None),
                                                              ("env", "NEW_CHECKOUT")]
    assert group.line == ("web2 differs from web1: image edge/proxy:2 vs 1 (id f1a3d349d6e1 vs 08744b5a863d); "
                          "mem_limit 64m vs 32m; env NEW_CHECKOUT only on web2")


def test_no_value_in_any_rendering() -> None:
    report = report_of(fleet_configs(), ["web1", "web2"])
    outputs = {"json": render_json(report), "ai": render_ai(report), "terminal": terminal_text(report)}
    for name, text in outputs.items():
        assert "NEW_CHECKOUT" in text, name
        assert CANARY not in text, name


# -- the comparison, case by case --------------------------------------------------------------------------


def _proxy(host: str, **changes: Any) -> ServiceConfig:
    base = config_from_inspect("web1", container("web1", "edge_proxy_1"))
    assert base is not None
    return base.model_copy(update={"host": host, **changes})


def test_alike_everywhere_is_no_drift() -> None:
    assert service_drift("edge", "proxy", {h: [_proxy(h)] for h in ("a", "b", "c")}) is None


def test_majority_is_the_reference_and_each_other_group_is_listed() -> None:
    per_host = {"a": [_proxy("a")], "b": [_proxy("b", mem_limit=2**30)], "c": [_proxy("c")],
                "d": [_proxy("d", restart_policy="no", env_names=["PATH"])]}
    d = service_drift("edge", "proxy", per_host)
    assert d is not None and d.hosts == ["a", "b", "c", "d"]
    assert [g.line for g in d.groups] == [
        "b differs from a, c: mem_limit 1g vs 32m",
        "d differs from a, c: restart no vs always; env UPSTREAM_POOL missing on d",
    ]


def test_alike_hosts_are_one_group_and_a_tie_takes_the_first_host_as_reference() -> None:
    per_host = {"web3": [_proxy("web3", image="edge/proxy:3")], "web1": [_proxy("web1", image="edge/proxy:3")],
                "web2": [_proxy("web2")], "web4": [_proxy("web4")]}
    d = service_drift("edge", "proxy", per_host)
    assert d is not None
    (g,) = d.groups
    assert (g.hosts, g.reference_hosts) == (["web2", "web4"], ["web1", "web3"])
    assert g.differences[0].text == "image edge/proxy:1 vs 3 (same image id)"


def test_same_tag_other_build() -> None:
    d = service_drift("edge", "proxy", {"a": [_proxy("a")], "b": [_proxy("b", image_id="sha256:" + "ab" * 32)]})
    assert d is not None
    assert d.groups[0].differences[0].text == "image edge/proxy:1 is another build: id abababababab vs 08744b5a863d"


def test_other_repository_is_shown_whole() -> None:
    d = service_drift("edge", "proxy", {"a": [_proxy("a")], "b": [_proxy("b", image="registry:5000/proxy:1")]})
    assert d is not None
    assert d.groups[0].differences[0].text.startswith("image registry:5000/proxy:1 vs edge/proxy:1 ")


def test_command_ports_healthcheck_and_labels() -> None:
    other = _proxy("b", command=["sh", "-c", "exec nginx"], entrypoint=["/init"], ports=["8080->80/tcp"],
                   healthcheck=None, cpus=0.5, labels={"traefik.enable": "true", "team": "edge"})
    ref = _proxy("a", labels={"team": "core", "tier": "front"})
    d = service_drift("edge", "proxy", {"a": [ref], "b": [other]})
    assert d is not None
    texts = [x.text for x in d.groups[0].differences]
    assert texts == [
        "command sh -c 'exec nginx' vs sh -c 'trap \"exit 0\" TERM INT; while true; do sleep 60 & wait $!; done'",
        "entrypoint /init vs -",
        "cpus 0.5 vs none",
        "ports 8080->80/tcp vs none",
        "healthcheck none vs CMD true every 5s timeout 2s retries 3",
        "label team edge vs core",
        "label tier missing on b",
        "label traefik.enable=true only on b",
    ]


def test_config_hash_only_when_nothing_else_differs() -> None:
    d = service_drift("edge", "proxy", {"a": [_proxy("a", config_hash="1" * 64)], "b": [_proxy("b")]})
    assert d is not None
    (diff,) = d.groups[0].differences
    assert diff.field == "config_hash" and diff.text.startswith("compose config-hash ")
    d = service_drift("edge", "proxy", {"a": [_proxy("a", config_hash="1" * 64)], "b": [_proxy("b", mem_limit=None)]})
    assert d is not None
    assert [x.field for x in d.groups[0].differences] == ["mem_limit"]


def test_replicas_that_disagree_show_both_values() -> None:
    two = [_proxy("b", container_number=1), _proxy("b", container_number=2, mem_limit=2**30)]
    d = service_drift("edge", "proxy", {"a": [_proxy("a")], "b": two})
    assert d is not None
    assert d.groups[0].differences[0].text == "mem_limit 1g | 32m vs 32m"


@pytest.mark.parametrize(("n", "text"), [(None, "none"), (0, "none"), (33554432, "32m"), (1536, "1536b"),
                                         (3 * 2**30, "3g"), (2048, "2k")])
def test_size_text(n: int | None, text: str) -> None:
    assert size_text(n) == text


def test_ai_text_is_bounded_and_says_what_was_left_out() -> None:
    configs = [_proxy(h, project=f"p{i:03}", mem_limit=(2 if h == "b" else 1) * 2**30) for i in range(300)
               for h in ("a", "b")]
    report = report_of(configs, ["a", "b"])
    text = render_ai(report, max_tokens=500)
    assert len(text) <= 500 * 4 + 200
    assert "more drifting services left out" in text


def test_unreachable_hosts_are_said_and_change_the_exit_code() -> None:
    report = report_of(fleet_configs(), ["web1", "web2"])
    assert report.exit_code == 1
    down = report.model_copy(update={"hosts": [*report.hosts, DriftHost(host="dead", status=HostStatus.UNREACHABLE,
                                                                        reason="connection refused")]})
    assert down.exit_code == 3 and down.coverage == "2 of 3 hosts answered"
    assert "Did not answer (1): dead (unreachable: connection refused)" in render_ai(down)
    assert "dead: connection refused" in terminal_text(down)
    alike = report_of([c for c in fleet_configs() if c.project == "shop"], ["web1", "web2"])
    assert alike.exit_code == 0 and "No drift" in render_ai(alike)


# -- the diagnosis' drift notes ------------------------------------------------------------------------------


def _alert(host: str, service: str, severity: str = "critical", evidence: str = "restarted 5× in 10 min") -> Any:
    from dozor.report.alerts import Alert, AlertCode, Severity

    return Alert(severity=Severity(severity), code=AlertCode.CRASH_LOOP, host=host, project="edge", service=service,
                 title=f"{service} crash loop", evidence=evidence, action="look at its logs",
                 last_seen=datetime(2025, 1, 1, tzinfo=UTC))


def _host(host: str, *alerts: Any) -> Any:
    from dozor.report.models import HostReport

    return HostReport(host=host, status=HostStatus.OK, alerts=list(alerts))


def test_a_service_failing_on_the_drifting_host_only_gets_a_note() -> None:
    from dozor.drift.notes import diagnosis_drift

    reports = [_host("web1"), _host("web2", _alert("web2", "proxy"), _alert("web2", "proxy", "warning", "more"))]
    out, notes = diagnosis_drift(reports, fleet_configs())
    (note,) = notes
    assert (note.failing_hosts, note.healthy_hosts) == (["web2"], ["web1"])
    assert note.text == ("proxy fails on web2 only (web1 fine); web2 differs from web1: image edge/proxy:2 vs 1 "
                         "(id f1a3d349d6e1 vs 08744b5a863d); mem_limit 64m vs 32m; env NEW_CHECKOUT only on web2")
    first, second = out[1].alerts
    assert first.evidence == "restarted 5× in 10 min; drift: " + note.text
    assert second.evidence == "more"  # once per service and host
    assert out[0] is reports[0]
    assert CANARY not in note.model_dump_json() + first.model_dump_json()


def test_no_note_when_failing_everywhere_nowhere_or_on_a_service_alike_on_its_hosts() -> None:
    from dozor.drift.notes import diagnosis_drift

    everywhere = [_host("web1", _alert("web1", "proxy")), _host("web2", _alert("web2", "proxy"))]
    assert diagnosis_drift(everywhere, fleet_configs())[1] == []
    info_only = [_host("web1"), _host("web2", _alert("web2", "proxy", "info"))]
    assert diagnosis_drift(info_only, fleet_configs())[1] == []
    alike = [_host("web1"), _host("web2", _alert("web2", "web").model_copy(update={"project": "shop"}))]
    out, notes = diagnosis_drift(alike, fleet_configs())
    assert notes == [] and out == alike


def test_a_note_when_the_failing_host_is_the_reference() -> None:
    from dozor.drift.notes import drift_notes

    per_host = {h: [_proxy(h)] for h in ("a", "b", "c")}
    per_host["c"] = [_proxy("c", mem_limit=2**30)]
    d = service_drift("edge", "proxy", per_host)
    assert d is not None
    (note,) = drift_notes([_alert("a", "proxy")], [d])
    assert note.text == "proxy fails on a only (b, c fine); c differs from a, b: mem_limit 1g vs 32m"
