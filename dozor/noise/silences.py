"""Silences (as in Alertmanager): matchers over the problem model, a reason, and an end.

A matcher is ``key=value`` terms separated by spaces, all of which must hold::

    host=web* service=worker problem=redis.oom

- ``host``: the inventory's host selector (``web1``, ``web*``, ``@group``, ``web*:!web3``…), resolved by
  :func:`dozor.inventory.selector.select_hosts` — a term naming no host is an error, as everywhere;
- ``project``, ``service``: compose names, globs allowed (``shop``, ``work*``);
- ``problem``: the problem's code (``crash_loop``, ``log_pattern``, ``cpu_throttled``…) or its subject (a log
  pattern id such as ``redis.oom``, a mount point), globs allowed;
- ``severity``: ``critical``, ``warning`` or ``info`` (several with commas);
- ``fingerprint``: one problem's fingerprint (or its first 6+ characters), as the JSON and ``dozor ack`` show.

Refused, with a message saying why: an unknown key, a key given twice, an empty value, a bad glob or
selector, a silence that narrows nothing (no host, project, service, problem or fingerprint term that picks
less than everything), a silence with no end or one longer than ``MAX_DURATION``, and one with no reason.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from fnmatch import fnmatchcase

from pydantic import BaseModel, Field

from dozor.errors import NoiseRefused, UnknownHostError
from dozor.inventory.models import Inventory
from dozor.inventory.selector import select_hosts
from dozor.model.problem import Problem
from dozor.model.severity import Severity

KEYS = ("host", "project", "service", "problem", "severity", "fingerprint")
NARROWING = ("host", "project", "service", "problem", "fingerprint")
MAX_DURATION = timedelta(days=30)
MIN_DURATION = timedelta(seconds=1)
MAX_REASON = 500
_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_WILD = frozenset({"*", "all"})


def parse_duration(text: str) -> timedelta:
    """``30s``, ``10m``, ``4h``, ``1h30m``, ``2d``, ``1w`` → a duration; anything else raises ``NoiseRefused``.

    No end (empty, ``0``, ``never``, ``forever``) and more than ``MAX_DURATION`` are refused.
    """
    t = (text or "").strip().lower()
    if not t or t in ("0", "never", "forever", "inf", "infinite", "none"):
        raise NoiseRefused(f"a silence needs an end: --for 30m, 4h, 2d (at most {MAX_DURATION.days}d); got {text!r}")
    pos, seconds = 0, 0
    for m in _DURATION.finditer(t):
        if t[pos:m.start()].strip():
            break
        seconds += int(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos == 0 or t[pos:].strip():
        raise NoiseRefused(f"cannot read duration {text!r}: use a number and a unit, e.g. 30m, 4h, 1h30m, 2d")
    d = timedelta(seconds=seconds)
    if d < MIN_DURATION:
        raise NoiseRefused(f"a silence needs an end after now: {text!r} is no time at all")
    if d > MAX_DURATION:
        raise NoiseRefused(f"{text!r} is longer than {MAX_DURATION.days} days: silences end; add a new one "
                           "when this one expires if the noise is still wanted")
    return d


def parse_matchers(text: str) -> dict[str, str]:
    """``"host=web* service=worker"`` → ``{"host": "web*", "service": "worker"}``; bad terms raise
    ``NoiseRefused`` naming the term."""
    out: dict[str, str] = {}
    terms = (text or "").split()
    if not terms:
        raise NoiseRefused("a silence needs matchers, e.g. --match 'host=web* service=worker problem=redis.oom'")
    for term in terms:
        key, sep, value = term.partition("=")
        key = key.strip().lower()
        if not sep:
            raise NoiseRefused(f"matcher term {term!r} is not key=value (keys: {', '.join(KEYS)})")
        if key not in KEYS:
            raise NoiseRefused(f"unknown matcher key {key!r} in {term!r} (keys: {', '.join(KEYS)})")
        if key in out:
            raise NoiseRefused(f"matcher key {key!r} given twice; one term per key (host= takes a selector "
                               "such as web1,web2)")
        value = value.strip()
        if not value:
            raise NoiseRefused(f"matcher {key}= has no value")
        if any(c in value for c in "\"'`"):
            raise NoiseRefused(f"matcher {term!r}: quotes are not part of a value")
        if key == "severity":
            bad = [s for s in value.lower().split(",") if s not in {x.value for x in Severity}]
            if bad:
                raise NoiseRefused(f"severity {bad[0]!r} is not one of critical, warning, info")
            value = value.lower()
        if key == "fingerprint" and (len(value) < 6 or not re.fullmatch(r"[0-9a-f]+", value)):
            raise NoiseRefused(f"fingerprint {value!r}: give at least 6 hex characters of a problem's fingerprint")
        if key in ("project", "service", "problem") and value.count("[") != value.count("]"):
            raise NoiseRefused(f"matcher {term!r}: unbalanced [ ] in a glob")
        out[key] = value
    return out


def matcher_text(matchers: dict[str, str]) -> str:
    """The canonical text of ``matchers`` (keys in ``KEYS`` order)."""
    return " ".join(f"{k}={matchers[k]}" for k in KEYS if k in matchers)


def check_narrows(matchers: dict[str, str], inventory: Inventory) -> None:
    """Refuse a silence that would match everything: no narrowing key, or only wildcards and a host selector
    that picks every host. Also refuses a host selector naming no host (``UnknownHostError``'s text)."""
    narrowing = []
    for key in NARROWING:
        value = matchers.get(key)
        if value is None:
            continue
        if key == "host":
            try:
                chosen = select_hosts(inventory, value)
            except UnknownHostError as exc:
                raise NoiseRefused(f"host={value}: {exc}") from None
            if len(chosen) < len(inventory.hosts):
                narrowing.append(key)
        elif value.lower() not in _WILD and set(value) != {"*"}:
            narrowing.append(key)
    if not narrowing:
        raise NoiseRefused(
            f"silence {matcher_text(matchers)!r} would match every problem of the fleet: narrow it with a "
            "host selector that leaves some hosts out, or project=, service=, problem= or fingerprint=")


class Seen(BaseModel):
    """A problem as it was when a silence first hid it: what a break-through is measured against."""

    severity: Severity
    rate: float = Field(description="Events per hour (log findings) or the count (restarts…) when first silenced.")
    at: datetime


class Silence(BaseModel):
    """Problems matching ``matchers`` are kept out of the exit code and notifications until ``ends_at``."""

    id: str
    matchers: dict[str, str]
    reason: str
    created_by: str
    created_at: datetime
    ends_at: datetime
    expired_at: datetime | None = Field(default=None, description="When someone expired it by hand.")
    seen: dict[str, Seen] = Field(default_factory=dict, description="By fingerprint: each problem when first hidden.")

    @property
    def match(self) -> str:
        """The matchers as text."""
        return matcher_text(self.matchers)

    def end(self) -> datetime:
        """When it stops applying: its end, or when it was expired by hand."""
        return min(self.ends_at, self.expired_at) if self.expired_at else self.ends_at

    def active(self, now: datetime) -> bool:
        """Still applying at ``now``."""
        return self.created_at <= now < self.end()


def new_silence(
    match: str, duration: str | timedelta, reason: str, *, inventory: Inventory, actor: str, now: datetime
) -> Silence:
    """A validated silence (raises ``NoiseRefused`` with what is wrong)."""
    matchers = parse_matchers(match)
    check_narrows(matchers, inventory)
    d = duration if isinstance(duration, timedelta) else parse_duration(duration)
    if not isinstance(duration, str) and not MIN_DURATION <= d <= MAX_DURATION:
        raise NoiseRefused(f"a silence lasts between 1s and {MAX_DURATION.days} days")
    why = " ".join((reason or "").split())
    if not why:
        raise NoiseRefused("a silence needs a reason (--reason): whoever sees it later must know why")
    return Silence(id=f"s-{secrets.token_hex(4)}", matchers=matchers, reason=why[:MAX_REASON], created_by=actor,
                   created_at=now, ends_at=now + d)


class Matcher:
    """A silence's matchers, compiled against one inventory (host selector resolved once)."""

    def __init__(self, matchers: dict[str, str], inventory: Inventory | None) -> None:
        self.m = matchers
        self.error: str | None = None
        self.hosts: set[str] | None = None
        if "host" in matchers:
            try:
                self.hosts = set(select_hosts(inventory, matchers["host"])) if inventory is not None else None
            except UnknownHostError as exc:  # the inventory changed since: it matches no host now
                self.hosts, self.error = set(), str(exc)

    def matches(self, p: Problem) -> bool:
        """True when every term holds for ``p``."""
        m = self.m
        if "host" in m:
            if self.hosts is not None:
                if p.host not in self.hosts:
                    return False
            elif not any(fnmatchcase(p.host, t) for t in re.split(r"[,:]", m["host"]) if t and t[0] not in "!&@"):
                return False
        if "project" in m and not fnmatchcase(p.project or "", m["project"]):
            return False
        if "service" in m and not fnmatchcase(p.service or "", m["service"]):
            return False
        if "problem" in m and not (fnmatchcase(str(p.code), m["problem"])
                                   or (p.subject is not None and fnmatchcase(p.subject, m["problem"]))):
            return False
        if "severity" in m and p.severity.value not in m["severity"].split(","):
            return False
        return "fingerprint" not in m or p.fingerprint.startswith(m["fingerprint"])


__all__ = [
    "KEYS",
    "MAX_DURATION",
    "Matcher",
    "Seen",
    "Silence",
    "check_narrows",
    "matcher_text",
    "new_silence",
    "parse_duration",
    "parse_matchers",
]
