"""First-call vs later-call latency of ``server_status`` through a real MCP stdio session.

Usage: ``python scripts/mcp_latency.py INVENTORY [SELECTOR ...]`` (default selectors: the whole
fleet and ``@prod``; ``all`` names the whole fleet). Each selector gets a fresh server process,
so its first call pays for the SSH connects and the later ones show the pooled connections at work.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time

from mcp import Client, StdioServerParameters


async def measure(inventory: str, selector: str | None, calls: int = 5) -> list[float]:
    """Milliseconds per ``server_status`` call in one session."""
    env = {**os.environ, "DOZOR_INVENTORY": inventory}
    params = StdioServerParameters(command=sys.executable, args=["-m", "dozor.mcp_server"], env=env)
    args = {} if selector is None else {"host": selector}
    out = []
    async with Client(params, read_timeout_seconds=120) as c:
        await c.list_tools()
        for _ in range(calls):
            t0 = time.perf_counter()
            r = await c.call_tool("server_status", args)
            out.append(1000 * (time.perf_counter() - t0))
            assert not r.is_error, r.content[0].text
        hosts = await c.call_tool("fleet_hosts", args)
        connects = {h["name"]: h["connections_opened"] for h in hosts.structured_content["hosts"]}
    print(f"  connections opened after {calls} calls: {connects}")
    return out


async def main(argv: list[str]) -> None:
    """Print first, then median of the later calls, per selector."""
    inventory = argv[0]
    selectors: list[str | None] = [None if s in ("all", "") else s for s in argv[1:]] or [None, "@prod"]
    for sel in selectors:
        print(f"server_status host={sel or '(whole fleet)'}")
        ms = await measure(inventory, sel)
        later = statistics.median(ms[1:])
        print(f"  first {ms[0]:.0f} ms; second {ms[1]:.0f} ms; median of calls 2-{len(ms)} {later:.0f} ms")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
