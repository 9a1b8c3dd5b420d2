"""Incidents: the alerts of a diagnosis grouped by cause, each with a root cause and its symptoms.

Pure functions of host reports. Per host:

1. links between services come from what the host showed (:mod:`dozor.report.causes`): compose
   ``depends_on`` and environment host names, peers named in error lines, client errors of a backend kind;
2. services with alerts that links tie together (cause seen no later than the symptom's end) form one
   incident; a service's own alerts always share its incident; host-level alerts stand alone;
3. the root cause is the alert of the most upstream service in the incident (its most specific alert:
   a log pattern saying why before the state it caused); everything else is a symptom.

Across hosts, incidents with the same root (alert code, subject and service) are one incident ("the same on
7 hosts"). Incidents rank by their worst severity, then by how many hosts they touch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dozor.collectors.status import ContainerStatus
from dozor.model.incident import Incident, ServiceLink
from dozor.report.alerts import Alert, AlertCode
from dozor.report.causes import BACKEND_KINDS, name_keys, pattern_kind, peers_named

Service = tuple[str | None, str]
"""(project, service) on one host."""

_FAR = datetime.max.replace(tzinfo=UTC)

_STATE_CODES = frozenset({
    AlertCode.CRASH_LOOP, AlertCode.OOM_KILLED, AlertCode.CONTAINER_EXITED, AlertCode.CONTAINER_DEAD,
    AlertCode.CONTAINER_RESTARTING, AlertCode.UNHEALTHY, AlertCode.SERVICE_MISSING, AlertCode.CONTAINER_STOPPED,
    AlertCode.CONTAINER_CREATED, AlertCode.CONTAINER_PAUSED,
})


def service_links(
    host: str, alerts: Sequence[Alert], containers: Sequence[ContainerStatus], kinds: dict[Service, str]
) -> list[ServiceLink]:
    """Every dependency the host's containers and alerts show (deduplicated, first reason kept)."""
    names: dict[str, Service] = {}
    by_service: dict[Service, list[str]] = {}
    for c in containers:
        if c.service:
            by_service.setdefault((c.project, c.service), []).append(c.name)
    for svc, cnames in by_service.items():
        for key in name_keys(svc[1], cnames):
            names.setdefault(key, svc)
    links: dict[tuple[Service, Service], ServiceLink] = {}

    def add(src: Service, dst: Service, rule: str, evidence: str) -> None:
        if src != dst and (src, dst) not in links:
            links[(src, dst)] = ServiceLink(host=host, project=src[0], service=src[1], upstream_project=dst[0],
                                            upstream=dst[1], rule=rule, evidence=evidence[:200])

    def resolve(name: str, near: Service) -> Service | None:
        hit = names.get(name.lower())
        if hit is None:
            return None
        same = (near[0], hit[1])
        return same if same in by_service else hit

    for c in containers:
        if not c.service:
            continue
        src = (c.project, c.service)
        for dep in c.depends_on:
            if (dst := resolve(dep, src)) is not None:
                add(src, dst, "depends_on", f"compose depends_on: {dep}")
        for peer in c.peers:
            if (dst := resolve(peer, src)) is not None:
                add(src, dst, "depends_on", f"its environment points at {peer}")
    by_kind: dict[str, list[Service]] = {}
    for svc, kind in kinds.items():
        by_kind.setdefault(kind, []).append(svc)
    guesses: list[tuple[Service, Service, str]] = []
    for a in alerts:
        if not a.service:
            continue
        src = (a.project, a.service)
        for text in (a.excerpt or "", a.evidence):
            for peer in peers_named(text):
                if (dst := resolve(peer, src)) is not None:
                    add(src, dst, "named", f"its error lines name {peer}")
        kind = pattern_kind(a.subject) if a.code is AlertCode.LOG_PATTERN else None
        if kind in BACKEND_KINDS and kinds.get(src) != kind and len(by_kind.get(kind, [])) == 1:
            guesses.append((src, by_kind[kind][0], f"{a.subject}: a {kind} client error"))
    # A client's upstream guessed from the kind of its errors only where nothing the host showed (compose
    # config, environment, a peer named in its own lines) already says which service it talks to.
    explicit = {src for src, _ in links}
    for src, dst, evidence in guesses:
        if src not in explicit:
            add(src, dst, "kind", evidence)
    return list(links.values())


def _root_alert(alerts: list[Alert]) -> Alert:
    """The alert that says why, most urgent first.

    A crash loop, an exit or a failing healthcheck is the effect of what the service logged before it, so a
    log pattern of the same severity is the cause. An OOM kill is the cause itself (the kernel ended the
    process for its memory): what else the log says is a symptom beside it.
    """
    oom = [a for a in alerts if a.code is AlertCode.OOM_KILLED]
    if oom:
        return min(oom, key=lambda a: (a.severity.rank, a.key))

    def key(a: Alert) -> tuple[int, int, int, str]:
        specific = 0 if a.code is AlertCode.LOG_PATTERN else 1 if a.code in _STATE_CODES else 2
        return (a.severity.rank, specific, -a.count, a.key)

    return min(alerts, key=key)


def _phrase(alerts: list[Alert], root: Alert | None = None) -> str:
    """``orders is crash-looping: <what its log says>`` — a service's state and the log pattern behind it."""
    ranked = sorted(alerts, key=lambda a: (a.severity.rank, -a.count, a.key))
    root = root or _root_alert(alerts)
    state = next((a for a in ranked if a.code in _STATE_CODES), None)
    text = f"{state.title}: {root.title}" if root.code is AlertCode.LOG_PATTERN and state is not None else root.title
    name = alerts[0].service or alerts[0].host
    return text if text.startswith(name) else f"{name}: {text}"


