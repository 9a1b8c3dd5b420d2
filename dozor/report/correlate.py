"""Correlation: the same problem on several hosts is one story, not N."""

from __future__ import annotations

from collections.abc import Iterable

from dozor.report.alerts import Alert, AlertCode
from dozor.report.models import Correlation


def group_key(a: Alert) -> tuple[AlertCode, str | None]:
    """Log patterns group by pattern id, service alerts by service name, host alerts by code alone."""
    if a.code is AlertCode.LOG_PATTERN:
        return (a.code, a.subject)
    return (a.code, a.service)


def correlate(alerts: Iterable[Alert], min_hosts: int = 2) -> list[Correlation]:
    """Groups of alerts sharing a ``group_key`` on at least ``min_hosts`` distinct hosts, biggest first."""
    groups: dict[tuple[AlertCode, str | None], list[Alert]] = {}
    for a in alerts:
        groups.setdefault(group_key(a), []).append(a)
    out: list[Correlation] = []
    for (code, subject), members in groups.items():
        hosts = sorted({a.host for a in members})
        if len(hosts) < min_hosts:
            continue
        worst = min(members, key=lambda a: a.severity.rank)
        seen = [a.last_seen for a in members if a.last_seen is not None]
        what = subject if code is AlertCode.LOG_PATTERN else (f"{code.value} of {subject}" if subject else code.value)
        out.append(Correlation(
            code=code, subject=subject, severity=worst.severity,
            title=f"the same {what} on {len(hosts)} hosts" + (f" ({worst.title})" if code is AlertCode.LOG_PATTERN
                                                             else ""),
            hosts=hosts, count=sum(a.count for a in members), last_seen=max(seen) if seen else None,
        ))
    out.sort(key=lambda c: (c.severity.rank, -len(c.hosts), c.code.value, c.subject or ""))
    return out


__all__ = ["correlate", "group_key"]
