"""Pure: the engine events a baseline keeps (deaths, OOM kills, failed healthchecks), counted per service and hour.

The live state sees every such event as it happens; :class:`EventTally` counts them by the hour of the event's own
time, so a resumed stream that replays an event (deduped before it gets here) or a late flush counts it once, in
its hour. :mod:`dozor.noise.apply` writes the counts into the baselines (``record_live``); the hours already
written are forgotten, the current one is written again with its growing count (the store keeps the highest).
"""

from __future__ import annotations

PATTERNS = {"die": "engine:die", "oom": "engine:oom", "health_status: unhealthy": "engine:unhealthy"}
"""Engine event action → the baseline pattern it counts for."""

Counts = dict[int, dict[tuple[str, str], dict[str, int]]]
"""hour → (project, service) → pattern → events."""


class EventTally:
    """Counts of :data:`PATTERNS` events per hour and compose service (one host)."""

    def __init__(self) -> None:
        self.counts: Counts = {}

    def add(self, action: str, project: str | None, service: str | None, nano: int) -> bool:
        """Count one event (``action`` as the engine writes it); False when it is not counted (not a rated
        action, or not a compose service)."""
        pattern = PATTERNS.get(action.strip())
        if pattern is None or not project or not service:
            return False
        per = self.counts.setdefault(nano // 3_600_000_000_000, {}).setdefault((project, service), {})
        per[pattern] = per.get(pattern, 0) + 1
        return True

    def forget_before(self, hour: int) -> None:
        """Drop the hours before ``hour`` (written already)."""
        for h in [h for h in self.counts if h < hour]:
            del self.counts[h]


__all__ = ["PATTERNS", "Counts", "EventTally"]
