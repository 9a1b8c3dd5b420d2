"""``dozor watch`` and silences: a silenced problem is never announced, and never resolved while silenced."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from dozor.inventory.loader import load_inventory
from dozor.live.problems import ProblemTracker
from dozor.noise.apply import noise_file
from dozor.noise.silences import new_silence
from tests.unit.test_live_problems import NOW, answer, db_running, recorded


def _tracker(tmp_path: Path) -> ProblemTracker:
    inv_path = tmp_path / "fleet.toml"
    inv_path.write_text(
        f'[defaults]\nstate_dir = "{tmp_path / "state"}"\n'
        '[hosts.db1]\naddress = "10.0.0.4"\n[[hosts.db1.projects]]\nname = "data"\nservices = ["db", "db-ok"]\n'
        '[hosts.web1]\naddress = "10.0.0.2"\n')
    inv = load_inventory(str(inv_path))
    return ProblemTracker([inv.resolve("db1"), inv.resolve("web1")], selector=None, state_dir=tmp_path / "state",
                          inventory=inv)


def _silence(tmp_path: Path, match: str) -> None:
    inv = load_inventory(str(tmp_path / "fleet.toml"))
    s = new_silence(match, "1h", "known", inventory=inv, actor="t", now=NOW - timedelta(minutes=1))
    noise_file(tmp_path / "state").update(lambda st: st.silences.append(s))


def test_a_silenced_problem_is_not_announced(tmp_path: Path) -> None:
    t = _tracker(tmp_path)
    _silence(tmp_path, "host=db1 service=db")
    report = t.evaluate(answer(recorded()), NOW, settled=True)
    assert report.changes is not None
    assert all(c.service != "db" for c in report.changes.new)
    assert any(a.service == "db" and a.silenced_by for a in report.alerts)


def test_an_announced_problem_is_not_resolved_by_a_silence(tmp_path: Path) -> None:
    t = _tracker(tmp_path)
    first = t.evaluate(answer(recorded()), NOW, settled=True)
    assert any(c.service == "db" for c in first.changes.new)
    _silence(tmp_path, "host=db1 service=db")
    quiet = t.evaluate(answer(recorded()), NOW, settled=True)
    assert quiet.changes.new == [] and quiet.changes.resolved == []
    fixed = t.evaluate(answer(db_running(recorded())), NOW, settled=True)
    assert [c.service for c in fixed.changes.resolved] == ["db"]  # really fixed: resolved (not silenced any more)
