"""How fresh one host's answer is: ``live since T``, ``polled at T``, ``unreachable since T``.

Every status answer says it per host. Live: an event stream is open and every change the engine reports since
``T`` is applied (the state is current). Polled: the state is a read made at ``T`` (a host on the CLI path, or
an ordinary call without ``--watch``). Resuming: the stream broke at ``T``; the state is as of then until the
stream is back. Unreachable: no read has worked since ``T``. Starting: the first read is not done.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from dozor.model.timetext import ago, ts
from dozor.runner.fleet_result import FleetResult
from dozor.runner.questions import HostContainers


class FreshKind(StrEnum):
    """What the state of a host rests on."""

    LIVE = "live"
    POLLED = "polled"
    RESUMING = "resuming"
    UNREACHABLE = "unreachable"
    STARTING = "starting"


_WORD = {
    FreshKind.LIVE: "live since",
    FreshKind.POLLED: "polled at",
    FreshKind.RESUMING: "stream lost at",
    FreshKind.UNREACHABLE: "unreachable since",
    FreshKind.STARTING: "first read running since",
}


class Freshness(BaseModel):
    """One host's freshness."""

    kind: FreshKind
    at: datetime = Field(description="Since when (live, unreachable, resuming) or when (polled), UTC.")
    why: str = Field(default="", description="live: the engine stream; polled: why not live; else the error.")

    def text(self, now: datetime | None = None) -> str:
        """``live since 2026-01-02 10:00:01Z`` (with ``(3m ago)`` when ``now`` is given)."""
        out = f"{_WORD[self.kind]} {ts(self.at)}"
        return out + (f" ({ago(self.at, now)})" if now is not None else "")

    def detail(self, now: datetime | None = None) -> str:
        """:meth:`text` plus the reason, for one host's line."""
        return self.text(now) + (f" — {self.why}" if self.why and self.kind is not FreshKind.LIVE else "")


def polled(result: FleetResult[HostContainers], now: datetime | None = None) -> dict[str, Freshness]:
    """Freshness of an answer asked now (no live state): ``polled at`` when the host answered, else
    ``unreachable since`` now (nothing older is known)."""
    when = now or datetime.now(UTC)
    out: dict[str, Freshness] = {}
    for h in result.hosts:
        if h.ok and h.data is not None:
            out[h.host] = Freshness(kind=FreshKind.POLLED, at=h.data.collected_at, why="asked by this call")
        else:
            out[h.host] = Freshness(kind=FreshKind.UNREACHABLE, at=when, why=f"{h.status.value}: {h.reason}")
    return out


def freshness_lines(fresh: Mapping[str, Freshness], now: datetime, *, max_hosts: int = 50) -> list[str]:
    """One line per kind: ``live since …: web1, web2`` when the times agree to the second, else a line per host;
    at most ``max_hosts`` host lines (the rest counted)."""
    if not fresh:
        return []
    groups: dict[str, list[str]] = {}
    for host, f in fresh.items():
        groups.setdefault(f.detail(now), []).append(host)
    out: list[str] = []
    shown = 0
    for text, hosts in groups.items():
        if shown >= max_hosts:
            out.append(f"  … {len(fresh) - shown} more hosts")
            break
        names = hosts[: max_hosts - shown]
        shown += len(names)
        more = f" (+{len(hosts) - len(names)} more)" if len(hosts) > len(names) else ""
        out.append(f"  {', '.join(names)}{more}: {text}")
    return ["freshness:", *out]


__all__ = ["FreshKind", "Freshness", "freshness_lines", "polled"]
