"""Reconnaissance in web access logs (pure): bot-scanner counts, top paths/sources, trend, served secrets.

Decisions come from pattern matches and counts only (``dozor.analysis.scanners``). Paths and source
addresses are attacker-chosen text: they travel only in ``Finding.excerpt`` (renderers fence it); the
evidence line holds counts, times and labels from dozor's own fixed vocabulary.

False positives considered: a single-page app or catch-all route answers 200 (same body) to every path, so
when two or more different probe paths got 2xx with the same response size the hit is downgraded to a
warning ("looks like a catch-all answer") instead of critical.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime

from dozor.analysis.scanners import _SENSITIVE, ScannerTracker, parse_access_line, scanner_reason
from dozor.collectors.container_security import ContainerSecurity
from dozor.report.alerts import Severity
from dozor.security.checks_containers import subject_of
from dozor.security.findings import Check, Finding

WEB_HINT = re.compile(r"nginx|traefik|caddy|apache|httpd|haproxy|envoy|web|proxy|ingress|gateway|frontend|www")
_CLF_SIZE = re.compile(r'" \d{3} (\d+)')


def is_web_container(c: ContainerSecurity, kind: str | None) -> bool:
    """A web server or proxy, judged from the recognised kind, the image and the service/container name."""
    if kind == "nginx":
        return True
    repo = c.image.rsplit("/", 1)[-1].split(":", 1)[0].lower()
    return bool(WEB_HINT.search(repo) or WEB_HINT.search((c.service or c.name).lower()))


def response_size(line: str) -> int | None:
    """Body size of an access line (CLF size field, traefik/caddy JSON), when present."""
    if line.startswith("{"):
        try:
            data = json.loads(line)
        except ValueError:
            return None
        v = data.get("DownstreamContentSize", data.get("size")) if isinstance(data, dict) else None
        return int(v) if isinstance(v, int | float) else None
    m = _CLF_SIZE.search(line)
    return int(m.group(1)) if m else None


def _trend(stamps: list[datetime]) -> str:
    if len(stamps) < 4:
        return "too few requests for a trend"
    stamps.sort()
    span = (stamps[-1] - stamps[0]).total_seconds()
    if span < 600:
        return f"one burst over {span:.0f}s"
    mid = stamps[0] + (stamps[-1] - stamps[0]) / 2
    older = sum(1 for s in stamps if s < mid)
    newer = len(stamps) - older
    word = "rising" if newer > older * 1.5 else "falling" if newer * 1.5 < older else "steady"
    return f"{word} ({older} in the older half of the window, {newer} in the newer)"


def check_access_log(
    c: ContainerSecurity, host: str, lines: Iterable[tuple[datetime | None, str]]
) -> list[Finding]:
    """Scanner findings for one web container's log lines ``(docker timestamp, text)``."""
    tracker = ScannerTracker()
    stamps: list[datetime] = []
    sizes_2xx: dict[str, int | None] = {}
    labels: set[str] = set()
    exposed_sizes: list[int | None] = []
    for ts, text in lines:
        rec = parse_access_line(text.strip())
        if rec is None or scanner_reason(rec.path, rec.method, rec.status) is None:
            continue
        tracker.add(rec, ts)
        when = ts or rec.time
        if when is not None:
            stamps.append(when)
        if 200 <= rec.status < 300:
            size = response_size(text.strip())
            sizes_2xx[rec.path.split("?", 1)[0]] = size
            m = _SENSITIVE.search(rec.path.lower())
            if m is not None:
                labels.add(m.group().strip("/") or m.group())
                exposed_sizes.append(size)
    summary = tracker.summary(top=5)
    if summary.requests == 0:
        return []
    subject = subject_of(c)
    window = (f"{summary.first_seen:%Y-%m-%d %H:%M} – {summary.last_seen:%Y-%m-%d %H:%M} UTC"
              if summary.first_seen and summary.last_seen else "time unknown")
    excerpt = ("top paths: " + ", ".join(f"{p.value} ×{p.count}" for p in summary.top_paths)
               + "\ntop sources: " + ", ".join(f"{s.value} ×{s.count}" for s in summary.top_sources))
    out = [Finding(
        severity=Severity.INFO, check=Check.SCANNERS, host=host, container=c.name, project=c.project,
        service=c.service, subject=subject, title="bot scanners probing this web server",
        evidence=f"{summary.requests} scanner requests from {summary.sources} sources, {window}; "
        f"trend: {_trend(stamps)}",
        fix="nothing to do unless something was served; block the noisiest sources at the proxy or firewall",
        excerpt=excerpt,
    )]
    if summary.exposed:
        sizes = [s for s in sizes_2xx.values() if s is not None]
        catch_all = len(sizes_2xx) >= 2 and len(sizes) == len(sizes_2xx) and len(set(sizes)) == 1
        hits = summary.exposed
        evidence = (f"{len(hits)} scanner requests for sensitive paths ({', '.join(sorted(labels))}) answered 2xx, "
                    f"last {max((h.time for h in hits if h.time), default=None) or 'time unknown'}")
        if catch_all:
            evidence += f"; {len(sizes_2xx)} different probe paths all got {sizes[0]} bytes: looks like a catch-all"
        out.append(Finding(
            severity=Severity.WARNING if catch_all else Severity.CRITICAL, check=Check.SCANNER_EXPOSED, host=host,
            container=c.name, project=c.project, service=c.service, subject=f"{subject} sensitive path served",
            title="sensitive file served to a scanner" + (" (maybe a catch-all page)" if catch_all else ""),
            evidence=evidence,
            fix="fetch the path yourself; if it returns real content, remove it from the web root, deny dotfiles "
            "(nginx: `location ~ /\\. { deny all; }`) and rotate every secret it held",
            excerpt="served: " + ", ".join(f"{h.path} {h.status} from {h.source}" for h in hits[:5]),
        ))
    return out


__all__ = ["check_access_log", "is_web_container", "response_size"]
