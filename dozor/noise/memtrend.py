"""Memory trend: each container's memory usage against its limit over the last day, from the diagnoses' samples.

Stored in ``<state_dir>/memory_trend.json`` (written like every state file: atomically, under a lock; a corrupt one
is reported and left alone). One series per ``host|container name``, bounded by construction:

- a series holds the samples of ONE run of its container: a new start time (a restart, a recreate) or a new
  container id starts it afresh, since a restart empties the container's memory;
- at most ``MAX_POINTS`` samples, none older than ``KEEP`` (24 h); a sample less than ``MERGE_GAP`` after the
  previous one replaces it; past ``MAX_POINTS`` the sample closest in time to its older neighbour is dropped
  (so the series keeps spanning the day however often dozor runs);
- a container not sampled for ``KEEP`` is pruned.

:func:`judge_memory` is pure: the series (before this sample) and this sample in, a :class:`MemoryTrend` out —

- ``unknown``: no earlier sample of this run at least ``MIN_SPAN`` old;
- ``rising``: usage grew by at least ``RISE_SHARE`` of the limit since the oldest sample of the last ``RECENT``
  that is at least ``MIN_SPAN`` old (else the newest older one), and is at its highest (within ``RISE_SHARE``);
  the rate gives the time left before the limit;
- ``falling``: it dropped by at least ``RISE_SHARE`` of the limit since then;
- ``steady``: not rising (so no rise of ``RISE_SHARE`` within the last ``RECENT``), every sample of the last
  ``STEADY_SPAN`` or more within a band of ``RISE_SHARE`` of the limit (``STEADY_POINTS`` samples at least), and
  its drift over that span would not reach the limit within ``KEEP``;
- ``creeping``: steady by the band, but its least-squares drift over that span (at least a quarter of the band)
  would reach the limit within ``KEEP``;
- ``flat``: within the band, but not for ``STEADY_SPAN`` yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, Field

from dozor.collectors.resources import ContainerResources, HostResources, MemoryTrend
from dozor.collectors.status import ContainerStatus
from dozor.errors import NoiseStateCorrupt
from dozor.noise.state import StateFile
from dozor.outcome import HostResult

MEMTREND_FILE = "memory_trend.json"
KEEP = timedelta(hours=24)
MAX_POINTS = 48
MERGE_GAP = 30.0
MIN_SPAN = 180.0
RECENT = 3600.0
RISE_SHARE = 0.02
STEADY_SPAN = 1800.0
STEADY_POINTS = 3


class MemorySample(BaseModel):
    """One container's memory as one diagnosis read it."""

    host: str
    name: str = Field(description="Container name (the series key with the host).")
    id: str = Field(description="Container id (12 hex digits or more).")
    started_at: datetime | None = Field(default=None, description="When this run of the container started.")
    at: datetime
    usage: int = Field(description="Bytes in use.")
    limit: int = Field(description="Bytes: the container's memory limit.")

    @property
    def key(self) -> str:
        """``host|container name``."""
        return f"{self.host}|{self.name}"


class Series(BaseModel):
    """The samples of one run of one container: ``points`` are ``(epoch seconds, usage bytes, limit bytes)``."""

    id: str
    started: datetime | None = None
    points: list[tuple[int, int, int]] = Field(default_factory=list)

    def same_run(self, s: MemorySample) -> bool:
        """The sample belongs to this run (same container id prefix and start time; a sample without a start
        time — ``dozor resources`` does not read it — goes by the id alone)."""
        return self.id[:12] == s.id[:12] and (s.started_at is None or self.started == s.started_at)


