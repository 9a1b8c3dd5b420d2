"""Silences and acks on the real fleet, through the CLI: what a silence hides (exit code, notifications) and what it
keeps (the JSON), its expiry, a worsening fault breaking through, an ack across runs.

Each test plants its own container (project ``dznoise`` on db1's engine) and removes it afterwards; db1 declares
only that project in the test's inventory, and the state directory is the test's own.
"""

from __future__ import annotations

import json
import threading
import time
import tomllib
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import tomli_w
from typer.testing import CliRunner

from dozor.cli.app import app

pytestmark = pytest.mark.integration

PROJECT, SERVICE, NAME = "dznoise", "queue", "dznoise-queue-1"
OOM = "redis.exceptions.OutOfMemoryError: OOM command not allowed when used memory > 'maxmemory'."


def _plant(fleet, command: str) -> None:
    fleet.docker("db1", "rm", "-f", NAME, check=False)
    fleet.docker("db1", "run", "-d", "--name", NAME, "--network", "none",
                 "--label", f"com.docker.compose.project={PROJECT}", "--label", f"com.docker.compose.service={SERVICE}",
                 "--label", "com.docker.compose.container-number=1", fleet.image, "sh", "-c", command)


def _oom_lines(n: int) -> str:
    """A running service that logs ``n`` Redis OOM client errors at once, then idles."""
    return f"i=0; while [ $i -lt {n} ]; do echo \"{OOM}\" >&2; i=$((i+1)); done; " \
           "trap 'exit 0' TERM; while true; do sleep 1; done"


