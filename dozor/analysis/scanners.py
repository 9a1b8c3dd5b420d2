"""Bot-scanner detection in web access logs.

Internet-facing proxies see a constant stream of probes for WordPress logins,
leaked ``.env`` files, git metadata, admin panels and router exploits. Those are
reconnaissance, not application errors: they are counted here and kept out of
error counts. A probe answered with 2xx on a sensitive path (``/.env``,
``/.git/config``) is reported separately, because it may be a real leak.

Parsed formats: nginx/apache combined and common log format (also traefik's
CLF), traefik JSON and caddy JSON access logs.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

from pydantic import BaseModel, Field

from dozor.analysis.keywords import required_keywords

_CLF = re.compile(r'^(?P<src>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<req>(?:[^"\\]|\\.)*)" (?P<status>\d{3}) ')
_MONTHS = {
    m: i
    for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)
}
_CLF_TIME = re.compile(r"(\d{2})/(\w{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})")
_METHOD = re.compile(r"^[A-Z]{3,10}$")

# Paths (lower-cased, query removed) that only scanners ask for on a typical Docker host.
# The alternatives starting with "/" share one branch: the engine then tries them only after
# a "/" matched, instead of each in turn at every "/" of the path.
_PROBE = re.compile(
    r"/(?:wp-(?:login|admin|content|includes|config|json/wp/v2/users)|wordpress/|wp/"
    r"|\.env\b|\.git(?:/|$)|\.svn|\.hg/|\.aws/|\.ssh/|\.docker/|\.vscode/|\.ds_store"
    r"|\.htpasswd|\.htaccess|sftp-config\.json|(?:php)?myadmin|phpmyadmin|pma/|adminer"
    r"|vendor/phpunit|cgi-bin/|actuator(?:/|$)|boaform|hnap1|gponform|setup\.cgi"
    r"|server-status|manager/html|solr/|owa/|autodiscover/|ecp/|remote/login|\+cscoe\+"
    r"|_ignition/|telescope/|debug/default/view|console/login|geoserver/|druid/|nacos/"
    r"|containers/json|api/jsonws|mifs/|etc/passwd|bin/sh"
    r"|index\.php\?s=/|phpinfo|info\.php|shell\.php|(?:backup|dump|db|database)\.(?:sql|zip|tar|gz))"
    r"|xmlrpc\.php|eval-stdin\.php|\.\./|%2e%2e|allow_url_include|\\think\\|\.(?:sql|bak|old|swp)$"
)
# Probe targets that are dangerous when answered with 2xx: secrets, source, admin panels.
_SENSITIVE = re.compile(
    r"/\.env\b|/\.git(?:/|$)|/\.svn|/\.aws/|/\.ssh/|/\.docker/|/\.vscode/|/\.htpasswd|/sftp-config\.json"
    r"|/wp-config|/phpinfo|/info\.php|/actuator/(?:env|heapdump|configprops|mappings)|/server-status"
    r"|/(?:php)?myadmin|/phpmyadmin|/adminer|/etc/passwd|\.(?:sql|bak)$|/(?:backup|dump)\."
)
TOP = 10


@dataclass(frozen=True, slots=True)
class AccessRecord:
    """One parsed access-log request."""

    source: str
    method: str | None
    path: str
    status: int
    raw_time: str | float | None = None
    upstream: str | None = None
    """The backend that answered (traefik ServiceURL/ServiceAddr, an app's upstream field), when logged."""
    duration: float | None = None
    """The request's duration as the line gives it (traefik: nanoseconds, caddy: seconds), when logged."""

    @property
    def time(self) -> datetime | None:
        """The request time from the line itself, when it has one."""
        return parse_access_time(self.raw_time)


@lru_cache(maxsize=4096)  # a busy log repeats each second's time on many lines
def parse_access_time(raw: str | float | None) -> datetime | None:
    """Parse a CLF time (``27/Nov/2026:05:13:18 +0000``), an ISO string or an epoch float."""
    if raw is None:
        return None
    # Log lines are untrusted: an impossible date (99/Nov, 25:00, an epoch past year 9999) is no time.
    try:
        if isinstance(raw, int | float):
            return datetime.fromtimestamp(raw, UTC)
        m = _CLF_TIME.fullmatch(raw)
        if m:
            day, mon, year, hh, mm, ss, sign, oh, om = m.groups()
            offset = timedelta(hours=int(oh), minutes=int(om)) * (-1 if sign == "-" else 1)
            month = _MONTHS.get(mon)
            if month is None:
                return None
            return datetime(int(year), month, int(day), int(hh), int(mm), int(ss), tzinfo=timezone(offset))
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError, TypeError):
        return None


def _split_request(request: str) -> tuple[str | None, str]:
    parts = request.split(" ")
    if len(parts) >= 2 and _METHOD.match(parts[0]):
        return parts[0], parts[1]
    return None, request  # malformed / binary junk: no method


def _parse_json(line: str) -> AccessRecord | None:
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    try:
        return json_access_record(data)
    except (ValueError, TypeError, AttributeError):  # a non-numeric status or odd types: not an access record
        return None


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _host(addr: object) -> str:
    # Older caddy logs remote_addr "host:port" / "[v6]:port": the client is the host part.
    if not isinstance(addr, str):
        return ""
    host, sep, port = addr.rpartition(":")
    return host.strip("[]") if sep and port.isdigit() and (host.count(":") == 0 or host.startswith("[")) else addr


