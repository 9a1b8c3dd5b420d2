"""Pure helpers of the collectors, fed with the recorded fixtures where data is needed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dozor.collectors import (
    COLLECTORS,
    ERROR_REGEX,
    STATUS,
    ContainerState,
    ContainerStatus,
    logs_argv,
    match_declared,
    normalize_since,
    parse_docker_time,
    parse_size,
    resources_argv,
    uptime_seconds,
)
from dozor.collectors.logs import LOGS, LOGS_SCRIPT, parse_log_line
from dozor.collectors.resources import parse_df
from dozor.collectors.status import container_from_inspect
from dozor.inventory.models import Project
from dozor.transport.base import CommandResult

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "collectors"


def _containers(case: str = "compose_scenarios") -> list[ContainerStatus]:
    fx = json.loads((FIXTURES / "status" / f"{case}.json").read_text())
    return STATUS.parse(CommandResult(argv=fx["argv"], exit_status=0, stdout=fx["stdout"], stderr=""))


def _scripts() -> set[str]:
    """Every ``*_SCRIPT`` constant of the collector modules (the collectors found by discovery)."""
    assert COLLECTORS  # discovery imported every collector module
    modules = [mod for name, mod in list(sys.modules.items()) if name.startswith("dozor.collectors.")]
    return {v for m in modules for k, v in vars(m).items() if k.endswith("_SCRIPT") and isinstance(v, str)}


def test_fixture_scripts_match_the_code() -> None:
    """Recorded ``sh -c`` argv must carry a script the code sends today; re-record when a script changes."""
    scripts = _scripts()
    for path in FIXTURES.glob("*/*.json"):
        argv = json.loads(path.read_text())["argv"]
        if argv[:2] == ["sh", "-c"]:
            assert argv[2] in scripts, path


def test_scripts_are_valid_sh() -> None:
    """``sh -n`` accepts every script."""
    for script in _scripts():
        subprocess.run(["sh", "-n", "-c", script], check=True)


def test_match_declared_reports_missing_and_extra() -> None:
    """v1 and v2 names match by labels; undeclared services of a declared project are flagged."""
    states = match_declared(
        _containers(),
        [Project(name="shop", services=["web", "worker", "db"]), Project(name="billing", services=["api"])],
    )
    by = {(s.project, s.service): s for s in states}
    assert by[("shop", "web")].declared and not by[("shop", "web")].missing
    assert by[("shop", "db")].missing and by[("shop", "db")].containers == []
    assert [c.name for c in by[("shop", "worker")].containers] == ["shop_worker_1"]  # one-off skipped
    assert by[("shop", "oom")].declared is False and by[("shop", "oom")].missing is False
    assert [c.name for c in by[("billing", "api")].containers] == ["billing-api-1"]
    assert ("billing", "db") in by and not by[("billing", "db")].declared
    assert by[("shop", "web")].running == 1


def test_match_declared_discovery_and_empty_project() -> None:
    """No projects declared: everything found is reported; a declared project with nothing found is missing."""
    found = match_declared(_containers(), [])
    assert {(s.project, s.service) for s in found} == {
        ("billing", "api"), ("billing", "db"), ("billing", "worker"),
        ("shop", "broken"), ("shop", "crashy"), ("shop", "oom"), ("shop", "sick"),
        ("shop", "stopped"), ("shop", "web"), ("shop", "worker"),
    }
    assert all(not s.declared and not s.missing for s in found)
    gone = match_declared(_containers(), [Project(name="ghost")])
    assert [(s.project, s.service, s.missing) for s in gone] == [("ghost", None, True)]
    assert len(match_declared(_containers(), [Project(name="ghost")], include_undeclared=True)) == 11


def test_uptime_is_computed_from_now() -> None:
    """Running/paused containers have an uptime; exited/created do not."""
    cs = {c.name: c for c in _containers()}
    now = datetime(2026, 11, 27, 5, 29, 51, 715224, tzinfo=UTC)
    assert uptime_seconds(cs["shop_web_1"], now) == 600.0
    assert uptime_seconds(cs["billing-db-1"], now) is not None
    assert cs["billing-db-1"].state == ContainerState.PAUSED
    assert uptime_seconds(cs["shop_oom_1"], now) is None
    assert uptime_seconds(cs["shop_broken_1"], now) is None


def test_docker_time() -> None:
    """Nanoseconds are cut to microseconds; the zero time is None."""
    assert parse_docker_time("0001-01-01T00:00:00Z") is None
    assert parse_docker_time("2026-11-27T05:13:18.123456789Z") == datetime(
        2026, 11, 27, 5, 13, 18, 123456, tzinfo=UTC)
    assert parse_docker_time("2026-11-27T05:13:18+02:00") is not None


def test_live_bridge_ports_documented_shape() -> None:
    """Bridge networks cannot be recorded here: this is docker's documented NetworkSettings.Ports shape."""
    c = container_from_inspect({
        "Id": "a" * 64, "Name": "/x", "State": {"Status": "running", "StartedAt": "2026-01-01T00:00:00Z"},
        "Config": {"Image": "nginx", "ExposedPorts": {"80/tcp": {}, "443/tcp": {}}},
        "HostConfig": {"PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}},
        "NetworkSettings": {"Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"},
                                                 {"HostIp": "::", "HostPort": "8080"}], "443/tcp": None}},
    })
    assert [(p.container_port, p.host_ip, p.host_port, p.published) for p in c.ports] == [
        (80, "0.0.0.0", 8080, True), (80, "::", 8080, True), (443, None, None, False)]


