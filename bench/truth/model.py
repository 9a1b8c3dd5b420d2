"""The truth benchmark's data model: scenarios, their services, and what dozor is expected to say.

A ``Scenario`` is one fault (or one healthy-but-noisy service, or one chain of services sharing a root
cause) deployed as compose services of busybox images whose names say nothing about what they imitate.
Each ``Svc`` carries its shell script (the software's real log wording, or a real failure), its compose
settings, and its expectation:

- ``state``: what the status rules must report (alert codes such as ``crash_loop``, ``oom_killed``);
- ``log``: what the log analysis must report (a pattern-id family and/or keywords in the alert text).

A fault is *found* when every given expectation is met by some alert on the right host and service; a
healthy service must raise no alert at all. Script text is built with :func:`say`, whose ``@TS_*@``
placeholders become the software's own timestamp format at run time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Timestamp formats, as `date -u` expansions inside a double-quoted echo.
TS = {
    "PG": '$(date -u "+%F %T.000 UTC")',  # PostgreSQL log_line_prefix '%m [%p] '
    "NGX": '$(date -u "+%Y/%m/%d %H:%M:%S")',  # nginx error log
    "ACC": "$(date -u +%d/%b/%Y:%H:%M:%S) +0000",  # combined access log
    "RD": '$(date -u "+%d %b %Y %H:%M:%S.000")',  # redis-server
    "PY": '$(date -u "+%F %T,000")',  # Python logging default asctime
    "ISO": "$(date -u +%FT%T.000Z)",  # Spring Boot 3 / generic ISO
    "MY": "$(date -u +%FT%T.000000Z)",  # MySQL 8 error log
    "GO": '$(date -u "+%Y/%m/%d %H:%M:%S")',  # Go's log package
    "RMQ": '$(date -u "+%F %T.000000+00:00")',  # RabbitMQ 3.9+
    "KAFKA": '$(date -u "+%F %T,000")',  # Kafka log4j
    "GUNI": '$(date -u "+%F %T +0000")',  # gunicorn
    "NOW": "$(date -u +%s)",
}
_PLACEHOLDER = re.compile(r"@(TS_[A-Z]+|i|j)@")


def say(line: str) -> str:
    """One ``echo`` of ``line``: shell-escaped, with ``@TS_X@`` timestamps and ``@i@``/``@j@`` counters expanded."""
    escaped = line.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$")

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        return TS[name[3:]] if name.startswith("TS_") else f"${name}"

    return f'echo "{_PLACEHOLDER.sub(sub, escaped)}"'


def says(lines: list[str] | tuple[str, ...]) -> str:
    """``say`` every line, joined as one shell sequence."""
    return "; ".join(say(x) for x in lines)


def loop(body: list[str] | tuple[str, ...], *, every: int, start: tuple[str, ...] | list[str] = (),
         pre: str = "") -> str:
    """A long-running service: ``pre`` (raw shell) and the start lines once, then ``body`` every ``every`` s.

    ``@i@`` counts iterations, ``@j@`` is a per-iteration number for pids/ports. Exits on SIGTERM at once.
    """
    parts = ['trap "exit 0" TERM INT']
    if pre:
        parts.append(pre)
    if start:
        parts.append(says(start))
    parts.append("i=0; while true; do i=$((i+1)); j=$((i % 97 + 20))")
    parts.append(says(body))
    parts.append(f"sleep {every} & wait $!; done")
    return "; ".join(parts)


def crash(lines: list[str] | tuple[str, ...], *, code: int = 1, pre: str = "") -> str:
    """A process that prints ``lines`` and exits ``code`` (a crash loop under ``restart: always``)."""
    return "; ".join(p for p in (pre, says(lines), f"exit {code}") if p)


@dataclass(frozen=True)
class Expect:
    """What one alert must show. Every criterion given must hold on the SAME alert; each is any-of.

    ``codes``: alert codes. ``patterns``: regexes searched in the alert's pattern id (``subject``) and its
    evidence (status alerts cite the log patterns behind them). ``keywords``: case-insensitive regexes
    searched in title, evidence and excerpt.
    """

    codes: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def matches(self, alert: dict) -> bool:
        """True when ``alert`` (an alert as dozor's JSON prints it) meets every given criterion."""
        if self.codes and alert.get("code") not in self.codes:
            return False
        if self.patterns:
            where = f"{alert.get('subject') or ''} {alert.get('evidence') or ''}"
            if not any(re.search(p, where) for p in self.patterns):
                return False
        if self.keywords:
            text = " ".join(str(alert.get(k) or "") for k in ("title", "evidence", "excerpt", "subject"))
            if not any(re.search(k, text, re.IGNORECASE) for k in self.keywords):
                return False
        return True

    def describe(self) -> str:
        """Short text for tables: ``crash_loop | postgres.auth* | 'password'``."""
        parts = []
        if self.codes:
            parts.append("/".join(self.codes))
        if self.patterns:
            parts.append("/".join(self.patterns))
        if self.keywords:
            parts.append("/".join(f"'{k}'" for k in self.keywords))
        return " + ".join(parts)


FAULT, ROOT, SYMPTOM, HEALTHY = "fault", "root", "symptom", "healthy"


@dataclass(frozen=True)
class Svc:
    """One compose service of the catalogue, with what dozor must say about it."""

    name: str
    script: str
    role: str = FAULT
    state: Expect | None = None
    log: Expect | None = None
    restart: str = "always"
    network: str = "none"
    mem_limit: str | None = None
    user: str | None = None
    read_only: bool = False
    tmpfs: tuple[str, ...] = ()
    environment: tuple[tuple[str, str], ...] = ()
    depends_on: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] = ()  # set: replaces the shell (a wrong entrypoint)
    health: tuple[str, ...] = ()  # healthcheck test, CMD form
    health_interval: str = "5s"

    @property
    def image(self) -> str:
        """A neutral image name: a tag of the busybox image named after the service."""
        return f"lab/{self.name}:1"

    @property
    def expected(self) -> tuple[Expect, ...]:
        """The expectations a fault must meet (none for a healthy service)."""
        return tuple(e for e in (self.state, self.log) if e is not None)


