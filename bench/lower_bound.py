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


async def one(plan: dict, alias: str, keys: list, known: asyncssh.SSHKnownHosts) -> int:
    h = plan["hosts"][alias]
    async with asyncssh.connect(
        h["address"], port=h["port"], username=plan["user"], client_keys=keys, known_hosts=known, config=[]
    ) as conn:
        results = await asyncio.gather(*(conn.run(c, encoding=None) for c in plan["commands"][alias]))
    return sum(len(r.stdout or b"") + len(r.stderr or b"") for r in results)


async def main(plan: dict) -> dict:
    keys = [asyncssh.read_private_key(plan["identity"])]
    known = asyncssh.read_known_hosts(plan["known_hosts"])
    started = time.monotonic()
    sizes = await asyncio.gather(*(one(plan, a, keys, known) for a in plan["hosts"]), return_exceptions=True)
    wall = time.monotonic() - started
    errors = [repr(s) for s in sizes if isinstance(s, BaseException)]
    return {
        "wall": wall,
        "ok": len(sizes) - len(errors),
        "bytes": sum(s for s in sizes if isinstance(s, int)),
        "errors": errors[:3],
    }


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print(json.dumps(asyncio.run(main(json.load(f)))))