class MemoryHistory(BaseModel):
    """``<state_dir>/memory_trend.json``."""

    version: int = 1
    series: dict[str, Series] = Field(default_factory=dict)

    def before(self, s: MemorySample) -> list[tuple[int, int, int]]:
        """The earlier samples of the same run within ``KEEP`` (oldest first)."""
        old = self.series.get(s.key)
        if old is None or not old.same_run(s):
            return []
        floor = s.at.timestamp() - KEEP.total_seconds()
        return [p for p in old.points if floor <= p[0] <= s.at.timestamp()]

    def record(self, s: MemorySample) -> None:
        """Add the sample to its series (a new run replaces the series); keep the series bounded."""
        old = self.series.get(s.key)
        points = self.before(s) if old is not None else []
        t = int(s.at.timestamp())
        if points and t - points[-1][0] < MERGE_GAP:
            points.pop()
        points.append((t, s.usage, s.limit))
        while len(points) > MAX_POINTS:  # drop the sample closest to its older neighbour (never the newest)
            i = min(range(1, len(points) - 1), key=lambda j: points[j][0] - points[j - 1][0])
            del points[i]
        started = s.started_at if s.started_at is not None or old is None or not points[:-1] else old.started
        self.series[s.key] = Series(id=s.id[:12], started=started, points=points)

    def prune(self, now: datetime) -> None:
        """Drop series with no sample in the last ``KEEP``."""
        floor = now.timestamp() - KEEP.total_seconds()
        self.series = {k: v for k, v in self.series.items() if v.points and v.points[-1][0] >= floor}


def _at(t: int) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _slope(points: Sequence[tuple[float, int]]) -> float:
    """Least-squares bytes per second (robust to one noisy end, unlike the first-to-last difference)."""
    n = len(points)
    mt = sum(t for t, _ in points) / n
    mu = sum(u for _, u in points) / n
    var = sum((t - mt) ** 2 for t, _ in points)
    return sum((t - mt) * (u - mu) for t, u in points) / var if var else 0.0


def judge_memory(previous: Sequence[tuple[int, int, int]], s: MemorySample) -> MemoryTrend:
    """The trend of one container's memory, from the earlier samples of its run (oldest first) and this one."""
    now, usage, limit = s.at.timestamp(), s.usage, s.limit
    band = RISE_SHARE * limit
    old = [p for p in previous if now - p[0] >= MIN_SPAN]
    if not old:
        return MemoryTrend("unknown", usage, limit, samples=len(previous) + 1)
    recent = [p for p in old if now - p[0] <= RECENT]
    base = recent[0] if recent else old[-1]
    change = usage - base[1]
    later = [p[1] for p in previous if p[0] >= base[0]]
    if change >= band and usage >= max(later) - band:
        rate = change / (now - base[0])
        return MemoryTrend("rising", usage, limit, since=_at(base[0]), change=change,
                           seconds_left=max(0.0, limit - usage) / rate, samples=len(later) + 1)
    if change <= -band:
        return MemoryTrend("falling", usage, limit, since=_at(base[0]), change=change, samples=len(later) + 1)
    lo = hi = usage
    start, n = int(now), 1
    for t, u, _ in reversed(previous):  # the longest run of recent samples inside one band
        if max(hi, u) - min(lo, u) > band:
            break
        lo, hi, start, n = min(lo, u), max(hi, u), t, n + 1
    span = now - start
    if span >= STEADY_SPAN and n >= STEADY_POINTS:
        slope = _slope([(t, u) for t, u, _ in previous if t >= start] + [(now, usage)])
        drift = slope * span
        left = (limit - usage) / slope if drift >= band / 4 else None
        if left is not None and left <= KEEP.total_seconds():
            return MemoryTrend("creeping", usage, limit, since=_at(start), change=int(drift), seconds_left=left,
                               samples=n)
        return MemoryTrend("steady", usage, limit, since=_at(start), change=hi - lo, samples=n)
    return MemoryTrend("flat", usage, limit, since=_at(start) if n > 1 else None, change=hi - lo, samples=n)


