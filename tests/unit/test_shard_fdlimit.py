"""A too-low ``ulimit -n``: raised up to the hard limit when it can be, else a typed error naming the numbers.

Each case runs in a subprocess whose limits the test lowers first (the limit is per process).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from dozor.transport.fdlimit import (
    FDS_BASE,
    FDS_PER_CONNECTING_HOST,
    FDS_PER_LOCAL_HOST,
    FDS_PER_SSH_HOST,
    needed_fds,
)

_PRELUDE = """
import asyncio, json, resource, sys
from dozor.errors import FileLimitTooLow
from dozor.inventory import Inventory
from dozor.transport.fdlimit import ensure_fd_budget
soft, hard = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
n = int(sys.argv[3])
inv = Inventory.model_validate({"hosts": {f"h{i}": {"address": f"127.0.8.{i % 250 + 1}"} for i in range(n)}})
hosts = [inv.resolve(name) for name in inv.hosts]
"""


def _run(body: str, soft: int, hard: int, n: int) -> dict:
    code = _PRELUDE + textwrap.dedent(body)
    out = subprocess.run([sys.executable, "-c", code, str(soft), str(hard), str(n)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


_BUDGET = """
try:
    b = ensure_fd_budget(hosts)
    print(json.dumps({"ok": True, "soft": b.soft, "raised_from": b.raised_from, "needed": b.needed,
                      "now": resource.getrlimit(resource.RLIMIT_NOFILE)[0]}))
except FileLimitTooLow as exc:
    print(json.dumps({"ok": False, "msg": str(exc), "needed": exc.needed, "soft": exc.soft, "hard": exc.hard,
                      "hosts": exc.hosts, "now": resource.getrlimit(resource.RLIMIT_NOFILE)[0]}))
"""


def _need(n: int) -> int:
    return FDS_BASE + n * FDS_PER_SSH_HOST + min(n, 50) * FDS_PER_CONNECTING_HOST


def _hard_limit() -> int:
    import resource

    return resource.getrlimit(resource.RLIMIT_NOFILE)[1]


def test_the_need_is_a_socket_per_ssh_host_plus_the_process() -> None:
    from dozor.inventory import Inventory

    inv = Inventory.model_validate({"hosts": {"a": {"address": "10.0.0.1"}, "b": {"address": "10.0.0.2"},
                                              "me": {"address": "local"}}})
    hosts = [inv.resolve(n) for n in inv.hosts]
    assert needed_fds(hosts) == FDS_BASE + 2 * (FDS_PER_SSH_HOST + FDS_PER_CONNECTING_HOST) + FDS_PER_LOCAL_HOST
    many = [inv.resolve("a")] * 1000
    assert needed_fds(many, concurrency=50) == FDS_BASE + 1000 * FDS_PER_SSH_HOST + 50 * FDS_PER_CONNECTING_HOST


def test_a_limit_that_fits_is_left_alone() -> None:
    r = _run(_BUDGET, 1024, 1024, 100)
    assert r == {"ok": True, "soft": 1024, "raised_from": None, "needed": _need(100),
                 "now": 1024}


def test_a_low_soft_limit_is_raised_to_the_hard_one() -> None:
    hard = _hard_limit()
    if hard < 4096:
        pytest.skip(f"this machine's hard limit is {hard}")
    r = _run(_BUDGET, 40, 4096, 600)
    assert r["ok"] and r["raised_from"] == 40 and r["now"] == r["soft"] == 4096
    assert r["needed"] == _need(600)


def test_a_low_hard_limit_is_a_typed_error_naming_the_numbers_and_the_fix() -> None:
    r = _run(_BUDGET, 40, 40, 100)
    needed = _need(100)
    assert not r["ok"]
    assert (r["hosts"], r["needed"], r["soft"], r["hard"], r["now"]) == (100, needed, 40, 40, 40)
    assert f"100 host(s) need about {needed} open files" in r["msg"]
    assert "may open only 40 (ulimit -n; hard limit 40" in r["msg"]
    assert "`ulimit -n 4096`" in r["msg"] and "--shard K/N" in r["msg"]


def test_a_hard_limit_between_is_raised_as_far_as_it_goes() -> None:
    assert _need(100) < 200
    r = _run(_BUDGET, 40, 200, 100)  # 200 is enough, 4096 is not allowed
    assert r["ok"] and r["raised_from"] == 40 and r["now"] == 200


def test_the_fan_out_refuses_before_asking_any_host() -> None:
    body = """
    from dozor.runner.fanout import run_on_hosts
    asked = []
    async def op(ctx):
        asked.append(ctx.host.name)
    try:
        asyncio.run(run_on_hosts(hosts, op, transport_for=lambda h: None))
        print(json.dumps({"raised": False, "asked": len(asked)}))
    except FileLimitTooLow as exc:
        print(json.dumps({"raised": True, "asked": len(asked), "msg": str(exc)}))
    """
    r = _run(body, 40, 40, 300)
    assert r["raised"] and r["asked"] == 0 and "300 host(s)" in r["msg"]
    ok = _run(body, 2048, 2048, 300)
    assert ok == {"raised": False, "asked": 300}


def test_an_mcp_call_says_why_instead_of_failing_hosts() -> None:
    body = """
    import tempfile, warnings
    warnings.simplefilter("ignore")
    from mcp import Client
    from dozor.mcp.server import build_server
    path = tempfile.mktemp(suffix=".toml")
    open(path, "w").write("".join(f'[hosts.h{i}]\\naddress = "127.0.8.{i % 250 + 1}"\\n' for i in range(n)))
    async def main():
        async with Client(build_server(inventory=path)) as c:
            r = await c.call_tool("server_status", {})
            return {"error": r.is_error, "text": r.content[0].text}
    print(json.dumps(asyncio.run(main())))
    """
    r = _run(body, 40, 40, 100)
    assert r["error"] and f"100 host(s) need about {_need(100)} open files" in r["text"]
    assert "`ulimit -n 4096`" in r["text"]
