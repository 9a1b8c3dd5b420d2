"""Warm calls: repeated ``server_status`` in ONE MCP session (in-memory client on ``build_server``).

``python -m bench.warm INVENTORY CALLS`` prints JSON with the wall time of every call (the first opens
the connections), the pool's per-host counters after all calls, and the same for a warm
``Fleet.status()`` loop in one process (the API path without MCP).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import warnings


async def mcp_calls(inventory: str, calls: int) -> dict:
    from mcp import Client

    from dozor.mcp.server import build_server

    server = build_server(inventory=inventory, read_only=True)
    times, errors = [], 0
    async with Client(server) as client:
        for _ in range(calls):
            t = time.monotonic()
            r = await client.call_tool("server_status", {})
            times.append(time.monotonic() - t)
            errors += bool(r.is_error)
        hosts = await client.call_tool("fleet_hosts", {})
    sc = hosts.structured_content or {}
    per_host = [(h.get("connections_opened", 0), h.get("commands_run", 0)) for h in sc.get("hosts", [])]
    return {
        "times": times,
        "errors": errors,
        "connects": sum(c for c, _ in per_host),
        "channels": sum(c for _, c in per_host),
    }


async def fleet_calls(inventory: str, calls: int) -> dict:
    from dozor.fleet import Fleet

    times = []
    async with Fleet.load(inventory) as fleet:
        for _ in range(calls):
            t = time.monotonic()
            await fleet.status()
            times.append(time.monotonic() - t)
        stats = fleet.pool.stats()
    return {"times": times, "connects": sum(s["connects"] for s in stats.values())}


def main() -> None:
    warnings.simplefilter("ignore")
    inventory, calls = sys.argv[1], int(sys.argv[2])
    out: dict = {}
    try:
        out["mcp"] = asyncio.run(mcp_calls(inventory, calls))
    except ImportError as exc:  # MCP server not in this build: the Fleet loop still measures warm calls
        out["mcp_error"] = str(exc)
    out["fleet"] = asyncio.run(fleet_calls(inventory, calls))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