def memory_samples(host: str, res: HostResources, containers: Sequence[ContainerStatus],
                   at: datetime) -> list[MemorySample]:
    """The samples of the running containers with a memory limit (the ones the ``container_memory`` rule reads)."""
    by_id = {c.id[:12]: c for c in containers}
    by_name = {c.name: c for c in containers}
    out: list[MemorySample] = []
    for cr in res.containers:
        st = by_id.get(cr.id[:12]) or by_name.get(cr.name)
        if not limited(cr, st, res) or cr.mem_usage is None or not cr.mem_limit:
            continue
        out.append(MemorySample(host=host, name=st.name if st else cr.name, id=(st.id if st else cr.id)[:12],
                                started_at=st.started_at if st else None, at=at, usage=cr.mem_usage,
                                limit=cr.mem_limit))
    return out


def limited(cr: ContainerResources, st: ContainerStatus | None, res: HostResources) -> bool:
    """The container runs under a memory limit (its inspect says so; without one, a limit below the host's RAM)."""
    if st is not None:
        return st.mem_limit is not None
    return cr.mem_limit is not None and res.memory is not None and cr.mem_limit < res.memory.total * 0.98


def memtrend_file(state_dir: str | Path) -> StateFile[MemoryHistory]:
    """``<state_dir>/memory_trend.json``."""
    return StateFile(Path(state_dir).expanduser() / MEMTREND_FILE, MemoryHistory, indent=None)


def observe_memory(state_dir: str | Path, samples: Sequence[MemorySample],
                   now: datetime) -> tuple[dict[str, MemoryTrend] | None, str | None]:
    """Judge every sample against its history, then record it: ``({host|name: trend}, None)``; ``(None, why)``
    when the state file is corrupt (left alone) and ``(trends, why)`` when it could not be saved."""
    trends: dict[str, MemoryTrend] = {}

    def change(h: MemoryHistory) -> bool:
        for s in samples:
            trends[s.key] = judge_memory(h.before(s), s)
            h.record(s)
        h.prune(now)
        return bool(samples) or bool(h.series)

    file = memtrend_file(state_dir)
    try:
        file.update(change)
    except NoiseStateCorrupt as exc:
        return None, str(exc)
    except OSError as exc:  # a state dir that cannot be written or locked: judge from what can be read
        if not trends:
            try:
                history = file.load()
            except (NoiseStateCorrupt, OSError):
                return None, f"could not read the memory history in {state_dir}: {exc}"
            trends = {s.key: judge_memory(history.before(s), s) for s in samples}
        return trends, f"could not save the memory history in {state_dir}: {exc}"
    return trends, None


def with_memory_trends(hosts: Sequence[HostResult[HostResources]], state_dir: str | Path,
                       now: datetime | None = None) -> None:
    """Set ``memory_trend`` on the memory-limited containers of these resources answers (judged against the
    history in ``state_dir``, then recorded); a history that cannot be used is said in each host's
    ``section_errors["memory_trend"]``. Without the containers' start times (``docker stats`` does not give them)
    a sample joins the series of the same container id: a restart since the last diagnosis reads as falling."""
    when = now or datetime.now(UTC)
    answered = [h for h in hosts if h.ok and h.data is not None]
    samples = [s for h in answered for s in memory_samples(h.host, h.data, (), when)]  # type: ignore[arg-type]
    if not samples:
        return
    trends, warning = observe_memory(state_dir, samples, when)
    for h in answered:
        res = h.data
        assert res is not None
        if warning:
            res.section_errors["memory_trend"] = warning
        for cr in res.containers:
            trend = (trends or {}).get(f"{h.host}|{cr.name}")
            if trend is not None:
                cr.memory_trend = trend


__all__ = [
    "KEEP",
    "MAX_POINTS",
    "MEMTREND_FILE",
    "MIN_SPAN",
    "RISE_SHARE",
    "STEADY_SPAN",
    "MemoryHistory",
    "MemorySample",
    "MemoryTrend",
    "Series",
    "judge_memory",
    "limited",
    "memory_samples",
    "memtrend_file",
    "observe_memory",
    "with_memory_trends",
]
