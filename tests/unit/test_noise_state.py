"""The noise state file: atomic durable writes, concurrent changes, a crash mid-write, a corrupt file."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from dozor.errors import NoiseRefused, NoiseStateCorrupt
from dozor.inventory.models import Inventory
from dozor.noise import state as state_mod
from dozor.noise.api import add_silence, expire_silence, list_silences
from dozor.noise.apply import apply_noise, noise_file
from dozor.noise.models import NoiseState
from dozor.ops.audit import read_audit
from tests.unit.report_factory import NOW, alert, fleet, host_ok

INV = Inventory.model_validate({"hosts": {n: {"address": "local"} for n in ("web1", "web2")}})


@pytest.fixture(autouse=True)
def _audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOZOR_AUDIT_LOG", str(tmp_path / "audit.jsonl"))


def test_add_writes_a_whole_file_and_audits(tmp_path: Path) -> None:
    s = add_silence(tmp_path, INV, "host=web1 service=worker", "2h", "known", actor="cli:me", now=NOW)
    data = json.loads((tmp_path / "noise.json").read_text())
    assert data["silences"][0]["id"] == s.id and data["silences"][0]["matchers"] == {"host": "web1",
                                                                                     "service": "worker"}
    assert oct((tmp_path / "noise.json").stat().st_mode & 0o777) == "0o600"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no temp file left behind
    log = read_audit(tmp_path / "audit.jsonl")
    assert [(r["phase"], r["outcome"], r["tool"]) for r in log] == [("before", "started", "silence"),
                                                                    ("after", "ok", "silence")]


def test_refusals_are_audited_and_read_only_refuses(tmp_path: Path) -> None:
    with pytest.raises(NoiseRefused):
        add_silence(tmp_path, INV, "host=*", "2h", "x", actor="cli:me")
    with pytest.raises(NoiseRefused, match="read-only"):
        add_silence(tmp_path, INV, "service=worker", "2h", "x", actor="mcp:c", read_only=True)
    with pytest.raises(NoiseRefused, match="no silence 's-nope'"):
        expire_silence(tmp_path, "s-nope", actor="cli:me")
    outcomes = [r["outcome"] for r in read_audit(tmp_path / "audit.jsonl") if r["phase"] == "after"]
    assert outcomes == ["refused", "refused", "refused"]
    assert not (tmp_path / "noise.json").exists()


def test_a_corrupt_file_is_reported_and_never_written_over(tmp_path: Path) -> None:
    path = tmp_path / "noise.json"
    path.write_text('{"silences": [{"id": "s-1", "matchers"')  # cut off mid-write by something else
    before = path.read_bytes()
    with pytest.raises(NoiseStateCorrupt) as exc:
        add_silence(tmp_path, INV, "service=worker", "2h", "x", actor="cli:me")
    assert str(path) in str(exc.value) and "left as it is" in str(exc.value)
    with pytest.raises(NoiseStateCorrupt):
        list_silences(tmp_path)
    report = apply_noise(fleet([host_ok("web1", [alert("web1", "worker")])]), tmp_path, INV, full=True)
    assert report.noise is not None and "unreadable" in (report.noise.warning or "")
    assert report.exit_code == 2  # nothing silenced while the file cannot be read
    assert path.read_bytes() == before
    path.write_text('{"silences": "not a list"}')
    with pytest.raises(NoiseStateCorrupt):
        noise_file(tmp_path).load()


def test_a_crash_mid_write_keeps_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = add_silence(tmp_path, INV, "service=worker", "2h", "first", actor="cli:me", now=NOW)

    def crash(src: str, dst: str) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(state_mod.os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        add_silence(tmp_path, INV, "service=api", "2h", "second", actor="cli:me", now=NOW)
    monkeypatch.undo()
    kept = noise_file(tmp_path).load()
    assert [s.id for s in kept.silences] == [first.id]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def _add_many(state_dir: str, n: int, tag: str) -> None:
    os.environ["DOZOR_AUDIT_LOG"] = os.path.join(state_dir, "audit.jsonl")
    for i in range(n):
        add_silence(state_dir, INV, f"service={tag}{i}", "1h", "x", actor=tag)


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_add_many, args=(str(tmp_path), 15, tag)) for tag in ("a", "b", "c")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    assert len(noise_file(tmp_path).load().silences) == 45


def test_a_missing_file_is_an_empty_state(tmp_path: Path) -> None:
    assert noise_file(tmp_path / "nowhere").load() == NoiseState()
