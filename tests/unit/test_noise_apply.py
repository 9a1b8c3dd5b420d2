"""What silences and acks do to a report: counts, exit code, incidents, break-through, memory, renderings."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from dozor.inventory.models import Inventory
from dozor.noise.acks import Ack
from dozor.noise.apply import apply_noise, noise_file, problem_rate
from dozor.noise.models import NoiseState
from dozor.noise.silences import new_silence
from dozor.report.alerts import Alert, AlertCode, Severity
from dozor.report.memory import compare
from dozor.reports import DiagnosisReport
from tests.unit.report_factory import NOW, alert, fleet, host_down, host_ok

INV = Inventory.model_validate({"hosts": {n: {"address": "local"} for n in ("web1", "web2", "db1")}})


def _oom(host: str = "web1", count: int = 4, severity: Severity = Severity.CRITICAL) -> Alert:
    return alert(host, "worker", AlertCode.LOG_PATTERN, severity, subject="redis.oom", count=count,
                 first_seen=NOW - timedelta(minutes=4))


def _silence(tmp: Path, match: str, for_: str = "1h", *, at=NOW) -> str:
    s = new_silence(match, for_, "known", inventory=INV, actor="t", now=at - timedelta(minutes=1))
    noise_file(tmp).update(lambda st: st.silences.append(s))
    return s.id


def _apply(tmp: Path, alerts_by_host: dict[str, list[Alert]], *, full: bool = True) -> DiagnosisReport:
    rep = fleet([host_ok(h, a) for h, a in alerts_by_host.items()])
    return DiagnosisReport.of(apply_noise(rep, tmp, INV, full=full))


def test_a_silenced_problem_stays_in_json_out_of_counts_exit_incidents(tmp_path: Path) -> None:
    sid = _silence(tmp_path, "host=web1 service=worker problem=redis.oom")
    r = _apply(tmp_path, {"web1": [_oom()], "web2": [alert("web2", "api", severity=Severity.WARNING)]})
    hidden = [a for a in r.alerts if a.subject == "redis.oom"]
    assert hidden[0].silenced_by == sid
    assert r.counts == {"critical": 0, "warning": 1, "info": 0} and r.exit_code == 1
    assert all(i.root_cause.subject != "redis.oom" for i in r.incidents) and len(r.incidents) == 1
    assert r.noise is not None and r.noise.silenced == 1 and r.noise.silences == [sid]
    assert '"silenced_by": "' + sid in r.to_json()
    text = r.to_ai_prompt()
    assert f"1 problem silenced (until 12:59:00Z; {sid})" in text and "redis.oom" not in text
    assert "1 problem silenced" in r.to_markdown()
    prom = r.to_prometheus()
    assert "redis.oom" not in prom and "dozor_alerts_silenced 1" in prom and "dozor_report_exit_code 1" in prom


def test_only_silenced_problems_is_healthy(tmp_path: Path) -> None:
    _silence(tmp_path, "service=worker")
    r = _apply(tmp_path, {"web1": [_oom()], "web2": [_oom("web2")]})
    assert r.exit_code == 0 and not r.needs_attention and r.noise.silenced == 2
    assert "Verdict: healthy" in r.to_ai_prompt() and "2 problems silenced" in r.to_ai_prompt()


def test_an_expired_silence_hides_nothing(tmp_path: Path) -> None:
    _silence(tmp_path, "service=worker", "30s", at=NOW - timedelta(minutes=5))
    r = _apply(tmp_path, {"web1": [_oom()]})
    assert r.exit_code == 2 and not r.noise.silenced


def test_worse_severity_breaks_through(tmp_path: Path) -> None:
    _silence(tmp_path, "service=worker")
    assert _apply(tmp_path, {"web1": [_oom(severity=Severity.WARNING)]}).exit_code == 0
    r = _apply(tmp_path, {"web1": [_oom(severity=Severity.CRITICAL)]})
    a = r.alerts[0]
    assert a.silenced_by is None and "now critical, was warning" in (a.broke_through or "")
    assert r.exit_code == 2 and r.noise.broke_through == 1
    assert "broke through its silence: now critical" in r.to_ai_prompt()


@pytest.mark.parametrize(("count", "breaks"), [(11, False), (12, True), (40, True)])
def test_three_times_the_rate_breaks_through(tmp_path: Path, count: int, breaks: bool) -> None:
    _silence(tmp_path, "service=worker")
    assert _apply(tmp_path, {"web1": [_oom(count=4)]}).exit_code == 0  # 60/h when first hidden
    r = _apply(tmp_path, {"web1": [_oom(count=count)]})
    assert (r.alerts[0].silenced_by is None) is breaks
    if breaks:
        assert f"{count * 15}/h, ×{count / 4:.1f} the 60/h" in (r.alerts[0].broke_through or "")


def test_rate_is_per_hour_for_log_findings_and_the_count_otherwise() -> None:
    assert problem_rate(_oom(count=4)) == pytest.approx(60.0)
    assert problem_rate(alert("web1", "api", count=7)) == 7.0


def test_memory_never_announces_a_silenced_problem_and_announces_a_break_through(tmp_path: Path) -> None:
    _silence(tmp_path, "service=worker")
    first = _apply(tmp_path, {"web1": [_oom()]})
    ch, mem = compare(first, None)
    assert ch.new == [] and mem.problems == {}  # not remembered: it is new when the silence ends
    known = _apply(tmp_path, {"web1": [_oom(severity=Severity.WARNING)]})
    ch, mem = compare(known, mem)
    assert ch.new == []
    worse = _apply(tmp_path, {"web1": [_oom(count=40)]})
    ch, mem = compare(worse, mem)
    assert [c.broke_through for c in ch.new] == [True]
    again = _apply(tmp_path, {"web1": [_oom(count=40)]})
    ch, _ = compare(again, mem)
    assert ch.new == [] and ch.ongoing == 1  # announced once


def test_a_silenced_problem_remembered_before_is_neither_new_nor_resolved(tmp_path: Path) -> None:
    before = fleet([host_ok("web1", [_oom()])])
    _, mem = compare(before, None)
    _silence(tmp_path, "service=worker")
    ch, mem2 = compare(_apply(tmp_path, {"web1": [_oom()]}), mem)
    assert ch.new == [] and ch.resolved == [] and set(mem2.problems) == set(mem.problems)


def _ack(tmp: Path, incident: str, host: str = "web1") -> None:
    noise_file(tmp).update(lambda st: st.acks.append(
        Ack(incident=incident, note="ana restores the volume", by="cli:ana", since=NOW - timedelta(hours=1),
            hosts=[host])))


def test_an_ack_is_shown_learns_its_problems_and_names_new_symptoms(tmp_path: Path) -> None:
    db = alert("web1", "db", AlertCode.CONTAINER_EXITED)
    _ack(tmp_path, db.fingerprint)
    r = _apply(tmp_path, {"web1": [db]})
    inc = r.incidents[0]
    assert r.noise.acks[inc.id].note == "ana restores the volume" and r.noise.acks[inc.id].new_symptoms == []
    assert "acknowledged: ana restores the volume, since 11:00:00Z (by cli:ana)" in r.to_ai_prompt()
    assert noise_file(tmp_path).load().acks[0].fingerprints == [db.fingerprint]
    assert r.exit_code == 2  # an ack is a note, not a silence


def test_an_ack_goes_when_its_incident_resolves_not_when_its_host_is_silent(tmp_path: Path) -> None:
    db = alert("web1", "db", AlertCode.CONTAINER_EXITED)
    _ack(tmp_path, db.fingerprint)
    _apply(tmp_path, {"web1": [db]})
    rep = fleet([host_down("web1")])
    apply_noise(rep, tmp_path, INV, full=True)
    assert len(noise_file(tmp_path).load().acks) == 1  # web1 did not answer: not resolved
    _apply(tmp_path, {"web1": []}, full=False)  # a health check or a service filter proves nothing
    assert len(noise_file(tmp_path).load().acks) == 1
    _apply(tmp_path, {"web1": []})
    assert noise_file(tmp_path).load().acks == []


def test_silences_ended_a_week_ago_are_pruned(tmp_path: Path) -> None:
    _silence(tmp_path, "service=worker", "1h", at=NOW - timedelta(days=8))
    _silence(tmp_path, "service=api", "1h", at=NOW - timedelta(days=2))
    _apply(tmp_path, {"web1": []})
    assert [s.matchers for s in noise_file(tmp_path).load().silences] == [{"service": "api"}]
    assert NoiseState().silences == []


def test_a_state_dir_that_cannot_be_locked_still_applies_silences(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    sid = _silence(tmp_path, "service=worker")
    from dozor.noise import state as state_mod

    def no_lock(path: Path):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(state_mod, "locked", no_lock)
    r = _apply(tmp_path, {"web1": [_oom()]})
    assert r.alerts[0].silenced_by == sid and r.exit_code == 0
    assert "could not save the noise state" in (r.noise.warning or "")