def json_access_record(data: dict) -> AccessRecord | None:
    """The access record of a decoded traefik or caddy JSON access/error log entry; None for other JSON.

    Raises ValueError/TypeError on a non-numeric status.
    """
    if "DownstreamStatus" in data:  # traefik
        return AccessRecord(
            source=str(data.get("ClientHost") or data.get("ClientAddr") or ""),
            method=data.get("RequestMethod"),
            path=str(data.get("RequestPath") or ""),
            status=int(data["DownstreamStatus"]),
            raw_time=data.get("StartUTC") or data.get("time"),
            upstream=str(data.get("ServiceURL") or data.get("ServiceAddr") or "") or None,
            duration=_number(data.get("Duration")),
        )
    request = data.get("request")
    if isinstance(request, dict) and "status" in data:  # caddy (http.log.access and http.log.error)
        return AccessRecord(
            source=str(request.get("client_ip") or request.get("remote_ip") or _host(request.get("remote_addr"))),
            method=request.get("method"),
            path=str(request.get("uri") or ""),
            status=int(data["status"]),
            raw_time=data.get("ts"),
            duration=_number(data.get("duration")),
        )
    return None


def parse_access_line(line: str) -> AccessRecord | None:
    """Parse a combined/common, traefik JSON or caddy JSON access line; None if it is not one."""
    if line.startswith("{"):
        if '"DownstreamStatus"' in line or '"status"' in line:
            return _parse_json(line)
        return None
    m = _CLF.match(line)
    if m is None:
        return None
    method, path = _split_request(m["req"])
    return AccessRecord(source=m["src"], method=method, path=path, status=int(m["status"]), raw_time=m["time"])


def _clean(path: str) -> str:
    return path.split("?", 1)[0].lower() if "?s=/" not in path else path.lower()


def scanner_reason(
    path: str, method: str | None = "GET", status: int | None = None, *, php_site: bool = False
) -> str | None:
    """Why a request looks like a scanner probe (``probe``, ``php``, ``proxy``, ``malformed``), or None."""
    if method is None:
        return "malformed"
    if method == "CONNECT" or path.startswith(("http://", "https://")):
        return "proxy"
    if _PROBE.search(path.lower()):
        return "probe"
    clean = _clean(path)
    if clean.endswith(".php") and (not php_site or (status is not None and 400 <= status < 500)):
        return "php"
    return None


def is_scanner_request(
    path: str, method: str | None = "GET", status: int | None = None, *, php_site: bool = False
) -> bool:
    """True when the request is reconnaissance (probe paths, PHP probes on a non-PHP site, proxy abuse)."""
    return scanner_reason(path, method, status, php_site=php_site) is not None


def probe_keywords() -> set[str]:
    """Lower-case literals one of which every path ``scanner_reason`` calls a probe or a PHP request contains."""
    words = required_keywords(_PROBE.pattern)
    if words is None:
        raise ValueError("the probe regex has no literal to key on")
    return words | {".php"}


def is_sensitive_path(path: str) -> bool:
    """True for probe targets that leak secrets or admin access when served (``/.env``, ``/.git/``)."""
    return _SENSITIVE.search(path.lower()) is not None


class Counted(BaseModel):
    """A value and how often it was seen."""

    value: str
    count: int


class ExposedHit(BaseModel):
    """A scanner request for a sensitive path that the server answered with 2xx."""

    path: str
    status: int
    source: str
    time: datetime | None = None


class ScannerSummary(BaseModel):
    """Reconnaissance seen in an access log: counted apart from application errors."""

    requests: int = Field(default=0, description="Scanner requests seen.")
    sources: int = Field(default=0, description="Distinct source addresses among them.")
    top_paths: list[Counted] = Field(default_factory=list, description="Most probed paths.")
    top_sources: list[Counted] = Field(default_factory=list, description="Most active source addresses.")
    exposed: list[ExposedHit] = Field(
        default_factory=list,
        description="Sensitive paths answered with 2xx: check by hand (SPAs answer 200 to everything).",
    )
    first_seen: datetime | None = None
    last_seen: datetime | None = None


class ScannerTracker:
    """Accumulates scanner requests into a ``ScannerSummary``."""

    def __init__(self) -> None:
        self._paths: Counter[str] = Counter()
        self._sources: Counter[str] = Counter()
        self._exposed: list[ExposedHit] = []
        self._first: datetime | None = None
        self._last: datetime | None = None

    def add(self, record: AccessRecord, ts: datetime | None = None) -> None:
        """Count one scanner request; ``ts`` overrides the record's own time."""
        when = ts or record.time
        self._paths[_clean(record.path)[:200]] += 1
        self._sources[record.source] += 1
        if when is not None:
            self._first = when if self._first is None or when < self._first else self._first
            self._last = when if self._last is None or when > self._last else self._last
        if 200 <= record.status < 300 and is_sensitive_path(record.path):
            self._exposed.append(
                ExposedHit(path=record.path[:300], status=record.status, source=record.source, time=when)
            )

    def summary(self, top: int = TOP) -> ScannerSummary:
        """The summary so far, with ``top`` paths and sources."""
        return ScannerSummary(
            requests=sum(self._sources.values()),
            sources=len(self._sources),
            top_paths=[Counted(value=v, count=c) for v, c in self._paths.most_common(top)],
            top_sources=[Counted(value=v, count=c) for v, c in self._sources.most_common(top)],
            exposed=self._exposed[:50],
            first_seen=self._first,
            last_seen=self._last,
        )
