"""Shards, the file limit and /metrics through the real CLI against the real test fleet."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from dozor.inventory import Inventory, load_inventory
from dozor.transport.fdlimit import needed_fds

pytestmark = pytest.mark.integration

DOZOR = [sys.executable, "-m", "dozor"]


def _env(fleet: Any) -> dict[str, str]:
    env = {**os.environ, "DOZOR_INVENTORY": fleet.inventory, "NO_COLOR": "1", "COLUMNS": "200"}
    for var in ("DOZOR_HOST", "DOZOR_SHARD", "DOZOR_MCP_TOKEN"):
        env.pop(var, None)
    return env


def dozor(fleet: Any, *args: str, prefix: tuple[str, ...] = (), timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, *DOZOR, *args], capture_output=True, text=True, env=_env(fleet),
                          timeout=timeout, stdin=subprocess.DEVNULL)


def _statuses(out: str) -> dict[str, str]:
    return {h["host"]: h["status"] for h in json.loads(out)["hosts"]}


def _inventory(fleet: Any) -> Inventory:
    return load_inventory(fleet.inventory)


def test_two_shards_cover_every_host_exactly_once(fleet: Any) -> None:
    whole = dozor(fleet, "--json", "status")
    assert whole.returncode == 3, whole.stderr  # the fleet's dead and black-hole hosts
    everyone = _statuses(whole.stdout)
    assert set(everyone) == set(_inventory(fleet).hosts)
    seen: list[str] = []
    for k in (1, 2):
        r = dozor(fleet, "--shard", f"{k}/2", "--json", "status")
        assert r.returncode in (0, 3), r.stderr
        part = _statuses(r.stdout)
        assert part, f"shard {k}/2 is empty"  # 6 hosts: sha256 gives each half some (checked, stable)
        assert all(everyone[h] == s for h, s in part.items()), (part, everyone)
        seen += part
    assert sorted(seen) == sorted(everyone)


def test_a_group_shard_and_host_selection_inside_a_shard(fleet: Any) -> None:
    r = dozor(fleet, "--shard", "@web", "--json", "status")
    assert r.returncode == 0, r.stderr
    assert sorted(_statuses(r.stdout)) == ["web1", "web2"]
    from dozor.inventory.shard import shard_index

    other = next(n for n in ("web1", "web2", "db1", "app1") if shard_index(n, 2) == 2)
    r = dozor(fleet, "--shard", "1/2", "--host", other, "--json", "status")
    assert r.returncode == 0 and _statuses(r.stdout) == {}  # another shard's host: asked by that shard only
    r = dozor(fleet, "--shard", "1/2", "--host", "web9", "status")
    assert r.returncode == 2 and "unknown host 'web9'" in r.stderr


@pytest.mark.parametrize("value", ["0/2", "3/2", "1/0", "one/two", "@nosuchgroup"])
def test_bad_shard_values_exit_2(fleet: Any, value: str) -> None:
    r = dozor(fleet, "--shard", value, "status")
    assert r.returncode == 2 and "--shard" in r.stderr, r.stderr
    assert r.stdout == ""


def test_status_under_a_low_file_limit_works_or_says_why(fleet: Any) -> None:
    inv = _inventory(fleet)
    hosts = [inv.resolve(n) for n in inv.hosts]
    need = needed_fds(hosts, inv.defaults.concurrency)
    whole = _statuses(dozor(fleet, "--json", "status").stdout)

    low = dozor(fleet, "--json", "status", prefix=("prlimit", "--nofile=40"))
    if need <= 40:
        assert low.returncode == 3, low.stderr
        assert _statuses(low.stdout) == whole  # no host lost to EMFILE
    else:
        assert low.returncode == 2 and f"need about {need} open files" in low.stderr

    refused = dozor(fleet, "--json", "status", prefix=("prlimit", f"--nofile={need - 1}"))
    assert refused.returncode == 2 and refused.stdout == ""
    said = " ".join(refused.stderr.split())
    assert f"{len(hosts)} host(s) need about {need} open files" in said
    assert f"may open only {need - 1} (ulimit -n; hard limit {need - 1}" in said and "`ulimit -n 4096`" in said

    raised = dozor(fleet, "--json", "status", prefix=("prlimit", f"--nofile={need - 1}:4096"))
    assert raised.returncode == 3, raised.stderr
    assert _statuses(raised.stdout) == whole


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _scrape(url: str, deadline: float, headers: dict[str, str] | None = None) -> str:
    while True:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as r:
                return r.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_each_shard_serves_its_hosts_on_metrics(fleet: Any, tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("shard-test-token-0123456789\n")
    procs, urls = [], []
    try:
        for k in (1, 2):
            port = _free_port()
            args = ["--shard", f"{k}/2", "metrics", "--listen", f"127.0.0.1:{port}", "--interval", "3600", "--quick"]
            args += ["--token-file", str(token)] if k == 1 else ["--no-auth"]
            procs.append(subprocess.Popen([*DOZOR, *args], env=_env(fleet), stdin=subprocess.DEVNULL,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
            urls.append(f"http://127.0.0.1:{port}/metrics")
        deadline = time.monotonic() + 60
        up: dict[str, float] = {}
        for k, url in enumerate(urls, 1):
            headers = {"Authorization": "Bearer shard-test-token-0123456789"} if k == 1 else None
            text = _scrape(url, deadline, headers)
            shard_hosts = []
            for family in text_string_to_metric_families(text):
                for s in family.samples:
                    if s.name == "dozor_host_up":
                        shard_hosts.append(s.labels["host"])
                        up[s.labels["host"]] = s.value
                    elif s.name == "dozor_shard_info":
                        assert s.labels["shard"] == f"{k}/2"
            assert shard_hosts, text
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(urls[0], timeout=5)
        assert denied.value.code == 401
        assert set(up) == set(_inventory(fleet).hosts)
        assert up["web1"] == 1 and up["dead"] == 0
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
