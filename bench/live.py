"""Live state: ``server_status`` answered from the event streams vs asked of every host, and stop → visible.

``python -m bench.live [--sizes 10,50] [--runs 5] [--dir /tmp/dzb-live] [--subnet 127.0.77.] [--keep]``

Uses the bench environment of :mod:`bench.env` (one engine, N sshd hosts that all see it; its own directory and
loopback block, so it never meets another bench or the test fleet). Per size, in one process (medians):

- cold: a new MCP server (in-memory client) and its first ``server_status``: connect, look the socket up, read;
- warm polled: the next calls of that server without ``--watch``: pooled connections, every host asked again;
- warm live: ``server_status`` of a ``--watch`` server once its streams are up: no host is asked;
- first live: from starting the ``--watch`` server to every host live (connect + full read + stream);
- RSS: the process's resident memory with every host live, and what the live state added per host (the
  SSH connections were already open: the difference is the streams, watchers and kept containers);
- stop → visible: ``docker stop`` of one service on the shared engine, from the engine's ``die`` event time to
  the moment every host's live state shows the container exited (median and worst over hosts and runs).
  The N hosts share ONE engine here, so one stop is N streams' event at once: a worst case for fan-in.

Not a timed test: it prints a table. Large sizes take long to set up (N=200: several minutes); 10 and 50 are
the default.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import time
import warnings
from pathlib import Path
from typing import Any

from bench import env as benv

SERVICE = f"{benv.PROJECT}_sidecar_1"


def med(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


async def _calls(inventory: str, runs: int, *, watch: bool) -> dict[str, Any]:
    from mcp import Client

    from dozor.mcp.server import build_server

    t0 = time.monotonic()
    server = build_server(inventory=inventory, read_only=True, watch=watch)
    out: dict[str, Any] = {}
    async with Client(server) as c:
        if watch:
            from dozor.live.freshness import FreshKind

            first = await c.call_tool("server_status", {})
            out["first"] = time.monotonic() - t0
            assert not first.is_error
            fresh = {h["host"]: (h.get("data") or {}).get("fresh", "") for h in first.structured_content["hosts"]}
            out["live_hosts"] = sum(f.startswith(FreshKind.LIVE.value) for f in fresh.values())
        else:
            t = time.monotonic()
            r = await c.call_tool("server_status", {})
            out["cold"] = time.monotonic() - t
            assert not r.is_error
        times = []
        for _ in range(runs):
            t = time.monotonic()
            r = await c.call_tool("server_status", {})
            times.append(time.monotonic() - t)
            assert not r.is_error
        out["warm"] = med(times)
        hosts = (await c.call_tool("fleet_hosts", {})).structured_content["hosts"]
        out["streams"] = sum(h.get("engine_requests", 0) for h in hosts)
        out["channels"] = sum(h.get("commands_run", 0) for h in hosts)
    return out


async def _stop_visible(inventory: str, sock: Path, runs: int) -> dict[str, Any]:
    from dozor.collectors.status import ContainerState
    from dozor.fleet import Fleet
    from dozor.live.fleet import LiveFleet

    docker = ["docker", "-H", f"unix://{sock}"]
    lat: list[float] = []
    async with Fleet.load(inventory) as fleet:
        hosts = fleet.select(None)
        await fleet.status()  # connections up: what follows measures the live state itself
        before = _rss()
        async with LiveFleet(hosts, fleet.pool.get, concurrency=fleet.inventory.defaults.concurrency) as live:
            await live.wait_ready(timeout=120)
            live_rss = _rss()

            def states(want: ContainerState) -> bool:
                return all(any(c.name == SERVICE and c.state is want for c in w.containers.values())
                           for w in live.watchers.values())

            for _ in range(runs):
                seen: dict[str, float] = {}
                await asyncio.to_thread(subprocess.run, [*docker, "stop", "-t", "1", SERVICE], check=True,
                                        capture_output=True)
                deadline = time.monotonic() + 30
                while len(seen) < len(hosts) and time.monotonic() < deadline:
                    for name, w in live.watchers.items():
                        if name not in seen and any(c.name == SERVICE and c.state is ContainerState.EXITED
                                                    for c in w.containers.values()):
                            seen[name] = time.time()
                    await asyncio.sleep(0.002)
                died = [e for w in live.watchers.values() for e in w.recent if e.name == SERVICE and e.action == "die"]
                when = max(e.nano for e in died) / 1e9
                lat += [t - when for t in seen.values()]
                await asyncio.to_thread(subprocess.run, [*docker, "start", SERVICE], check=True, capture_output=True)
                deadline = time.monotonic() + 30
                while not states(ContainerState.RUNNING) and time.monotonic() < deadline:
                    await asyncio.sleep(0.01)
    return {"median": med(lat), "max": max(lat) if lat else float("nan"), "samples": len(lat),
            "rss": live_rss, "per_host": (live_rss - before) / len(hosts)}


def _rss() -> int:
    """This process's resident memory in bytes (Linux)."""
    import resource

    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def main() -> None:
    warnings.simplefilter("ignore")
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="10,50")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--dir", default="/tmp/dzb-live")
    p.add_argument("--subnet", default="127.0.77.", help="Loopback block of the bench hosts (ends with a dot).")
    p.add_argument("--keep", action="store_true")
    a = p.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    benv.SUBNET = a.subnet
    d = Path(a.dir)
    env = benv.up(d, max(sizes), sizes)
    rows = []
    try:
        for n in sizes:
            inv = str(env.inventory(n))
            polled = asyncio.run(_calls(inv, a.runs, watch=False))
            live = asyncio.run(_calls(inv, a.runs, watch=True))
            stop = asyncio.run(_stop_visible(inv, env.sock, a.runs))
            rows.append((n, polled, live, stop))
    finally:
        if not a.keep:
            benv.down(d)
    print()
    print("| N | cold status s | warm polled s | warm live s | live/polled | first live s | "
          "stop→visible median ms | worst ms | streams/h live | exec/h live | live/cold | RSS MB live | "
          "live state KB/host |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n, polled, live, stop in rows:
        print(f"| {n} | {polled['cold']:.3f} | {polled['warm']:.4f} | {live['warm']:.4f} | "
              f"{live['warm'] / polled['warm']:.3f} | {live['first']:.2f} | {stop['median'] * 1000:.0f} | "
              f"{stop['max'] * 1000:.0f} | {live['streams'] / n:.1f} | {live['channels'] / n:.1f} | "
              f"{live['warm'] / polled['cold']:.4f} | {stop['rss'] / 2**20:.0f} | {stop['per_host'] / 1024:.1f} |")


if __name__ == "__main__":
    main()
