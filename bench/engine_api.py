"""Stretch probe: the status question through the Docker Engine API over the open SSH connection.

``python -m bench.engine_api PLAN.json SOCKET`` — like the lower bound, one asyncssh connection per host and
all hosts at once, but instead of exec'ing ``sh -c 'docker ps …; docker inspect …'`` (login shell + two
docker CLI processes per host) it opens direct-streamlocal channels to the engine's unix socket and asks
``GET /containers/json`` then ``GET /containers/{id}/json`` for each compose container: no remote process
at all. Prints ``{"wall", "ok", "bytes", "containers"}``. Not dozor code: a measurement of what the path
could give (issue 7's stretch), kept next to the lower bound it is compared with.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import urllib.parse

import asyncssh

from bench.lower_bound import CIPHERS, raise_file_limit

LIST = "/containers/json?all=1&filters=" + urllib.parse.quote(json.dumps({"label": ["com.docker.compose.project"]}))


async def get(conn: asyncssh.SSHClientConnection, socket: str, path: str) -> bytes:
    """One HTTP/1.0 request on its own stream (the body ends when the engine closes it)."""
    reader, writer = await conn.open_unix_connection(socket)
    writer.write(f"GET {path} HTTP/1.0\r\nHost: docker\r\n\r\n".encode())
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        raise RuntimeError(f"engine answered {head[:80]!r}")
    return body


async def ask(conn: asyncssh.SSHClientConnection, socket: str) -> tuple[int, int]:
    """The status question: list compose containers, inspect each (in parallel)."""
    listing = await get(conn, socket, LIST)
    ids = [c["Id"] for c in json.loads(listing)]
    bodies = await asyncio.gather(*(get(conn, socket, f"/containers/{i}/json") for i in ids))
    return len(listing) + sum(len(b) for b in bodies), len(ids)


async def one(
    plan: dict, alias: str, socket: str, keys: list, known: asyncssh.SSHKnownHosts, repeat: int = 1
) -> tuple[int, int, list[float], float]:
    t0 = time.monotonic()
    h = plan["hosts"][alias]
    async with asyncssh.connect(
        h["address"],
        port=h["port"],
        username=plan["user"],
        client_keys=keys,
        known_hosts=known,
        config=[],
        encryption_algs=CIPHERS,
    ) as conn:
        size, count = await ask(conn, socket)
        latency = time.monotonic() - t0
        rounds = []
        for _ in range(repeat - 1):  # warm rounds on the open connection
            t = time.monotonic()
            await ask(conn, socket)
            rounds.append(time.monotonic() - t)
    return size, count, rounds, latency


async def main(plan: dict, socket: str, repeat: int = 1) -> dict:
    """All hosts at once; ``repeat`` > 1 adds warm rounds per host (``warm`` = slowest host's median round).

    ``latencies``: each answering host's connect + question, seconds (the per-host spread).
    """
    raise_file_limit()
    keys = [asyncssh.read_private_key(plan["identity"])]
    known = asyncssh.read_known_hosts(plan["known_hosts"])
    started = time.monotonic()
    res = await asyncio.gather(
        *(one(plan, a, socket, keys, known, repeat) for a in plan["hosts"]), return_exceptions=True
    )
    wall = time.monotonic() - started
    good = [r for r in res if not isinstance(r, BaseException)]
    warm = [sorted(r)[len(r) // 2] for _, _, r, _ in good if r]
    return {
        "wall": wall,
        "ok": len(good),
        "bytes": sum(b for b, _, _, _ in good),
        "containers": sum(c for _, c, _, _ in good),
        "latencies": [lat for _, _, _, lat in good],
        "warm": max(warm) if warm else None,
        "errors": [repr(r) for r in res if isinstance(r, BaseException)][:3],
    }


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    print(json.dumps(asyncio.run(main(plan, sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1))))
