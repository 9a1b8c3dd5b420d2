"""Baselines: how often each log-derived problem fires, per host/service/pattern, hour by hour over 7 days.

Stored in ``<state_dir>/baselines.json`` (written like every state file: atomically, under a lock; a corrupt one
is reported and left alone). Bounded by construction: every series is a ring of ``HOURS`` hourly buckets (a fixed
168 integers), and a series with nothing in its last 7 days is pruned.

- ``seen[host|project/service]``: 1 in each hour a diagnosis read that service's log (0 otherwise);
- ``rates[host|project/service|pattern]``: the highest rate (events/h) a diagnosis measured in that hour;
- ``seen``/``rates`` of ``host|project/service@engine``: fed by the live state (``serve --watch``, ``dozor
  watch``): 1 in each hour it watched the service, and the engine events it counted in that hour (``engine:die``,
  ``engine:oom``, ``engine:unhealthy``: :mod:`dozor.live.tally`). Crash loops, OOM kills and failing
  healthchecks are judged against these (usual/new) once the live state has watched for ``MIN_HOURS``.

A rate is the problem's count over the span it was seen in (at least a minute: :func:`dozor.noise.apply.
problem_rate`) — the same estimator now and in the history, so the comparison is fair.

The verdict on a finding compares its rate now with the median of the hours its service was observed in the last
7 days (before this hour; an observed hour without the pattern counts 0): ``usual`` when at most
``USUAL_FACTOR`` × that median (and the median is not 0), ``new`` when the median is 0, ``above usual`` otherwise;
no verdict before ``MIN_HOURS`` observed hours. A rate that is new or above usual over the week but fired at the same
hour of the day on most of the last 6 days it was observed then (at least ``DAILY_DAYS``) is ``usual at 02:00`` (a
nightly job's errors are not news every night). Weekly patterns (Monday's batch) need more than 7 days: not told.
A pattern present in nearly every observed hour for ``STEADY_HOURS`` at a steady rate is a silence candidate —
offered in the text, never silenced automatically.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from pydantic import BaseModel, Field

HOURS = 7 * 24
LIVE = "@engine"
"""Suffix of a service's key in the series the live state feeds (engine events), apart from the log-derived ones:
an hour watched live is not an hour whose log was read."""
MIN_HOURS = 6
USUAL_FACTOR = 3.0
STEADY_HOURS = 48
STEADY_SHARE = 0.9
DAILY_DAYS = 3
"""Days (of the last 6 observed at that hour) a pattern must have fired at an hour to be usual at that hour."""
BASELINES_FILE = "baselines.json"


def live_key(host: str, project: str, service: str) -> str:
    """The key of a service's engine-event series: ``host|project/service@engine``."""
    return f"{host}|{project}/{service}{LIVE}"


