"""The pattern library, checked generically from the examples kept next to each pattern."""

from __future__ import annotations

import re

import pytest

from dozor.analysis import PATTERNS, PATTERNS_BY_ID, Pattern, detect_kind, match_line
from dozor.analysis.keywords import keyword_regex, required_keywords
from dozor.analysis.matcher import passes_prefilter
from dozor.analysis.patterns import APP_KINDS, KINDS, SERVICE_KINDS, SEVERITIES

_EXAMPLES = [(p, line) for p in PATTERNS for line in p.examples]
_NEAR_MISSES = [(p, line) for p in PATTERNS for line in p.near_misses]


def _id(value: object) -> str:
    return value.id if isinstance(value, Pattern) else str(value)[:40]


def test_every_pattern_has_a_positive_and_a_negative_example() -> None:
    lacking = [p.id for p in PATTERNS if not p.examples or not p.near_misses]
    assert lacking == []


def test_pattern_fields_are_valid() -> None:
    assert len(PATTERNS_BY_ID) == len(PATTERNS), "duplicate pattern ids"
    for p in PATTERNS:
        assert p.kind in KINDS, p.id
        assert p.severity in SEVERITIES, p.id
        assert p.id.startswith(p.kind + "."), p.id
        assert p.meaning and p.action and p.category, p.id
        assert re.compile(p.regex).groupindex == {}, f"{p.id}: named groups are reserved"


def test_every_pattern_names_its_source() -> None:
    """The wording comes from somewhere checkable: a source file of the program ("haproxy src/backend.c")
    or a documentation address."""
    lacking = [p.id for p in PATTERNS if len(p.source.split()) < 2 and not p.source.startswith("https://")]
    assert lacking == []


def test_library_covers_many_families() -> None:
    kinds = {p.kind for p in PATTERNS}
    assert len(PATTERNS) >= 150
    assert len(kinds) >= 20
    # every declared kind has patterns, and the matcher's groups hold every kind exactly once
    assert kinds == set(KINDS)
    assert len(set(SERVICE_KINDS) | set(APP_KINDS)) == len(SERVICE_KINDS) + len(APP_KINDS)


@pytest.mark.parametrize(
    ("line", "pattern_id"),
    [
        # a client's view of a backend keeps the backend's kind (the incident rules link it to that service)
        ("pika.exceptions.AMQPConnectionError", "rabbitmq.client_unreachable"),
        ("kafka.errors.NoBrokersAvailable: NoBrokersAvailable", "kafka.no_brokers"),
        ("pymemcache.exceptions.MemcacheServerError: b'out of memory storing object'", "memcached.out_of_memory"),
        # a specific server line wins over the general wording it contains
        ("failed to listen on TCP port 11211: Address already in use", "memcached.port_in_use"),
        ("[ALERT]    (1) : Binding [/usr/local/etc/haproxy/haproxy.cfg:29] for frontend http-in: protocol tcpv4: "
         "cannot bind socket (Address already in use) for [0.0.0.0:80]", "haproxy.bind_failed"),
    ],
)
def test_kind_of_unknown_service_lines(line: str, pattern_id: str) -> None:
    found = match_line(line)
    assert found is not None and found.id == pattern_id


@pytest.mark.parametrize(("pattern", "line"), _EXAMPLES, ids=_id)
def test_example_matches_its_own_pattern(pattern: Pattern, line: str) -> None:
    assert pattern.compile().search(line), "the regex itself must match"
    assert passes_prefilter(line)
    found = match_line(line, pattern.kind)
    assert found is not None and found.id == pattern.id


@pytest.mark.parametrize(("pattern", "line"), _NEAR_MISSES, ids=_id)
def test_near_miss_does_not_match_its_pattern(pattern: Pattern, line: str) -> None:
    assert not pattern.compile().search(line)
    found = match_line(line, pattern.kind)
    assert found is None or found.id != pattern.id


@pytest.mark.parametrize(
    "line",
    [
        "0 errors",
        "errors=0",
        "no errors found",
        "2026-11-27 05:13:18.123 UTC [1] LOG:  database system is ready to accept connections",
        "1:M 27 Nov 2026 05:13:18.123 * Ready to accept connections tcp",
        "2026-11-27 04:29:13 INFO handled request id=a429f in 429ms status=200",
        "2026-11-27T04:29:00.429Z processed order 4290",
        "retry after error cleared",
        "2026-11-27 05:13:18,123 INFO stats error_count=0 warnings=0",
        '172.18.0.1 - - [27/Nov/2026:05:13:18 +0000] "GET /api HTTP/1.1" 200 429 "-" "curl/8.5.0"',
        "2026/11/27 05:13:18 [info] 29#29: *8 client timed out (110: Connection timed out) while waiting "
        "for request, client: 10.0.0.5, server: 0.0.0.0:443",
    ],
)
def test_healthy_lines_match_nothing(line: str) -> None:
    for kinds in (None, "postgres", "redis", "nginx", "python"):
        assert match_line(line, kinds) is None, kinds


