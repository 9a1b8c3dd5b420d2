"""Causal link rules, as data: how dozor learns that one service depends on another from what a host shows.

A link ``service -> upstream`` comes from one of three rules, each tested on real-format lines with
positive and near-miss cases (``tests/unit/test_report_incidents.py`` runs every example below):

- ``depends_on``: compose's ``com.docker.compose.depends_on`` label, or a host name in the container's
  environment (``DATABASE_URL=postgres://…@db:5432``, ``REDIS_HOST=cache``) that is another service;
- ``named``: an error line of the service names the other one as a peer (``upstream: "http://api:8000/"``,
  ``connection to server at "db"``, ``Error connecting to cache:6379``, ``dial tcp orders:8080``);
- ``kind``: the service logs a client-side error of a backend's kind (a Redis ``OOM command not allowed``
  in a service that is not Redis) and exactly one service of that kind runs on the host.

Names are matched against the host's own service and container names only: a rule never guesses from
what a service is called.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PeerPattern:
    """A way error lines name a peer: group 1 is the peer's host name."""

    id: str
    regex: str
    examples: tuple[tuple[str, str], ...]
    near_misses: tuple[str, ...]


_HOST = r"([A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9])"

PEER_PATTERNS: tuple[PeerPattern, ...] = (
    PeerPattern(
        id="url",
        regex=r"\b[a-z][a-z0-9+.-]{1,15}://(?:[^@/\s\"']*@)?" + _HOST,
        examples=(
            ('2026/11/27 10:00:01 [error] 7#7: *42 connect() failed (111: Connection refused) while connecting to '
             'upstream, client: 10.0.0.9, server: shop, request: "GET / HTTP/1.1", upstream: "http://api:8000/", '
             'host: "shop.example"', "api"),
            ("redis.exceptions.ConnectionError: Error while reading from redis://cache:6379/0", "cache"),
            ("sqlalchemy.exc.OperationalError: could not connect to postgresql://store@db:5432/store", "db"),
        ),
        near_misses=("loading config from file:///etc/app/config.yaml", "GET /health HTTP/1.1 200"),
    ),
    PeerPattern(
        id="server_at",
        regex=r"(?:connection to server at|could not translate host name|getaddrinfo (?:ENOTFOUND|EAI_AGAIN)|"
        r"Unknown host|UnknownHostException:?|lookup)\s+\"?" + _HOST,
        examples=(
            ('psycopg2.OperationalError: connection to server at "db" (172.18.0.2), port 5432 failed: FATAL:  '
             'password authentication failed for user "store"', "db"),
            ('could not translate host name "db" to address: Name or service not known', "db"),
            ("Error: getaddrinfo ENOTFOUND queue", "queue"),
            ("dial tcp: lookup search on 127.0.0.11:53: no such host", "search"),
        ),
        near_misses=("connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed",),
    ),
    PeerPattern(
        id="host_port",
        regex=r"(?:connect(?:ing)? to|connect\(\) to|dial tcp|ECONNREFUSED|refused:|Connection refused:?|"
        r"connecting to upstream|to host|timed out connecting to)\s+\"?"
        + _HOST + r"[:/](?:\d+\.\d+\.\d+\.\d+:)?\d{2,5}",
        examples=(
            ("Error 111 connecting to cache:6379. Connection refused.", "cache"),
            ("dial tcp orders:8080: connect: connection refused", "orders"),
            ("java.net.ConnectException: Connection refused: broker/172.18.0.4:9092", "broker"),
            ("Error: connect ECONNREFUSED queue:5672", "queue"),
        ),
        near_misses=("Error: connect ECONNREFUSED 127.0.0.1:6379", "listening on 0.0.0.0:8080"),
    ),
)

_PEER_RES = tuple(re.compile(p.regex) for p in PEER_PATTERNS)

BACKEND_KINDS: frozenset[str] = frozenset(
    {"postgres", "redis", "mysql", "mongodb", "rabbitmq", "kafka", "elasticsearch", "memcached", "minio"}
)
"""Kinds whose error lines in *another* service are a client's view of that backend (the ``kind`` rule)."""


def peers_named(text: str) -> list[str]:
    """Peer host names an error line names, lower-cased, in order of appearance."""
    found: list[str] = []
    for rx in _PEER_RES:
        for m in rx.finditer(text):
            name = m.group(1).lower()
            if name not in found:
                found.append(name)
    return found


def name_keys(service: str, containers: list[str]) -> set[str]:
    """The names a service answers to on its host network: the service name and its container names."""
    keys = {service.lower()}
    keys.update(c.lower() for c in containers)
    return keys


def pattern_kind(pattern_id: str | None) -> str | None:
    """``redis.oom_command`` → ``redis``."""
    if not pattern_id or "." not in pattern_id:
        return None
    return pattern_id.split(".", 1)[0]


__all__ = ["BACKEND_KINDS", "PEER_PATTERNS", "PeerPattern", "name_keys", "pattern_kind", "peers_named"]
