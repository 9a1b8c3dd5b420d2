"""The ``Pattern`` record, the known kinds, and the real line prefixes the examples are written with."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dozor.model.severity import Severity

# Servers and brokers: what a service *is*. Their patterns come before the application kinds' when the
# service's own kind is unknown (an app's log often quotes its backend's errors).
SERVICE_KINDS: tuple[str, ...] = (
    "postgres",
    "redis",
    "nginx",
    "mysql",
    "mongodb",
    "rabbitmq",
    "kafka",
    "elasticsearch",
    "traefik",
    "caddy",
    "haproxy",
    "memcached",
    "minio",
)
# Runtimes and application servers.
APP_KINDS: tuple[str, ...] = ("python", "node", "java", "go", "gunicorn", "uvicorn", "celery", "php")
KINDS: tuple[str, ...] = (*SERVICE_KINDS, "docker", *APP_KINDS, "general")
SEVERITIES: tuple[Severity, ...] = tuple(Severity)


@dataclass(frozen=True, slots=True)
class Pattern:
    """One known log line: how to recognise it and what it means.

    ``regex`` must not use named groups (the matcher combines patterns into one
    expression). ``generic`` marks catch-alls (e.g. "any Python exception line")
    that are tried only after every specific pattern of every kind. ``source`` says
    where the wording comes from: the program's source file that prints it
    (``haproxy src/backend.c``) or its documentation's address.
    """

    id: str
    kind: str
    category: str
    severity: Severity
    regex: str
    meaning: str
    action: str
    examples: tuple[str, ...]
    near_misses: tuple[str, ...]
    ignore_case: bool = False
    generic: bool = False
    source: str = ""

    def compile(self) -> re.Pattern[str]:
        """The pattern's own compiled regex (the matcher uses a combined one)."""
        return re.compile(self.regex, re.IGNORECASE if self.ignore_case else 0)


# Real line prefixes, so the examples read like the software's own output.
PG = "2026-11-27 05:13:18.123 UTC [42] "
RD = "1:M 27 Nov 2026 05:13:18.123 "
NG = "2026/11/27 05:13:18 "
MY = "2026-11-27T05:13:18.123456Z 12 "
MDB = "2026-11-27  5:13:18 12 "
MG = '{"t":{"$date":"2026-11-27T05:13:18.123+00:00"},'
ACC = '172.18.0.1 - - [27/Nov/2026:05:13:18 +0000] "GET /api/orders HTTP/1.1" '
UPSTREAM_TAIL = (
    ', client: 10.0.0.5, server: example.com, request: "GET /api/orders HTTP/1.1", '
    'upstream: "http://172.18.0.4:8000/api/orders", host: "example.com"'
)
RMQ = "2026-11-27 05:13:18.123456+00:00 "  # rabbitmq 3.9+: then "[level] <erlang pid> message"
KAFKA = "[2026-11-27 05:13:18,123] "  # log4j "[%d] %p %m (%c)%n" of the broker images
ES = "[2026-11-27T05:13:18,123]"  # then "[LEVEL][logger] [node] message"
TRAEFIK = 'time="2026-11-27T05:13:18Z" '  # traefik v2 (logrus); v3 prints "2026-11-27T05:13:18Z ERR ..."
CADDY = '{"level":"error","ts":1795849998.123,'  # zap JSON: level, ts, logger, msg
HAPROXY = "[WARNING]  (8) : "  # haproxy 2.4+ on stderr; older: "[WARNING] 330/051318 (8) : "
GUNICORN = "[2026-11-27 05:13:18 +0000] [1] "
CELERY = "[2026-11-27 05:13:18,123: "  # then "LEVEL/ProcessName] message"
FPM = "[27-Nov-2026 05:13:18] "  # php-fpm's own log lines