@pytest.mark.parametrize(
    "line",
    [
        '172.18.0.1 - - [27/Nov/2026:05:13:18 +0000] "GET /api HTTP/1.1" 429 162 "-" "python-requests/2.31"',
        "HTTP/1.1 429 Too Many Requests",
        "upstream answered status=429",
        '{"msg":"call failed","status_code": 429}',
    ],
)
def test_429_only_in_http_status_context(line: str) -> None:
    found = match_line(line)
    assert found is not None and found.id == "general.rate_limited"


def test_detected_kind_wins_over_other_kinds() -> None:
    line = "redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused."
    assert match_line(line, "redis").id == "redis.connection_refused"  # type: ignore[union-attr]
    assert match_line(line, "python").id == "redis.connection_refused"  # type: ignore[union-attr]


def test_generic_patterns_come_after_specific_ones() -> None:
    line = "ConnectionRefusedError: [Errno 111] Connection refused"
    assert match_line(line, "python").id == "general.connection_refused"  # type: ignore[union-attr]
    assert match_line("ValueError: bad input", "python").id == "python.exception"  # type: ignore[union-attr]


def test_every_regex_has_prefilter_keywords() -> None:
    for p in PATTERNS:
        assert required_keywords(p.regex), p.id


def test_required_keywords_are_sound() -> None:
    assert required_keywords(r"foo\d+barbaz") == {"barbaz"}
    assert required_keywords(r"(?:Error|Exit)Code") == {"errorcode", "exitcode"}
    assert required_keywords(r"a|bcd") is None
    regex = keyword_regex({"error", "refused", "137", '" 50'})
    assert regex.search("x operationalerror y")
    assert regex.search('"get / http/1.1" 502 1')
    assert not regex.search("erro r refuse 13 7")


@pytest.mark.parametrize(
    ("image", "service", "kind"),
    [
        ("postgres:16-alpine", "db", "postgres"),
        ("postgis/postgis:16-3.4", "gis", "postgres"),
        ("timescale/timescaledb:latest-pg16", "tsdb", "postgres"),
        ("redis:7", "cache", "redis"),
        ("valkey/valkey:8", "cache", "redis"),
        ("eqalpha/keydb", "kv", "redis"),
        ("nginx:1.25", "web", "nginx"),
        ("openresty/openresty:alpine", "edge", "nginx"),
        ("mysql:8.0", "db", "mysql"),
        ("mariadb:11", "db", "mysql"),
        ("percona/percona-server:8.0", "db", "mysql"),
        ("mongo:7", "db", "mongodb"),
        ("ghcr.io/acme/api:1.2", "postgres", "postgres"),
        ("python:3.12-slim", "worker", "python"),
        ("node:20", "web", "node"),
        ("eclipse-temurin:21", "api", "java"),
        ("prometheuscommunity/postgres-exporter", "pg-exporter", None),
        ("mongo-express", "mongo-ui", None),
        ("ghcr.io/acme/api:1.2", "api", None),
        ("registry.example.com:5000/team/redis:7@sha256:abc", "x", "redis"),
        ("rabbitmq:3-management", "queue", "rabbitmq"),
        ("bitnami/rabbitmq:3.13", "broker", "rabbitmq"),
        ("bitnami/kafka:3.7", "events", "kafka"),
        ("confluentinc/cp-kafka:7.6.0", "broker", "kafka"),
        ("apache/kafka-native:3.8.0", "bus", "kafka"),
        ("provectuslabs/kafka-ui", "kafka-ui", None),
        ("confluentinc/cp-kafka-connect:7.6.0", "connect", None),
        ("docker.elastic.co/elasticsearch/elasticsearch:8.13.0", "search", "elasticsearch"),
        ("opensearchproject/opensearch:2", "search", "elasticsearch"),
        ("opensearchproject/opensearch-dashboards:2", "dashboards", None),
        ("docker.elastic.co/kibana/kibana:8.13.0", "kibana", None),
        ("traefik:v3.0", "gateway", "traefik"),
        ("thomseddon/traefik-forward-auth:2", "auth", None),
        ("caddy:2-alpine", "gateway", "caddy"),
        ("lucaslorentz/caddy-docker-proxy:2.9", "edge", "caddy"),
        ("haproxy:2.9", "lb", "haproxy"),
        ("haproxytech/haproxy-alpine:2.9", "lb", "haproxy"),
        ("memcached:1.6-alpine", "cache", "memcached"),
        ("minio/minio:RELEASE.2024-05-10T01-41-38Z", "s3", "minio"),
        ("minio/mc", "s3-init", None),
        ("bitnami/minio-client", "mc", None),
        ("mariadb:11", "db", "mysql"),
        ("percona/percona-server-mongodb:7.0", "db", "mongodb"),
        ("php:8.3-fpm-alpine", "app", "php"),
        ("phpmyadmin:5", "pma", None),
        ("ghcr.io/acme/shop:1.4", "celery-worker", "celery"),
        ("tiangolo/uvicorn-gunicorn-fastapi:python3.11", "api", "gunicorn"),
        ("ghcr.io/acme/shop:1.4", "queue", None),
        ("ghcr.io/acme/shop:1.4", "orders-kafka-consumer", None),
    ],
)
def test_detect_kind(image: str, service: str, kind: str | None) -> None:
    assert detect_kind(image, service) == kind
