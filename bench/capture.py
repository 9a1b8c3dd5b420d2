"""Run one dozor operation in-process and record what went over SSH.

``python -m bench.capture INVENTORY OP [--service S --lines N --errors --max-bytes B]`` prints JSON:

- ``commands``: per host, the exact command strings dozor sent to sshd (what ``create_process`` got);
- ``stats``: ``TransportPool.stats()`` — connections and exec channels opened per host;
- ``bytes``: per host, bytes of stdout + stderr received;
- ``wall``, ``answered``, ``total``.

The instrumentation wraps two methods of ``SSHTransport`` for the length of this process only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import defaultdict

from dozor.fleet import Fleet
from dozor.transport import ssh as ssh_mod

COMMANDS: dict[str, list[str]] = defaultdict(list)
BYTES: dict[str, int] = defaultdict(int)


def instrument() -> None:
    """Record commands and received bytes per host (wraps ``_open_channel`` and ``_run_on``)."""
    cls = ssh_mod.SSHTransport
    open_channel, run_on = cls._open_channel, cls._run_on

    async def _open_channel(self, conn, command):  # type: ignore[no-untyped-def]
        COMMANDS[self.host.name].append(command)
        return await open_channel(self, conn, command)

    async def _run_on(self, conn, argv, command, timeout, stdin):  # type: ignore[no-untyped-def]
        result = await run_on(self, conn, argv, command, timeout, stdin)
        BYTES[self.host.name] += len(result.stdout.encode()) + len(result.stderr.encode())
        return result

    cls._open_channel = _open_channel  # type: ignore[method-assign]
    cls._run_on = _run_on  # type: ignore[method-assign]


async def run(args: argparse.Namespace) -> dict:
    """Run the operation on a fresh fleet (cold: new connections) and collect the records."""
    async with Fleet.load(args.inventory) as fleet:
        started = time.monotonic()
        if args.op == "status":
            res = await fleet.status()
            answered, total = len(res.answered), len(res.hosts)
        elif args.op == "resources":
            res = await fleet.resources()
            answered, total = len(res.answered), len(res.hosts)
        elif args.op == "diagnose":
            rep = await fleet.diagnose()
            answered, total = len(rep.answered), len(rep.hosts)
        elif args.op == "logs":
            res = await fleet.logs(args.service, lines=args.lines, errors_only=args.errors, max_bytes=args.max_bytes)
            answered, total = len(res.answered), len(res.hosts)
        else:
            raise SystemExit(f"unknown op {args.op}")
        wall = time.monotonic() - started
        stats = fleet.pool.stats()
    return {
        "op": args.op,
        "wall": wall,
        "answered": answered,
        "total": total,
        "commands": dict(COMMANDS),
        "stats": stats,
        "bytes": dict(BYTES),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("inventory")
    p.add_argument("op", choices=["status", "resources", "diagnose", "logs"])
    p.add_argument("--service", default="chatty")
    p.add_argument("--lines", type=int, default=100)
    p.add_argument("--errors", action="store_true")
    p.add_argument("--max-bytes", type=int, default=1_000_000)
    args = p.parse_args()
    instrument()
    json.dump(asyncio.run(run(args)), sys.stdout)


if __name__ == "__main__":
    main()