@pytest.mark.parametrize(("text", "n"), [
    ("0B", 0), ("512KiB", 524288), ("12.5MiB", 13107200), ("1.2GiB", 1288490189), ("3.4kB", 3400),
    ("1.1MB", 1100000), ("--", None), ("", None),
])
def test_parse_size(text: str, n: int | None) -> None:
    """Both binary and decimal docker units."""
    assert parse_size(text) == n


def test_df_dedupes_bind_mounts_and_keeps_spaces() -> None:
    """Same device twice is kept at its shortest mount; mount points may contain spaces."""
    lines = [
        "Filesystem     Type 1024-blocks  Used Available Capacity Mounted on",
        "/dev/sda1      ext4      100   50   50  50% /srv/my data",
        "/dev/sda1      ext4      100   50   50  50% /srv",
        "tmpfs          tmpfs     10     1    9  10% /run",
        "tmpfs          tmpfs     10     1    9  10% /tmp",
        "overlay        overlay  100    50   50  50% /var/lib/docker/overlay2/x/merged",
    ]
    assert [d.mount for d in parse_df(lines)] == ["/srv", "/tmp"]
    assert [d.mount for d in parse_df(lines[:2])] == ["/srv/my data"]


def test_logs_argv_validation() -> None:
    """Inputs are validated before anything reaches the shell; data goes in positional args."""
    argv = logs_argv("web", project="shop", tail=50, since="1d", grep="a|b")
    assert argv[:4] == ["sh", "-c", LOGS_SCRIPT, "dozor-logs"]
    assert argv[4:] == ["service", "shop", "web", "50", "24h", "", "a|b", "1000000"]
    assert logs_argv(container="abc123", errors_only=True)[9] == ERROR_REGEX
    for bad in (
        {"service": "web;rm -rf /"}, {"service": "-x"}, {"service": "web", "tail": 0},
        {"service": "web", "tail": 100001}, {"service": "web", "since": "yesterday"},
        {"service": "web", "grep": "("}, {"service": "web", "grep": "a\nb"}, {"service": "web", "grep": "a\x00"},
        {}, {"service": "a", "container": "b"}, {"container": "b", "project": "p"},
        {"service": "web", "max_bytes": 10},
    ):
        with pytest.raises(ValueError):
            logs_argv(**bad)
    with pytest.raises(ValueError):
        resources_argv(0)


@pytest.mark.parametrize(("since", "out"), [
    ("10m", "10m"), ("2h", "2h"), ("1h30m", "1h30m"), ("7d", "168h"),
    ("2026-11-27T05:13:18Z", "2026-11-27T05:13:18Z"), ("2026-11-27", "2026-11-27"),
])
def test_normalize_since(since: str, out: str) -> None:
    """Relative durations, days and RFC 3339 are accepted."""
    assert normalize_since(since) == out


def test_error_regex_choices() -> None:
    """ERROR_REGEX: documented hits and misses (Python side; grep -E -i uses the same text)."""
    rx = re.compile(ERROR_REGEX, re.I)
    for hit in ("ERROR job 3 failed", "ValueError: bad", "Traceback (most recent call last):",
                "java.lang.NullPointerException", "OOMKilled", "request timed out", "No space left on device",
                "panic: runtime error", "connect: connection refused"):
        assert rx.search(hit), hit
    for miss in ("worker: started, 0 errors so far", "INFO heartbeat 5", "timeout=30", "kill -0 1"):
        assert not rx.search(miss), miss


def test_error_regex_keeps_5xx_access_lines_and_drops_the_rest() -> None:
    """A proxy's 502s are errors even though no error word is in the line (nginx, traefik, caddy formats)."""
    rx = re.compile(ERROR_REGEX, re.I)
    clf = '10.0.0.7 - - [27/Nov/2026:10:00:00 +0000] "GET /api/orders HTTP/1.1" {} 157 "-" "curl/8.0"'
    for status in (500, 502, 503, 504):
        assert rx.search(clf.format(status)), status
    for status in (200, 301, 404, 429):
        assert not rx.search(clf.format(status)), status
    assert rx.search('{"ClientHost":"10.0.0.7","DownstreamStatus":502,"RequestPath":"/api"}')
    assert rx.search('{"level":"info","msg":"handled request","status": 503,"duration":0.1}')
    assert not rx.search('{"level":"info","msg":"handled request","status":200,"size":5000}')
    assert not rx.search('{"status":"500 widgets shipped"}')
    assert not rx.search("processed 500 orders in 2s")


def test_log_line_without_timestamp() -> None:
    """A line without docker's prefix keeps its text and no timestamp; CR of TTY output is dropped."""
    assert parse_log_line("plain\r").model_dump() == {"timestamp": None, "stream": None, "text": "plain"}


def test_logs_script_with_fake_docker(tmp_path: Path) -> None:
    """Run the real script against a stub docker: last line without newline, binary bytes, a failing logs."""
    stub = tmp_path / "docker"
    stub.write_text(
        "#!/bin/sh\n"
        'case "$1" in ps) echo "abc123def456 shop shop_web_1 False";;\n'
        "logs) printf '2026-01-01T00:00:00.000000001Z ok\\n2026-01-01T00:00:01Z bin \\001\\002 error here"
        "\\n2026-01-01T00:00:02Z last error no newline';;\n"
        "esac\n"
    )
    stub.chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin"}
    argv = logs_argv("web", project="shop", errors_only=True)
    p = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    res = LOGS.parse(CommandResult(argv=argv, exit_status=p.returncode, stdout=p.stdout, stderr=p.stderr))
    assert res.container_name == "shop_web_1" and res.total_lines == 3 and res.matched_lines == 2
    assert [x.text for x in res.lines] == ["bin \x01\x02 error here", "last error no newline"]
