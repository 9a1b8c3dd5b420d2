"""Log tails for the diagnosis, on answers recorded from the real fleet's engines and hosts.

- Engine API: ``tests/fixtures/engine/logs_*.http`` (record_logs.py): multiplexed frames of 4 containers
  pipelined on one stream, a TTY container (raw text), a 20 kB line split in frames by the log driver;
- CLI: ``tests/fixtures/log_tails/*.json`` (record.py): the one-script output for a whole host, with the
  default caps, with small caps (cut, budget spent), a missing container and an unfiltered crash loop.
"""

from __future__ import annotations

import asyncio
import json
import re
import struct
from pathlib import Path

import pytest

from dozor.collectors.log_tails import parse_tails, tails_argv
from dozor.collectors.logs import ERROR_REGEX, parse_log_line
from dozor.collectors.status import ContainerState, ContainerStatus
from dozor.engine.http import HTTPStream
from dozor.engine.logs import decode_logs, logs_target, looks_multiplexed
from dozor.report.diagnose import counts_as_error
from dozor.runner.tails import cap_lines, tails_from_answers
from dozor.transport.base import CommandResult
from tests.unit.test_engine import ChunkedReader, Sink

ROOT = Path(__file__).resolve().parents[1] / "fixtures"


def _answers(stem: str, seed: int = 1):
    meta = json.loads((ROOT / "engine" / f"{stem}.json").read_text())
    data = (ROOT / "engine" / f"{stem}.http").read_bytes()
    answers = asyncio.run(HTTPStream(ChunkedReader(data, seed), Sink(), max_bytes=1 << 22).get(
        meta["targets"], last=True))
    return meta, answers


def _cid(target: str) -> str:
    return target.split("/")[2]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pipelined_frames_decode_to_what_docker_logs_printed(seed: int) -> None:
    meta, answers = _answers("logs_pipelined", seed)
    assert len(answers) == 4 and all(a.status == 200 for a in answers)
    for a in answers:
        cid = _cid(a.target)
        assert meta["tty"][cid] is False and looks_multiplexed(a.body)
        decoded = decode_logs(a.body, tty=False)
        assert decoded.framed and not decoded.cut and len(decoded.lines) == 12
        # stdout lines, in order, exactly as the CLI printed them (the CLI's stdout only was recorded)
        out = [text for stream, text in decoded.lines if stream == "stdout"]
        assert out == meta["cli"][cid].splitlines()
        assert {s for s, _ in decoded.lines} <= {"stdout", "stderr"}
        assert all(parse_log_line(t).timestamp is not None for _, t in decoded.lines)
    by_name = {meta["names"][_cid(a.target)]: decode_logs(a.body, tty=False) for a in answers}
    worker = by_name["jobs_worker_1"].lines
    assert any(s == "stderr" and "OOM command not allowed" in t for s, t in worker)


def test_tty_answer_is_raw_text() -> None:
    meta, [a] = _answers("logs_tty")
    cid = _cid(a.target)
    assert meta["tty"][cid] is True
    decoded = decode_logs(a.body, tty=True)
    assert not decoded.framed and [s for s, _ in decoded.lines] == [None] * len(decoded.lines)
    texts = [t for _, t in decoded.lines]
    assert texts == [x.rstrip("\r") for x in meta["cli"][cid].splitlines()]
    assert any(t.endswith(" err-line-1") for t in texts)  # stderr shares the TTY
    # the same body read as frames would be garbage: the decoder falls back to text when it is not framed
    assert decode_logs(a.body, tty=False).lines == decoded.lines


def test_a_long_line_split_across_frames_is_joined() -> None:
    meta, [a] = _answers("logs_long")
    decoded = decode_logs(a.body, tty=False)
    out = [t for s, t in decoded.lines if s == "stdout"]
    assert out == meta["cli"][_cid(a.target)].splitlines()
    assert any(t.endswith("x-end") and len(t) > 20000 for t in out)


def test_a_cut_body_keeps_what_arrived() -> None:
    _, answers = _answers("logs_pipelined")
    body = answers[0].body
    whole = decode_logs(body, tty=False)
    cut = decode_logs(body[: len(body) - 10], tty=False)
    assert cut.cut and len(cut.lines) == len(whole.lines)
    assert cut.lines[:-1] == whole.lines[:-1] and whole.lines[-1][1].startswith(cut.lines[-1][1])
    assert decode_logs(body[:5], tty=False).lines == [(None, body[:5].decode(errors="replace"))]
    assert decode_logs(b"", tty=False).lines == []


def test_frames_without_trailing_newline_and_interleaved_streams() -> None:
    def frame(stream: int, data: bytes) -> bytes:
        return struct.pack(">BxxxI", stream, len(data)) + data

    body = frame(1, b"2026-01-01T00:00:00Z a") + frame(2, b"2026-01-01T00:00:00Z e\n") + frame(1, b"bc\n") + frame(
        1, b"2026-01-01T00:00:01Z tail")
    assert decode_logs(body, tty=False).lines == [
        ("stderr", "2026-01-01T00:00:00Z e"), ("stdout", "2026-01-01T00:00:00Z abc"),
        ("stdout", "2026-01-01T00:00:01Z tail")]


def test_logs_target() -> None:
    assert logs_target("abc", tail=200) == "/containers/abc/logs?stdout=1&stderr=1&timestamps=1&tail=200"
    assert logs_target("a/b", tail=5, since=1700000000).endswith("tail=5&since=1700000000")
    assert "%2F" in logs_target("a/b", tail=5)
    with pytest.raises(ValueError):
        logs_target("abc", tail=0)


