"""The SSH transport against real sshd hosts: host keys, timeouts, pooling, channels, reconnects."""

from __future__ import annotations

import asyncio
import tomllib
import uuid
from pathlib import Path
from typing import Any

import pytest

from dozor.inventory.models import Inventory, KnownHostsPolicy
from dozor.outcome import HostStatus
from dozor.runner.fanout import run_on_hosts
from dozor.transport.errors import AuthFailed, ConnectTimeout, HostKeyMismatch, HostKeyUnknown, HostUnreachable
from dozor.transport.pool import TransportPool
from dozor.transport.ssh import SSHTransport

pytestmark = pytest.mark.integration


def inventory(fleet: Any, **defaults: Any) -> Inventory:
    """The fleet's inventory with [defaults] overridden."""
    data = tomllib.loads(Path(fleet.inventory).read_text())
    data["defaults"].update(defaults)
    return Inventory.model_validate(data)


def marker(fleet: Any) -> Path:
    return Path(fleet.dir) / f"marker-{uuid.uuid4().hex}"


async def test_unknown_host_key_refused_before_any_command(fleet: Any, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    inv = inventory(fleet, known_hosts_files=[str(empty)], state_dir=str(tmp_path / "state"))
    t = SSHTransport(inv.resolve("web1"))
    m = marker(fleet)
    with pytest.raises(HostKeyUnknown) as exc:
        await t.run(["touch", str(m)])
    assert "unknown host key" in exc.value.message and "SHA256:" in exc.value.message
    assert exc.value.status is HostStatus.HOSTKEY_UNKNOWN
    assert not m.exists()
    assert t.channels_opened == 0


async def test_changed_host_key_refused_with_both_fingerprints(fleet: Any, tmp_path: Path) -> None:
    wrong = fleet.known_hosts_with_wrong_key("web2", tmp_path / "kh")
    # accept-new must not rescue a changed key.
    inv = inventory(fleet, known_hosts_files=[wrong], known_hosts="accept-new", state_dir=str(tmp_path / "state"))
    t = SSHTransport(inv.resolve("web2"))
    m = marker(fleet)
    with pytest.raises(HostKeyMismatch) as exc:
        await t.run(["touch", str(m)])
    msg = exc.value.message
    assert "HOST KEY CHANGED" in msg
    assert msg.count("SHA256:") == 2
    assert not m.exists()
    assert not (tmp_path / "state" / "known_hosts").exists()


async def test_accept_new_records_into_dozors_own_file(fleet: Any, tmp_path: Path) -> None:
    user_kh = tmp_path / "user_known_hosts"
    user_kh.write_text("")
    state = tmp_path / "state"
    inv = inventory(fleet, known_hosts_files=[str(user_kh)], known_hosts="accept-new", state_dir=str(state))
    t = SSHTransport(inv.resolve("db1"))
    r = await t.run(["echo", "hello"])
    assert r.stdout == "hello\n"
    await t.close()
    assert user_kh.read_text() == ""
    own = (state / "known_hosts").read_text()
    db1 = fleet.hosts["db1"]
    pattern = db1.address if db1.port == 22 else f"[{db1.address}]:{db1.port}"
    assert own.startswith(f"{pattern} ssh-ed25519 ")
    assert (state / "known_hosts").stat().st_mode & 0o777 == 0o600
    # Now strict works from dozor's own file alone.
    inv2 = inventory(fleet, known_hosts_files=[str(user_kh)], known_hosts=KnownHostsPolicy.STRICT, state_dir=str(state))
    t2 = SSHTransport(inv2.resolve("db1"))
    assert (await t2.run(["true"])).ok
    await t2.close()


async def test_wrong_identity_is_auth_failed(fleet: Any, tmp_path: Path) -> None:
    import asyncssh

    key = asyncssh.generate_private_key("ssh-ed25519")
    (tmp_path / "id").write_bytes(key.export_private_key())
    inv = inventory(fleet, identity_files=[str(tmp_path / "id")])
    t = SSHTransport(inv.resolve("web1"))
    with pytest.raises(AuthFailed):
        await t.run(["true"])


async def test_hung_command_ended_at_timeout_and_remote_process_gone(fleet: Any) -> None:
    import random
    import subprocess

    inv = inventory(fleet)
    t = SSHTransport(inv.resolve("web1"))
    secs = random.randint(3000, 9999)
    started = asyncio.get_running_loop().time()
    r = await t.run(["sh", "-c", f"echo partial; exec sleep {secs}"], timeout=1.0)
    elapsed = asyncio.get_running_loop().time() - started
    assert r.timed_out and r.exit_status is None
    assert r.stdout == "partial\n"
    assert elapsed < 1.0 + 3  # ended at its 1 s timeout, not after the 3000+ s sleep
    # The test hosts live on this machine: look for the remote process directly.
    assert subprocess.run(["pgrep", "-fx", f"sleep {secs}"], capture_output=True).returncode == 0
    await asyncio.sleep(3.5)  # the remote `timeout` wrapper ends it shortly after ours fired
    assert subprocess.run(["pgrep", "-fx", f"sleep {secs}"], capture_output=True).returncode == 1
    await t.close()


async def test_connection_is_pooled_and_channels_bounded(fleet: Any) -> None:
    inv = inventory(fleet)
    pool = TransportPool()
    host = inv.resolve("web2")
    t = pool.get(host)
    assert pool.get(host) is t
    # 40 concurrent commands: sshd allows 10 sessions per connection; dozor keeps 8 in flight.
    results = await asyncio.gather(*(t.run(["echo", str(i)]) for i in range(40)))
    assert [r.stdout.strip() for r in results] == [str(i) for i in range(40)]
    assert pool.stats()["web2"] == {"connects": 1, "channels": 40, "streams": 0}
    await pool.close()


async def test_channel_refusals_past_maxsessions_are_retried(fleet: Any) -> None:
    data = tomllib.loads(Path(fleet.inventory).read_text())
    data["defaults"]["max_channels"] = 20  # above sshd's MaxSessions 10: opens get refused and retried
    inv = Inventory.model_validate(data)
    t = SSHTransport(inv.resolve("db1"))
    results = await asyncio.gather(*(t.run(["sh", "-c", "sleep 0.3; echo ok"]) for _ in range(20)))
    assert all(r.stdout == "ok\n" for r in results)
    assert t.connects == 1
    await t.close()


async def test_reconnects_after_the_connection_drops(fleet: Any) -> None:
    import re
    import subprocess

    inv = inventory(fleet)
    t = SSHTransport(inv.resolve("web1"))
    assert (await t.run(["true"])).ok
    conn = await t.connect()
    local_port = conn.get_extra_info("sockname")[1]
    # Kill the sshd process serving this connection (the host is on this machine).
    ss = subprocess.run(["ss", "-tnpH", f"dport = :{local_port}"], capture_output=True, text=True).stdout
    pids = {int(p) for p in re.findall(r'"sshd[^"]*",pid=(\d+)', ss)}
    assert pids, ss
    for pid in pids:
        subprocess.run(["kill", "-9", str(pid)], check=True)
    await asyncio.sleep(0.3)
    r = await t.run(["echo", "again"])
    assert r.stdout == "again\n"
    assert t.connects == 2
    await t.close()


async def test_dead_and_blackholed_hosts_are_data_within_connect_timeout(fleet: Any) -> None:
    inv = inventory(fleet)
    hosts = [inv.resolve(n) for n in inv.hosts]
    pool = TransportPool()
    started = asyncio.get_running_loop().time()
    results = await run_on_hosts(hosts, lambda ctx: ctx.run(["hostname"]), transport_for=pool.get)
    elapsed = asyncio.get_running_loop().time() - started
    by = {r.host: r for r in results}
    assert by["dead"].status is HostStatus.UNREACHABLE and "refused" in by["dead"].reason
    assert by["blackhole"].status is HostStatus.TIMEOUT and "connect timeout" in by["blackhole"].reason
    for name in ("web1", "web2", "db1"):
        assert by[name].ok, by[name]
    connect = inv.defaults.timeouts.connect
    assert elapsed < connect + 2.5  # the black hole costs exactly one connect timeout, nobody waits longer
    await pool.close()


async def test_recent_connect_failure_is_reported_at_once(fleet: Any) -> None:
    inv = inventory(fleet)
    t = SSHTransport(inv.resolve("blackhole"))
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(ConnectTimeout):
        await t.run(["true"])
    first = loop.time() - started
    assert first >= inv.defaults.timeouts.connect - 0.2
    started = loop.time()
    with pytest.raises(ConnectTimeout) as again:
        await t.run(["true"])
    assert loop.time() - started < 1.0  # no new connect attempt (that would take the 3 s timeout)
    assert "last attempt" in again.value.message and "connect timeout" in again.value.message
    # retry_after = 0: every call tries again.
    inv0 = inventory(fleet, retry_after=0)
    t0 = SSHTransport(inv0.resolve("dead"))
    for _ in range(2):
        with pytest.raises(HostUnreachable) as exc:
            await t0.run(["true"])
        assert "last attempt" not in exc.value.message
