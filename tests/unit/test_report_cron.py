"""Cron: new / resolved / carried-over alerts, state file, outputs, quiet, webhook."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

from dozor.model.problem import fingerprint_of
from dozor.report.alerts import AlertCode, Severity
from dozor.report.cron import run_cron
from dozor.report.memory import Memory, compare, load_memory
from tests.unit.report_factory import NOW, alert, fleet, host_down, host_ok


def test_compare_new_resolved_and_carried():
    first = fleet([host_ok("a", [alert("a", "worker"), alert("a", "api", AlertCode.UNHEALTHY)]),
                   host_ok("b", [alert("b", "db", AlertCode.OOM_KILLED)])])
    changes, state = compare(first, None)
    assert len(changes.new) == 3 and not changes.resolved and changes.previous_run is None

    second = fleet([host_ok("a", [alert("a", "worker")]), host_down("b")])
    second.generated_at = NOW + timedelta(minutes=5)
    changes2, state2 = compare(second, state)
    assert [c.service for c in changes2.resolved] == ["api"]  # a answered without it
    assert [c.code for c in changes2.new] == [AlertCode.HOST_UNREACHABLE]
    assert changes2.ongoing == 1
    # b did not answer: its OOM alert is not resolved, it is carried over
    assert fingerprint_of("b|shop/db|oom_killed") in state2.problems
    assert state2.problems[fingerprint_of("a|shop/worker|crash_loop")].since == NOW  # first-seen time survives
    worker = second.host("a").alerts[0]
    assert (worker.change, worker.since) == ("ongoing", NOW)  # the alert itself says so


def test_a_version_1_cron_state_is_read_as_memory():
    v1 = {"version": 1, "last_run": "2026-11-27T12:00:00Z", "alerts": {"a|shop/worker|crash_loop": {
        "key": "a|shop/worker|crash_loop", "severity": "critical", "code": "crash_loop", "host": "a",
        "project": "shop", "service": "worker", "title": "worker crash_loop", "since": "2026-11-27T11:00:00Z"}}}
    mem = Memory.model_validate(v1)
    assert list(mem.problems) == [fingerprint_of("a|shop/worker|crash_loop")]
    second = fleet([host_ok("a", [alert("a", "worker")])])
    changes, _ = compare(second, mem)
    assert not changes.new and changes.ongoing == 1
    assert second.host("a").alerts[0].since.hour == 11


def test_run_cron_twice_writes_state_output_and_reports_resolution(tmp_path):
    state, out = tmp_path / "st" / "state.json", tmp_path / "out" / "dozor.prom"
    bad = fleet([host_ok("a", [alert("a", "worker")])])
    r1 = run_cron(bad, state_path=state, fmt="text")
    assert r1.exit_code == 2 and "1 new, 0 resolved" in r1.printed and "NEW:" in r1.printed
    good = fleet([host_ok("a")])
    good.generated_at = NOW + timedelta(minutes=5)
    r2 = run_cron(good, state_path=state, fmt="md")
    assert r2.exit_code == 0 and "### Resolved" in r2.printed and "worker" in r2.printed
    r3 = run_cron(good, state_path=state, fmt="text", quiet=True)
    assert r3.printed == "" and r3.exit_code == 0
    r4 = run_cron(bad, state_path=state, fmt="prometheus", output=out, quiet=True)
    assert r4.printed == "" and out.read_text().startswith("# HELP") and "dozor_alerts_new 1" in out.read_text()
    assert not list(out.parent.glob(".*"))  # no temp file left behind
    assert load_memory(state)[0].last_run == bad.generated_at


def test_corrupt_state_starts_afresh(tmp_path):
    state = tmp_path / "state.json"
    state.write_text("{not json")
    r = run_cron(fleet([host_ok("a", [alert("a")])]), state_path=state, fmt="json")
    assert r.warnings and "unreadable" in r.warnings[0]
    assert json.loads(r.printed)["changes"]["new"][0]["host"] == "a"


def _receiver(got: list[tuple[str, str, bytes]]) -> HTTPServer:
    """A real HTTP receiver on loopback: records (path, content type, body) of every POST."""

    class H(BaseHTTPRequestHandler):
        def do_POST(self):
            got.append((self.path, self.headers.get("Content-Type", ""),
                        self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = HTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def test_notify_posts_json_and_failure_keeps_exit_code(tmp_path):
    posts: list[tuple[str, str, bytes]] = []
    srv = _receiver(posts)
    try:
        url = f"http://127.0.0.1:{srv.server_port}/hook"
        bad = fleet([host_ok("a", [alert("a", "worker", severity=Severity.WARNING)])])
        r = run_cron(bad, state_path=tmp_path / "s.json", notify_urls=[url])
        assert r.exit_code == 1 and not r.warnings
        got = [json.loads(body) for _, _, body in posts]
        assert got[0]["exit_code"] == 1 and got[0]["new"][0]["service"] == "worker" and "worker" in got[0]["text"]
        run_cron(bad, state_path=tmp_path / "s.json", notify_urls=[url])
        assert len(posts) == 1  # nothing changed: no POST
    finally:
        srv.shutdown()
        srv.server_close()
    r = run_cron(bad, state_path=tmp_path / "s2.json", notify_urls=[f"http://127.0.0.1:{srv.server_port}/gone"])
    assert r.exit_code == 1 and r.warnings and r.warnings[0].startswith("notify:")


def test_notify_through_apprise_json_and_form_to_a_real_receiver(tmp_path):
    posts: list[tuple[str, str, bytes]] = []
    srv = _receiver(posts)
    port = srv.server_port
    try:
        bad = fleet([host_ok("a", [alert("a", "worker", evidence="token=hunter2secret in the env")])])
        r = run_cron(bad, state_path=tmp_path / "s.json",
                     notify_urls=[f"json://127.0.0.1:{port}/j", f"form://127.0.0.1:{port}/f"])
        assert r.exit_code == 2 and not r.warnings, r.warnings
        by_path = {path: (ctype, body) for path, ctype, body in posts}
        ctype, body = by_path["/j"]
        sent = json.loads(body)
        assert "application/json" in ctype and sent["title"].startswith("dozor: 1 new, 0 resolved")
        assert "NEW [critical] a shop — worker" in sent["message"] and "exit 2" in sent["message"]
        assert "hunter2secret" not in body.decode()
        ctype, body = by_path["/f"]
        assert "form" in ctype and b"NEW+%5Bcritical%5D" in body
    finally:
        srv.shutdown()
        srv.server_close()
    # a target that does not answer, and one apprise does not know: warnings, same exit code, no secret shown
    r = run_cron(bad, state_path=tmp_path / "s2.json",
                 notify_urls=[f"json://127.0.0.1:{port}/gone", "nosuchscheme://tok3nSECRET@x"])
    assert r.exit_code == 2 and len(r.warnings) == 2, r.warnings
    assert all(w.startswith("notify: ") for w in r.warnings) and "tok3nSECRET" not in " ".join(r.warnings)