def _container(cid: str, *, tty: bool = False, running: bool = True) -> ContainerStatus:
    return ContainerStatus(id=cid, name=cid, image="x", tty=tty,
                           state=ContainerState.RUNNING if running else ContainerState.EXITED)


def test_engine_answers_are_filtered_and_capped_like_the_cli() -> None:
    meta, answers = _answers("logs_pipelined")
    cs = [_container(_cid(a.target)) for a in answers]
    bodies = [(a.status, a.body) for a in answers]
    tails = tails_from_answers(cs, bodies, errors_only=True, max_bytes=65536, host_max_bytes=1 << 20)
    by_name = {meta["names"][c.id]: tails[c.id] for c in cs}
    feed = by_name["jobs_feed_1"]
    assert feed.total_lines == 12 and not feed.truncated
    worker = by_name["jobs_worker_1"]
    assert worker.lines and all("OOM" in x.text or "exception" in x.text for x in worker.lines)
    assert all(t.bytes_read == len(b) for t, (_, b) in zip(tails.values(), bodies, strict=True))
    # small caps: newest whole lines kept, the budget runs out, later containers skipped
    small = tails_from_answers(cs, bodies, errors_only=True, max_bytes=300, host_max_bytes=400)
    got = [small[c.id] for c in cs]
    assert sum(len(x.text) + 31 for t in got for x in t.lines) <= 400
    assert any(t.truncated for t in got) and (got[-1].skipped or got[-1].truncated)
    gone = tails_from_answers(cs[:1], [(404, b'{"message":"No such container: x"}')], errors_only=True,
                              max_bytes=1024, host_max_bytes=1024)
    assert gone[cs[0].id].error


def test_cap_lines_keeps_the_newest_whole_lines() -> None:
    assert cap_lines(["aaaa", "bb", "c"], 100) == (["aaaa", "bb", "c"], 10, False)
    assert cap_lines(["aaaa", "bb", "c"], 5) == (["bb", "c"], 5, True)
    assert cap_lines(["aaaa"], 2) == ([], 0, True)


def _cli(case: str):
    d = json.loads((ROOT / "log_tails" / f"{case}.json").read_text())
    argv = tails_argv(d["containers"], **d["params"])
    return d, parse_tails(CommandResult(argv=argv, exit_status=d["exit_status"], stdout=d["stdout"],
                                        stderr=d["stderr"]))


def test_cli_output_splits_per_container() -> None:
    d, tails = _cli("jobs")
    ids = [c for c, _ in d["containers"]]
    assert list(tails) == ids
    missing = tails["0" * 64]
    assert missing.error and "No such container" in missing.error and missing.lines == []
    texts = {cid: [x.text for x in t.lines] for cid, t in tails.items()}
    assert any(any("OOM command not allowed" in x for x in v) for v in texts.values())
    assert any(any("while connecting to upstream" in x for x in v) for v in texts.values())
    for t in tails.values():
        if t.error is None:
            assert not t.truncated and t.total_lines is not None and t.matched_lines == len(t.lines)
            assert all(x.timestamp is not None for x in t.lines)
            assert all(re.search(ERROR_REGEX, x.text, re.IGNORECASE) for x in t.lines)


def test_cli_caps_cut_whole_lines_and_spend_the_host_budget() -> None:
    d, tails = _cli("budget")
    got = [tails[c] for c, _ in d["containers"]]
    assert sum(t.bytes_read for t in got) <= 5000
    assert all(t.bytes_read <= 2048 for t in got)
    assert any(t.truncated for t in got)
    assert all(x.timestamp is not None for t in got for x in t.lines)  # no line cut in the middle


def test_cli_unfiltered_crash_loop() -> None:
    _, tails = _cli("crashed")
    worker = [t for t in tails.values() if any("psycopg" in x.text for x in t.lines)]
    assert worker and worker[0].matched_lines == worker[0].total_lines


def test_tails_argv_validates() -> None:
    ok = {"tail": 200, "window": "15m", "errors_regex": None, "max_bytes": 65536, "host_max_bytes": 1 << 20}
    argv = tails_argv([("a" * 12, True), ("b" * 64, False)], **ok)
    assert argv[-4:] == ["a" * 12, "w", "b" * 64, "a"] and argv[5] == "15m"
    for bad in ("abc", "x" * 12, "a" * 12 + ";rm", "-" + "a" * 12):
        with pytest.raises(ValueError):
            tails_argv([(bad, True)], **ok)
    with pytest.raises(ValueError):
        tails_argv([], **{**ok, "window": "15 minutes"})
    with pytest.raises(ValueError):
        tails_argv([], **{**ok, "max_bytes": 10})


@pytest.mark.parametrize(("line", "counts"), [
    ("2026-12-07T06:19:00Z INFO feed: poll done items=120 errors=0 failed=0 error=0 retries=0", False),
    ("INFO feed: retry policy on_error=backoff, 0 errors in the last hour", False),
    ("ERROR could not connect to postgres after 3 attempts", True),
    ("redis.exceptions.OutOfMemoryError: OOM command not allowed when used memory > 'maxmemory'.", True),
    ("sync done error=0 but upstream connection refused", True),
])
def test_error_lines_leave_out_reports_of_no_errors(line: str, counts: bool) -> None:
    assert counts_as_error(line) is counts
