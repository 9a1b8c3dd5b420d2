"""``dozor metrics``: the /metrics app (token, Host check, negotiation) and the access rules, on a fixed report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient
from typer.testing import CliRunner

from dozor.errors import ServeError
from dozor.exporter import MetricsExporter, access_token, build_app, parse_listen
from dozor.fleet import Fleet
from dozor.inventory import Inventory
from dozor.inventory.shard import apply_shard
from tests.unit.test_metrics import sample_report

TOKEN = "0123456789abcdef-token"


def _exporter(tmp_path: Path, shard: str | None = None) -> MetricsExporter:
    inv = Inventory.model_validate({"hosts": {"a": {"address": "10.0.0.1"}, "b": {"address": "10.0.0.2"}}})
    exporter = MetricsExporter(Fleet(apply_shard(inv, shard)))
    exporter.report = sample_report(tmp_path)
    exporter.duration = 1.5
    return exporter


def _client(exporter: MetricsExporter, token: str | None = TOKEN, **kw: Any) -> TestClient:
    app = build_app(exporter, token=token, bind=kw.pop("bind", "127.0.0.1"), allowed_hosts=kw.pop("allowed", []))
    return TestClient(app, base_url="http://127.0.0.1:9477")


def _series(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for f in text_string_to_metric_families(text) for s in f.samples}


def test_metrics_needs_the_bearer_token(tmp_path: Path) -> None:
    client = _client(_exporter(tmp_path))
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    ok = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/plain; version=0.0.4")
    got = _series(ok.text)
    assert got[("dozor_shard_info", (("shard", "all"),))] == 1
    assert got[("dozor_run_duration_seconds", ())] == 1.5
    assert got[("dozor_run_failures_total", ())] == 0
    assert got[("dozor_hosts", ())] == 51
    assert got[("dozor_host_up", (("host", "edge1"), ("status", "unreachable")))] == 0


def test_metrics_is_read_only_and_only_metrics(tmp_path: Path) -> None:
    client = _client(_exporter(tmp_path), token=None)
    assert client.post("/metrics").status_code == 405
    assert client.get("/").status_code == 404
    assert client.get("/mcp").status_code == 404


def test_openmetrics_when_asked(tmp_path: Path) -> None:
    client = _client(_exporter(tmp_path, shard="2/3"))
    r = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}",
                                        "Accept": "application/openmetrics-text; version=1.0.0"})
    assert r.headers["content-type"].startswith("application/openmetrics-text")
    assert r.text.endswith("# EOF\n") and 'dozor_shard_info{shard="2/3"} 1.0' in r.text


def test_a_foreign_host_header_is_refused(tmp_path: Path) -> None:
    client = _client(_exporter(tmp_path), token=None)
    assert client.get("/metrics", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/metrics", headers={"Host": "localhost:9477"}).status_code == 200
    open_ = _client(_exporter(tmp_path), token=TOKEN, bind="0.0.0.0", allowed=["dozor-1.example"])
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert open_.get("/metrics", headers={**auth, "Host": "dozor-1.example:9477"}).status_code == 200
    assert open_.get("/metrics", headers={**auth, "Host": "0.0.0.0"}).status_code == 400


def test_before_the_first_run_only_the_exporter_series(tmp_path: Path) -> None:
    exporter = _exporter(tmp_path)
    exporter.report = None
    got = _series(_client(exporter, token=None).get("/metrics").text)
    assert {name for name, _ in got} == {"dozor_shard_info", "dozor_run_duration_seconds", "dozor_run_failures_total"}


def test_access_rules(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DOZOR_MCP_TOKEN", raising=False)
    assert access_token("127.0.0.1", None, no_auth=True) is None
    assert access_token("::1", None, no_auth=True) is None
    with pytest.raises(ServeError, match=r"only allowed on a loopback address, not 0\.0\.0\.0"):
        access_token("0.0.0.0", None, no_auth=True)
    with pytest.raises(ServeError, match="need a bearer token"):
        access_token("127.0.0.1", None, no_auth=False)
    monkeypatch.setenv("DOZOR_MCP_TOKEN", TOKEN)
    assert access_token("10.1.2.3", None, no_auth=False) == TOKEN
    assert parse_listen("127.0.0.1:9477") == ("127.0.0.1", 9477)
    assert parse_listen("[::1]:9100") == ("::1", 9100)
    assert parse_listen(":9100") == ("127.0.0.1", 9100)
    for bad in ("9477", "host:", "host:0", "host:70000", "host:http"):
        with pytest.raises(ServeError, match="expected ADDRESS:PORT"):
            parse_listen(bad)


def test_cli_refuses_before_asking_any_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dozor.cli.app import app

    monkeypatch.delenv("DOZOR_MCP_TOKEN", raising=False)
    inv = tmp_path / "fleet.toml"
    inv.write_text('[hosts.a]\naddress = "127.0.9.1"\n')
    runner = CliRunner()
    for args, said in [
        (["metrics", "--listen", "0.0.0.0:1", "--no-auth"], "only allowed on a loopback address"),
        (["metrics", "--listen", "127.0.0.1:1"], "need a bearer token"),
        (["metrics", "--listen", "x"], "expected ADDRESS:PORT"),
        (["--shard", "5/4", "metrics", "--no-auth"], "K must be between 1 and N=4"),
        (["--host", "zz", "metrics", "--no-auth"], "unknown host 'zz'"),
    ]:
        r = runner.invoke(app, ["-i", str(inv), *args])
        assert r.exit_code == 2 and said in r.output, (args, r.output)
