"""The Engine API requests dozor sends and pure parsers for their answers.

Container inspection (``/containers/{id}/json``) has exactly the shape ``docker inspect`` prints,
so the status and security parsers are shared with the CLI path. Stats are computed the way the
docker CLI computes its ``docker stats`` columns (cli/command/container/stats_helpers.go).
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from dozor.collectors.resources import ContainerResources, CpuThrottling
from dozor.collectors.status import LABEL_PROJECT

_COMPOSE_FILTER = urllib.parse.quote(json.dumps({"label": [LABEL_PROJECT]}, separators=(",", ":")))


def list_target(*, include_all: bool = False, running_only: bool = False) -> str:
    """``GET /containers/json``: compose containers (or every one), stopped ones too unless ``running_only``."""
    query = [] if running_only else ["all=1"]
    if not include_all:
        query.append("filters=" + _COMPOSE_FILTER)
    return "/containers/json" + ("?" + "&".join(query) if query else "")


def inspect_target(container_id: str) -> str:
    """``GET /containers/{id}/json``: what ``docker inspect`` prints for one container."""
    return f"/containers/{urllib.parse.quote(container_id, safe='')}/json"


def stats_target(container_id: str, *, one_shot: bool = False) -> str:
    """``GET /containers/{id}/stats?stream=false``: one sample with the previous one (for CPU %).

    ``one_shot``: one sample only (API 1.41+), at the engine's next collection (<= 1 s instead of 1-2 s);
    no CPU percentage can be computed from it.
    """
    return f"/containers/{urllib.parse.quote(container_id, safe='')}/stats?stream=false" + (
        "&one-shot=true" if one_shot else "")


def error_message(status: int, body: bytes) -> str:
    """The engine's ``{"message": ...}`` error text, or the start of the body."""
    try:
        msg = json.loads(body).get("message")
    except (ValueError, AttributeError):
        msg = None
    text = msg if isinstance(msg, str) else body[:200].decode("utf-8", "replace")
    return f"HTTP {status}: {text.strip()}"


def listed_ids(listing: Any) -> list[str]:
    """Container ids from a ``/containers/json`` answer."""
    if not isinstance(listing, list):
        raise ValueError("container listing is not a JSON array")
    return [c["Id"] for c in listing if isinstance(c, dict) and isinstance(c.get("Id"), str)]


def _mem_no_cache(mem: dict[str, Any]) -> int | None:
    usage = mem.get("usage")
    if usage is None:
        return None
    stats = mem.get("stats") or {}
    v1 = stats.get("total_inactive_file")  # cgroup v1
    if v1 is not None and v1 < usage:
        return int(usage - v1)
    v2 = stats.get("inactive_file", 0)  # cgroup v2
    return int(usage - v2) if v2 < usage else int(usage)


MIN_SAMPLE_PERIODS = 5
"""Fewer enforcement periods than this between the two samples say nothing: the lifetime counters are used."""


def parse_throttling(cpu: dict[str, Any], pre: dict[str, Any]) -> CpuThrottling | None:
    """``throttling_data`` of a stats answer (the same keys on cgroup v1 and v2): the change between the two
    samples when it spans ``MIN_SAMPLE_PERIODS``, else the counters since the container started; None when it
    ran no period (no CPU quota)."""
    now, before = cpu.get("throttling_data") or {}, pre.get("throttling_data") or {}
    periods = int(now.get("periods") or 0)
    if periods <= 0:
        return None
    throttled, ns = int(now.get("throttled_periods") or 0), int(now.get("throttled_time") or 0)
    span = periods - int(before.get("periods") or 0)
    if before.get("periods") and span >= MIN_SAMPLE_PERIODS:
        return CpuThrottling(periods=span, throttled_periods=throttled - int(before.get("throttled_periods") or 0),
                             throttled_seconds=(ns - int(before.get("throttled_time") or 0)) / 1e9, window="sample")
    return CpuThrottling(periods=periods, throttled_periods=throttled, throttled_seconds=ns / 1e9, window="lifetime")


def parse_stats(s: dict[str, Any], *, cpu_known: bool = True) -> ContainerResources:
    """One ``stats?stream=false`` answer to the same fields ``docker stats --no-stream`` shows.

    ``cpu_known=False`` (a one-shot sample: no previous sample to compare with) leaves CPU % unknown.
    """
    cpu, pre = s.get("cpu_stats") or {}, s.get("precpu_stats") or {}
    cpu_delta = float((cpu.get("cpu_usage") or {}).get("total_usage") or 0) - float(
        (pre.get("cpu_usage") or {}).get("total_usage") or 0)
    sys_delta = float(cpu.get("system_cpu_usage") or 0) - float(pre.get("system_cpu_usage") or 0)
    online = cpu.get("online_cpus") or len((cpu.get("cpu_usage") or {}).get("percpu_usage") or [])
    cpu_percent = round(cpu_delta / sys_delta * online * 100.0, 2) if sys_delta > 0 and cpu_delta > 0 else 0.0

    mem = s.get("memory_stats") or {}
    usage = _mem_no_cache(mem)
    limit = mem.get("limit") or None
    mem_percent = round(usage / limit * 100.0, 2) if usage is not None and limit else None

    nets = list((s.get("networks") or {}).values())  # none at all with network_mode none/host: 0B like the CLI
    rx = sum(int(n.get("rx_bytes") or 0) for n in nets)
    tx = sum(int(n.get("tx_bytes") or 0) for n in nets)
    read = write = 0
    for entry in (s.get("blkio_stats") or {}).get("io_service_bytes_recursive") or []:
        op = str(entry.get("op", "")).lower()
        if op == "read":
            read += int(entry.get("value") or 0)
        elif op == "write":
            write += int(entry.get("value") or 0)
    pids = (s.get("pids_stats") or {}).get("current")
    # A restarting or just-stopped container answers with an empty sample; the CLI shows 0B / 0B for it.
    return ContainerResources(
        id=str(s.get("id", ""))[:12],
        name=str(s.get("name", "")).lstrip("/"),
        cpu_percent=cpu_percent if cpu_known else None,
        mem_usage=usage or 0,
        mem_limit=int(limit) if limit else None,
        mem_percent=mem_percent if mem_percent is not None else 0.0,
        net_rx=rx,
        net_tx=tx,
        block_read=read,
        block_write=write,
        pids=int(pids) if isinstance(pids, int) else 0,
        cpu_throttling=parse_throttling(cpu, pre),
    )
