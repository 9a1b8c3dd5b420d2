"""The lower bound: a minimal asyncssh client, one connection per host, all hosts at once.

``python -m bench.lower_bound PLAN.json`` where the plan is::

    {"user": "root", "identity": PATH, "known_hosts": PATH,
     "hosts": {alias: {"address": A, "port": P}}, "commands": {alias: [command string, ...]}}

Every host's commands run concurrently on its one connection and their output is read in full.
Keys and known_hosts are loaded once. Prints ``{"wall": seconds, "ok": hosts, "bytes": n}``.
No inventory, no models, no parsing: what is left is SSH, the remote shell and the remote commands.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import asyncssh

# The same cipher order as dozor (dozor/transport/ssh.py CIPHERS), so this stays a lower bound. A copy, not an
# import: importing dozor would add its start-up to the bound (tests/unit/test_bench_ciphers.py keeps them equal).
CIPHERS = [
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com",
    "aes256-ctr",
    "aes192-ctr",
    "aes128-ctr",
]


def raise_file_limit() -> None:
    """Soft RLIMIT_NOFILE up to the hard limit: a socket per host, all hosts at once (what any client must do)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def connect(plan: dict, alias: str, keys: list, known: asyncssh.SSHKnownHosts) -> asyncssh.SSHClientConnection:
    h = plan["hosts"][alias]
    return await asyncssh.connect(
        h["address"],
        port=h["port"],
        username=plan["user"],
        client_keys=keys,
        known_hosts=known,
        config=[],
        encryption_algs=CIPHERS,
    )


async def ask(conn: asyncssh.SSHClientConnection, commands: list[str]) -> int:
    results = await asyncio.gather(*(conn.run(c, encoding=None) for c in commands))
    return sum(len(r.stdout or b"") + len(r.stderr or b"") for r in results)


async def one(plan: dict, alias: str, keys: list, known: asyncssh.SSHKnownHosts) -> int:
    async with await connect(plan, alias, keys, known) as conn:
        return await ask(conn, plan["commands"][alias])


async def main(plan: dict, repeat: int = 0) -> dict:
    """All hosts at once; with ``repeat`` > 0, then ``repeat`` more rounds on the open connections (warm floor)."""
    raise_file_limit()
    keys = [asyncssh.read_private_key(plan["identity"])]
    known = asyncssh.read_known_hosts(plan["known_hosts"])
    started = time.monotonic()
    if not repeat:
        sizes = await asyncio.gather(*(one(plan, a, keys, known) for a in plan["hosts"]), return_exceptions=True)
        wall = time.monotonic() - started
        errors = [repr(s) for s in sizes if isinstance(s, BaseException)]
        return {
            "wall": wall,
            "ok": len(sizes) - len(errors),
            "bytes": sum(s for s in sizes if isinstance(s, int)),
            "errors": errors[:3],
        }
    conns = await asyncio.gather(*(connect(plan, a, keys, known) for a in plan["hosts"]))
    rounds = []
    for _ in range(repeat):
        t = time.monotonic()
        await asyncio.gather(*(ask(c, plan["commands"][a]) for a, c in zip(plan["hosts"], conns, strict=True)))
        rounds.append(time.monotonic() - t)
    for c in conns:
        c.close()
    return {"connect_and_first": time.monotonic() - started - sum(rounds[1:]), "warm_rounds": rounds[1:]}


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print(json.dumps(asyncio.run(main(json.load(f), int(sys.argv[2]) if len(sys.argv) > 2 else 0))))