@dataclass
class _Group:
    services: list[Service] = field(default_factory=list)
    links: list[ServiceLink] = field(default_factory=list)


def _find(parent: dict[Service, Service], x: Service) -> Service:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def host_incidents(host: str, project_alerts: Sequence[Alert], links: Sequence[ServiceLink]) -> list[Incident]:
    """One host's alerts grouped into incidents (see the module docstring)."""
    by_service: dict[Service, list[Alert]] = {}
    incidents: list[Incident] = []
    for a in project_alerts:
        if a.service:
            by_service.setdefault((a.project, a.service), []).append(a)
        else:
            incidents.append(_incident([host], [a], _root_alert([a]), [], []))
    parent = {s: s for s in by_service}
    upstream: dict[Service, set[Service]] = {s: set() for s in by_service}
    used: list[ServiceLink] = []
    for link in links:
        src, dst = (link.project, link.service), (link.upstream_project, link.upstream)
        if src not in by_service or dst not in by_service:
            continue
        first = min((a.first_seen or a.last_seen for a in by_service[dst] if a.first_seen or a.last_seen),
                    default=None)
        last = max((a.last_seen for a in by_service[src] if a.last_seen), default=None)
        if first is not None and last is not None and first > last:
            continue  # the would-be cause started after the symptom ended
        upstream[src].add(dst)
        used.append(link)
        parent[_find(parent, src)] = _find(parent, dst)
    groups: dict[Service, _Group] = {}
    for s in by_service:
        groups.setdefault(_find(parent, s), _Group()).services.append(s)
    for link in used:
        groups[_find(parent, (link.project, link.service))].links.append(link)
    for g in groups.values():
        members = set(g.services)
        tops = [s for s in g.services if not (upstream[s] & members)] or g.services
        root_svc = min(tops, key=lambda s: (min(a.severity.rank for a in by_service[s]),
                                            min((a.first_seen or a.last_seen or _FAR) for a in by_service[s]), s))
        order = _downstream_order(root_svc, g.services, upstream)
        alerts = [a for s in order for a in by_service[s]]
        root = _root_alert(by_service[root_svc])
        phrases = [_phrase(by_service[s], root if s == root_svc else None) for s in order]
        incidents.append(_incident([host], alerts, root, g.links, phrases))
    return incidents


def _downstream_order(root: Service, services: list[Service], upstream: dict[Service, set[Service]]) -> list[Service]:
    """Root first, then each service after the ones it depends on (breadth first), the rest last."""
    order = [root]
    while len(order) < len(services):
        nxt = [s for s in services if s not in order and upstream[s] & set(order)]
        if not nxt:
            order += [s for s in services if s not in order]
            break
        order += sorted(nxt, key=lambda s: (s[0] or "", s[1]))
    return order


def _incident(hosts: list[str], alerts: list[Alert], root: Alert, links: list[ServiceLink],
              phrases: list[str]) -> Incident:
    symptoms = [a for a in alerts if a is not root]
    seen_first = [a.first_seen or a.last_seen for a in alerts if a.first_seen or a.last_seen]
    seen_last = [a.last_seen for a in alerts if a.last_seen]
    services: list[str] = []
    for a in alerts:
        if a.service and a.service not in services:
            services.append(a.service)
    where = f"{hosts[0]} {root.project}" if root.project else hosts[0]
    chain = " → ".join(phrases) if phrases else (f"{root.service}: {root.title}" if root.service else root.title)
    return Incident(
        id=root.fingerprint, severity=min((a.severity for a in alerts), key=lambda s: s.rank), hosts=hosts,
        project=root.project, services=services, summary=f"{where} — {chain}", root_cause=root,
        symptoms=symptoms, links=links, first_seen=min(seen_first, default=None),
        last_seen=max(seen_last, default=None),
    )


def fleet_incidents(per_host: Sequence[Incident]) -> list[Incident]:
    """Merge incidents with the same root (code, subject, service) on several hosts; rank them."""
    merged: dict[tuple[str, str | None, str | None], Incident] = {}
    for inc in per_host:
        r = inc.root_cause
        key = (r.code, r.subject, r.service)
        prev = merged.get(key)
        if prev is None:
            merged[key] = inc
            continue
        hosts = sorted({*prev.hosts, *inc.hosts})
        firsts = [t for t in (prev.first_seen, inc.first_seen) if t]
        lasts = [t for t in (prev.last_seen, inc.last_seen) if t]
        merged[key] = prev.model_copy(update={
            "hosts": hosts,
            "severity": min(prev.severity, inc.severity, key=lambda s: s.rank),
            "symptoms": [*prev.symptoms, inc.root_cause, *inc.symptoms],
            "links": [*prev.links, *inc.links],
            "summary": _fleet_summary(prev, hosts),
            "first_seen": min(firsts, default=None), "last_seen": max(lasts, default=None),
        })
    return sorted(merged.values(), key=lambda i: (i.severity.rank, -len(i.hosts), -len(i.symptoms), i.summary))


def _fleet_summary(first: Incident, hosts: list[str]) -> str:
    chain = first.summary.split(" — ", 1)[-1]
    shown = ", ".join(hosts[:5]) + (f" (+{len(hosts) - 5} more)" if len(hosts) > 5 else "")
    return f"the same on {len(hosts)} hosts ({shown}) — {chain}"


__all__ = ["fleet_incidents", "host_incidents", "service_links"]