@dataclass(frozen=True)
class Scenario:
    """One catalogue entry: where it runs, its services, and where its wording comes from."""

    id: str
    title: str
    host: str
    project: str
    services: tuple[Svc, ...]
    source: str
    kind: str = "fault"  # fault | chain | healthy

    @property
    def root(self) -> Svc | None:
        """The root-cause service of a chain."""
        return next((s for s in self.services if s.role == ROOT), None)

    @property
    def symptoms(self) -> tuple[Svc, ...]:
        """The services of a chain that fail because of its root."""
        return tuple(s for s in self.services if s.role == SYMPTOM)


@dataclass
class Catalogue:
    """Every scenario, with lookups used by the runner and the tests."""

    scenarios: list[Scenario] = field(default_factory=list)

    def projects(self) -> dict[tuple[str, str], list[Svc]]:
        """(host, project) → its services, in catalogue order."""
        out: dict[tuple[str, str], list[Svc]] = {}
        for sc in self.scenarios:
            out.setdefault((sc.host, sc.project), []).extend(sc.services)
        return out

    def services(self) -> list[tuple[Scenario, Svc]]:
        """Every (scenario, service) pair."""
        return [(sc, s) for sc in self.scenarios for s in sc.services]

    def check(self) -> list[str]:
        """What is wrong with the catalogue itself (duplicate names, a fault without expectation...)."""
        problems: list[str] = []
        seen: dict[str, str] = {}
        for sc, s in self.services():
            if s.name in seen:
                problems.append(f"service name {s.name} used by {seen[s.name]} and {sc.id}")
            seen[s.name] = sc.id
            if s.role != HEALTHY and not s.expected:
                problems.append(f"{sc.id}/{s.name}: a fault without expectation")
            if s.role == HEALTHY and s.expected:
                problems.append(f"{sc.id}/{s.name}: a healthy service with an expectation")
        ids = [sc.id for sc in self.scenarios]
        problems += [f"scenario id {i} used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
        for sc in self.scenarios:
            if sc.kind == "chain" and (sc.root is None or not sc.symptoms):
                problems.append(f"{sc.id}: a chain needs one root and at least one symptom")
        return problems


def fixture_name(sc: Scenario, s: Svc) -> str:
    """File name (without extension) of a service's recorded log: the scenario id, plus the service for
    scenarios of several services."""
    return sc.id if len(sc.services) == 1 else f"{sc.id}.{s.name}"