def hour_of(t: datetime) -> int:
    """Hours since the epoch (the bucket index)."""
    return int(t.timestamp() // 3600)


class Ring(BaseModel):
    """``HOURS`` hourly buckets; ``h`` is the hour of the newest one (its slot is ``h % HOURS``)."""

    h: int
    r: list[int] = Field(default_factory=lambda: [0] * HOURS)

    def advance(self, hour: int) -> None:
        """Move the newest bucket to ``hour``, zeroing the hours skipped."""
        if hour <= self.h:
            return
        for x in range(max(self.h + 1, hour - HOURS + 1), hour + 1):
            self.r[x % HOURS] = 0
        self.h = hour

    def get(self, hour: int) -> int:
        """The bucket of ``hour`` (0 outside the last ``HOURS``)."""
        return self.r[hour % HOURS] if self.h - HOURS < hour <= self.h else 0

    def put_max(self, hour: int, value: int) -> None:
        """Keep the highest value written in ``hour``'s bucket (older than the ring: ignored)."""
        if hour <= self.h - HOURS:
            return
        self.advance(hour)
        self.r[hour % HOURS] = max(self.r[hour % HOURS], value)


class Baselines(BaseModel):
    """``<state_dir>/baselines.json``."""

    version: int = 1
    seen: dict[str, Ring] = Field(default_factory=dict)
    rates: dict[str, Ring] = Field(default_factory=dict)

    def record(self, service: str, patterns: dict[str, float], hour: int) -> None:
        """One diagnosis read ``service``'s log in ``hour`` and measured these pattern rates (events/h)."""
        self.seen.setdefault(service, Ring(h=hour)).put_max(hour, 1)
        for pattern, rate in patterns.items():
            self.rates.setdefault(f"{service}|{pattern}", Ring(h=hour)).put_max(hour, max(1, round(rate)))

    def record_counts(self, service: str, patterns: dict[str, int], hour: int) -> None:
        """The live state watched ``service`` in ``hour`` and counted these engine events so far (the highest
        count written for an hour stays: writing the growing count of the current hour again is harmless)."""
        self.seen.setdefault(service, Ring(h=hour)).put_max(hour, 1)
        for pattern, n in patterns.items():
            if n > 0:
                self.rates.setdefault(f"{service}|{pattern}", Ring(h=hour)).put_max(hour, n)

    def latest(self, service: str, pattern: str, hour: int) -> int | None:
        """Events in the last full hour or this one so far, whichever is higher; None when the service was not
        watched in either."""
        seen = self.seen.get(service)
        if seen is None or not (seen.get(hour) or seen.get(hour - 1)):
            return None
        rates = self.rates.get(f"{service}|{pattern}")
        return max(rates.get(hour), rates.get(hour - 1)) if rates is not None else 0

    def _observed(self, service: str, pattern: str, hours: range) -> list[int]:
        """The pattern's rate in each of ``hours`` its service was observed in (0 where observed without it)."""
        seen, rates = self.seen.get(service), self.rates.get(f"{service}|{pattern}")
        if seen is None:
            return []
        return [rates.get(x) if rates is not None else 0 for x in hours if seen.get(x)]

    def history(self, service: str, pattern: str, hour: int) -> list[int]:
        """The pattern's rate in every hour of the last 7 days (before ``hour``) its service was observed."""
        return self._observed(service, pattern, range(hour - HOURS, hour))

    def same_hour(self, service: str, pattern: str, hour: int) -> list[int]:
        """The pattern's rate at this hour of the day on each of the last 6 days its service was observed then."""
        return self._observed(service, pattern, range(hour - 24 * (HOURS // 24 - 1), hour, 24))

    def prune(self, hour: int) -> None:
        """Drop series with nothing in the last ``HOURS``."""
        self.seen = {k: v for k, v in self.seen.items() if v.h > hour - HOURS}
        self.rates = {k: v for k, v in self.rates.items() if v.h > hour - HOURS and any(v.r)}


@dataclass(frozen=True)
class Verdict:
    """What the history says of a rate now."""

    usual: bool | None
    text: str
    steady: bool = False


def _per_hour(x: float) -> str:
    return f"{x:.0f}/h" if x >= 1 or x == 0 else f"{x:.1f}/h"


def _daily(rate: float, daily: list[int] | None, hour: int | None) -> str | None:
    """``usual at 02:00 (4 of the last 6 days, median 40/h)`` when the same hour of the day had it on most of the
    days it was observed (at least ``DAILY_DAYS``) at up to ``USUAL_FACTOR`` × that rate; else None."""
    if not daily or hour is None:
        return None
    present = [x for x in daily if x]
    if len(present) < DAILY_DAYS or len(present) * 2 <= len(daily):
        return None
    mid = median(present)
    if rate > USUAL_FACTOR * mid:
        return None
    return f"usual at {hour % 24:02d}:00 UTC ({len(present)} of the last {len(daily)} days, median {_per_hour(mid)})"


def judge(rate: float, history: list[int], what: str = "this service", *, daily: list[int] | None = None,
          hour: int | None = None) -> Verdict:
    """``42/h, usual for this service (7-day median 40/h)`` / ``42/h, new (7-day median 0)`` / no verdict yet.

    ``daily`` (:meth:`Baselines.same_hour`) and ``hour``: a rate that is new or above usual over the week but
    usual at this hour of the day (a nightly job) is said so, and is usual.
    """
    now = _per_hour(rate)
    if len(history) < MIN_HOURS:
        return Verdict(None, f"{now}, no baseline yet ({len(history)} h observed, {MIN_HOURS} needed)")
    mid = median(history)
    if mid and rate <= USUAL_FACTOR * mid:
        present = [x for x in history if x]
        steady = (len(history) >= STEADY_HOURS and len(present) >= STEADY_SHARE * len(history)
                  and max(present) <= USUAL_FACTOR * min(present))
        return Verdict(True, f"{now}, usual for {what} (7-day median {_per_hour(mid)})", steady)
    at_hour = _daily(rate, daily, hour)
    if at_hour is not None:
        return Verdict(True, f"{now}, {at_hour}; 7-day median {_per_hour(mid)}")
    if mid == 0:
        share = sum(1 for x in history if x) / len(history)
        seen = f"; seen in {share:.0%} of observed hours" if share else ""
        return Verdict(False, f"{now}, new (7-day median 0{seen})")
    return Verdict(False, f"{now}, above usual: ×{rate / mid:.1f} the 7-day median {_per_hour(mid)}")


__all__ = [
    "BASELINES_FILE", "HOURS", "LIVE", "MIN_HOURS", "Baselines", "Ring", "Verdict", "hour_of", "judge", "live_key",
]