@pytest.fixture
def env(fleet, tmp_path, monkeypatch):
    data = tomllib.loads(Path(fleet.inventory).read_text())
    data["defaults"]["state_dir"] = str(tmp_path / "state")
    data["hosts"]["db1"]["projects"] = [{"name": PROJECT, "services": [SERVICE]}]
    data["hosts"]["db1"]["diagnose_undeclared"] = False
    inv = tmp_path / "fleet.toml"
    inv.write_text(tomli_w.dumps(data))
    monkeypatch.setenv("DOZOR_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    try:
        yield inv
    finally:
        fleet.docker("db1", "rm", "-f", NAME, check=False)


def _cli(inv: Path, *args: str):
    return CliRunner().invoke(app, ["--inventory", str(inv), "--no-progress", *args])


def _receiver(got: list[bytes]) -> HTTPServer:
    class H(BaseHTTPRequestHandler):
        def do_POST(self):
            got.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = HTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def _report(inv: Path, tmp_path: Path, port: int, fmt: str = "json"):
    return _cli(inv, "--host", "db1", "report", "--state", str(tmp_path / "cron.json"), "--format", fmt,
                "--notify", f"json://127.0.0.1:{port}/hook")


def _wait_logged(fleet, n: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        out = fleet.docker("db1", "logs", NAME, check=False)
        if (out.stdout + out.stderr).count("OOM command") >= n:
            return
        time.sleep(0.2)
    raise AssertionError(f"{NAME} did not log {n} lines")


def test_silence_hides_from_exit_and_notify_not_from_json_then_expires(fleet, env, tmp_path):
    posts: list[bytes] = []
    srv = _receiver(posts)
    try:
        _plant(fleet, _oom_lines(2))
        _wait_logged(fleet, 2)
        added = _cli(env, "--json", "silence", "add", "--match", f"host=db1 service={SERVICE} problem=redis.oom",
                     "--for", "6s", "--reason", "known: queue cache full, resize booked")
        assert added.exit_code == 0, added.output
        sid = json.loads(added.output)["id"]

        first = _report(env, tmp_path, srv.server_port)
        assert first.exit_code == 0, first.output  # the only fault is silenced
        body = json.loads(first.output)
        hidden = [a for a in body["alerts"] if a["subject"] == "redis.oom"]
        assert hidden and hidden[0]["silenced_by"] == sid and hidden[0]["host"] == "db1"
        assert body["counts"]["critical"] == 0 and body["noise"]["silenced"] == 1
        assert not [i for i in body["incidents"] if i["root_cause"]["subject"] == "redis.oom"]
        assert posts == []  # nothing new to say: the silenced problem is not news

        text = _cli(env, "--host", "db1", "diagnose", "--ai")
        assert text.exit_code == 0 and "1 problem silenced (until " in text.output and sid in text.output
        listed = _cli(env, "silence", "list")
        assert sid in listed.output and "redis.oom" in listed.output

        time.sleep(6.5)  # the silence ends by itself
        after = _report(env, tmp_path, srv.server_port)
        assert after.exit_code == 2, after.output
        assert not [a for a in json.loads(after.output)["alerts"] if a.get("silenced_by")]
        assert len(posts) == 1 and "NEW [critical] db1 dznoise" in json.loads(posts[0])["message"]
        assert sid not in _cli(env, "silence", "list").output
    finally:
        srv.shutdown()


def test_a_worsening_fault_breaks_through(fleet, env, tmp_path):
    posts: list[bytes] = []
    srv = _receiver(posts)
    try:
        _plant(fleet, _oom_lines(2))
        _wait_logged(fleet, 2)
        assert _cli(env, "silence", "add", "--match", f"host=db1 service={SERVICE}", "--for", "1h",
                    "--reason", "known").exit_code == 0
        quiet = _report(env, tmp_path, srv.server_port)
        assert quiet.exit_code == 0 and posts == [], quiet.output

        _plant(fleet, _oom_lines(12))  # six times the rate it was silenced at
        _wait_logged(fleet, 12)
        loud = _report(env, tmp_path, srv.server_port)
        assert loud.exit_code == 2, loud.output
        alert = next(a for a in json.loads(loud.output)["alerts"] if a["subject"] == "redis.oom")
        assert alert.get("silenced_by") is None and "×" in alert["broke_through"]
        assert len(posts) == 1  # a break-through is news
    finally:
        srv.shutdown()


def test_an_ack_survives_runs_and_goes_when_resolved(fleet, env, tmp_path):
    _plant(fleet, "echo 'fatal: cannot open /data/queue.db: permission denied' >&2; exit 3")
    fleet.docker("db1", "wait", NAME)
    first = _cli(env, "--host", "db1", "--json", "diagnose")
    assert first.exit_code == 2, first.output
    inc = next(i for i in json.loads(first.output)["incidents"] if i["root_cause"]["service"] == SERVICE)
    acked = _cli(env, "ack", inc["id"][:8], "--note", "ana is restoring the volume")
    assert acked.exit_code == 0, acked.output
    for _ in range(2):  # every later report says so
        again = _cli(env, "--host", "db1", "diagnose", "--ai")
        assert again.exit_code == 2 and "acknowledged: ana is restoring the volume, since " in again.output
        body = json.loads(_cli(env, "--host", "db1", "--json", "diagnose").output)
        assert body["noise"]["acks"][inc["id"]]["note"] == "ana is restoring the volume"
    assert _cli(env, "ack", "0000000000", "--note", "x").exit_code == 2  # an id no diagnosis saw is refused

    _plant(fleet, "trap 'exit 0' TERM; while true; do sleep 1; done")  # resolved
    fixed = _cli(env, "--host", "db1", "diagnose", "--ai")
    assert fixed.exit_code == 0, fixed.output
    assert "no acknowledged incidents" in _cli(env, "ack", "--list").output


def test_a_cpu_throttled_container_is_reported(fleet, env):
    """A busy loop under ``--cpus 0.1`` (ends by itself after 60 s; removed by the fixture)."""
    fleet.docker("db1", "rm", "-f", NAME, check=False)
    fleet.docker("db1", "run", "-d", "--name", NAME, "--network", "none", "--cpus", "0.1",
                 "--label", f"com.docker.compose.project={PROJECT}", "--label", f"com.docker.compose.service={SERVICE}",
                 "--label", "com.docker.compose.container-number=1", fleet.image,
                 "sh", "-c", "timeout 60 sh -c 'while :; do :; done'")
    time.sleep(3.5)  # >= 20 enforcement periods of 100 ms
    out = _cli(env, "--host", "db1", "--json", "diagnose")
    assert out.exit_code == 1, out.output
    body = json.loads(out.output)
    hit = [a for a in body["alerts"] if a["code"] == "cpu_throttled"]
    assert hit and hit[0]["host"] == "db1" and hit[0]["service"] == SERVICE and hit[0]["project"] == PROJECT
    assert "CPU periods" in hit[0]["evidence"] and "limit 0.1 CPUs" in hit[0]["evidence"]
    text = _cli(env, "--host", "db1", "diagnose", "--ai").output
    assert "is CPU-throttled by its quota" in text
