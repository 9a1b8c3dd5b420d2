"""The service kind recognised from what its log says (``detect_kind_from_log``): real-format positives and
near misses. The lines are the software's own formats (docker's timestamp prefix already split off)."""

from __future__ import annotations

import pytest

from dozor.analysis import analyze_lines
from dozor.analysis.patterns import detect_kind_from_log

NGINX = [
    "2026/11/27 05:13:18 [notice] 1#1: start worker processes",
    "2026/11/27 05:13:19 [error] 29#29: *1 connect() failed (111: Connection refused) while connecting to upstream, "
    'client: 10.0.0.5, server: shop.example, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:8000/"',
]
POSTGRES = [
    '2026-11-27 05:13:18.123 UTC [42] FATAL:  password authentication failed for user "app"',
    '2026-11-27 05:13:18.123 UTC [42] DETAIL:  Connection matched pg_hba.conf line 100: "host all all all md5"',
    "2026-11-27 05:13:19.001 UTC [1] LOG:  database system is ready to accept connections",
]
REDIS_SERVER = [
    "1:C 27 Nov 2026 05:13:18.123 * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
    "1:M 27 Nov 2026 05:13:18.125 * Ready to accept connections tcp",
]
REDIS_CLIENT = ["redis.exceptions.OutOfMemoryError: OOM command not allowed when used memory > 'maxmemory'."]
PYTHON = [
    "Traceback (most recent call last):",
    '  File "/app/billing/charge.py", line 88, in charge',
    "ZeroDivisionError: division by zero",
]
JAVA = [
    'Exception in thread "main" java.lang.IllegalStateException: no datasource',
    "\tat com.shop.App.main(App.java:42)",
    "\tat java.base/java.lang.Thread.run(Thread.java:833)",
]
NODE = [
    "TypeError: Cannot read properties of undefined (reading 'id')",
    "    at handler (/app/src/routes/cart.js:17:22)",
    "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
]
GO = ["panic: runtime error: invalid memory address or nil pointer dereference", "goroutine 1 [running]:"]
MONGO = [
    '{"t":{"$date":"2026-11-27T05:13:18.123+00:00"},"s":"I",  "c":"NETWORK",  "id":23015, "msg":"Listening on"}',
    '{"t":{"$date":"2026-11-27T05:13:18.200+00:00"},"s":"E",  "c":"STORAGE",  "id":22435, "msg":"WiredTiger error"}',
]

RABBITMQ = [
    "2026-11-27 05:13:18.123456+00:00 [info] <0.230.0> Starting RabbitMQ 3.13.2 on Erlang 26.2.5",
    "2026-11-27 05:13:19.001234+00:00 [info] <0.1021.0> accepting AMQP connection <0.1021.0> "
    "(172.18.0.5:51234 -> 172.18.0.3:5672)",
]
RABBITMQ_OLD = ["=INFO REPORT==== 27-Nov-2026::05:13:18 ===", "=WARNING REPORT==== 27-Nov-2026::05:13:19 ==="]
RABBITMQ_BANNER = ["  ##  ##      RabbitMQ 3.13.2"]
RABBITMQ_CLIENT = [
    "pika.exceptions.AMQPConnectionError",
    "2026-11-27 05:13:18,123 ERROR pika.adapters.utils.connection_workflow: AMQPConnector - reporting failure: "
    "AMQPConnectorSocketConnectError: ConnectionRefusedError(111, 'Connection refused')",
]
KAFKA = [
    "[2026-11-27 05:13:18,123] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)",
    "[2026-11-27 05:13:19,456] INFO [Partition orders-0 broker=1] Shrinking ISR from 1,2,3 to 1,3. Leader: "
    "(highWatermark: 150, endOffset: 150). Out of sync replicas: (brokerId: 2, endOffset: 132). "
    "(kafka.cluster.Partition)",
]
KAFKA_CLIENT = [
    "[2026-11-27 05:13:18,123] WARN [Producer clientId=producer-1] Connection to node -1 (kafka/172.18.0.3:9092) "
    "could not be established. Broker may not be available. (org.apache.kafka.clients.NetworkClient)",
] * 3
ELASTICSEARCH = [
    "[2026-11-27T05:13:18,123][INFO ][o.e.n.Node               ] [es01] started {es01}{I6rPVGlWTzqPrbJvFboLXQ}",
    "[2026-11-27T05:13:19,001][WARN ][o.e.c.r.a.DiskThresholdMonitor] [es01] high disk watermark [90%] exceeded",
]
ELASTICSEARCH_ECS = [
    '{"@timestamp":"2026-11-27T05:13:18.123Z", "log.level": "INFO", "message":"started", "ecs.version": "1.2.0",'
    '"service.name":"ES_ECS","event.dataset":"elasticsearch.server","process.thread.name":"main",'
    '"log.logger":"org.elasticsearch.node.Node"}',
] * 2
TRAEFIK_V2 = [
    'time="2026-11-27T05:13:18Z" level=info msg="Starting provider *docker.Provider" providerName=docker',
    'time="2026-11-27T05:13:19Z" level=error msg="Unable to obtain ACME certificate for domains" '
    "providerName=letsencrypt.acme",
]
TRAEFIK_ACCESS = [
    '172.18.0.1 - - [27/Nov/2026:05:13:18 +0000] "GET / HTTP/2.0" 200 512 "-" "Mozilla/5.0" 41 "shop@docker" '
    '"http://172.18.0.4:8000" 3ms',
] * 2
CADDY = [
    '{"level":"info","ts":1795849998.123,"logger":"http.log.access","msg":"handled request","status":200}',
    '{"level":"error","ts":1795849999.001,"logger":"http.log.error","msg":"dial tcp 172.18.0.4:8000: connect: '
    'connection refused","status":502}',
]
HAPROXY = [
    "[NOTICE]   (1) : New worker (8) forked",
    '[WARNING]  (8) : Server app/app1 is DOWN, reason: Layer4 connection problem, info: "Connection refused"',
]
HAPROXY_HTTPLOG = [
    '172.18.0.1:51234 [27/Nov/2026:05:13:18.123] http-in app/app1 0/0/1/2/3 200 512 - - ---- 1/1/0/0/0 0/0 '
    '"GET / HTTP/1.1"',
] * 2
MINIO = ["MinIO Object Storage Server", "Copyright: 2015-2026 MinIO, Inc."]
MEMCACHED = ["<26 server listening (auto-negotiate)", "<27 new auto-negotiating client connection"]
GUNICORN = [
    "[2026-11-27 05:13:18 +0000] [1] [INFO] Starting gunicorn 22.0.0",
    "[2026-11-27 05:13:18 +0000] [1] [INFO] Listening at: http://0.0.0.0:8000 (1)",
]
UVICORN = [
    "INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)",
    'INFO:     172.18.0.1:40000 - "GET /healthz HTTP/1.1" 200 OK',
]
CELERY = [
    "[2026-11-27 05:13:18,123: INFO/MainProcess] Connected to amqp://guest:**@rabbitmq:5672//",
    "[2026-11-27 05:13:19,456: INFO/MainProcess] celery@worker1 ready.",
]
PHP_FPM = [
    "[27-Nov-2026 05:13:18] NOTICE: fpm is running, pid 1",
    "[27-Nov-2026 05:13:18] NOTICE: ready to handle connections",
]


@pytest.mark.parametrize(("lines", "kind"), [
    (NGINX, "nginx"), (POSTGRES, "postgres"), (REDIS_SERVER, "redis"), (REDIS_CLIENT, None),
    (PYTHON, "python"), (JAVA, "java"), (NODE, "node"), (GO, "go"), (MONGO, "mongodb"),
    (RABBITMQ, "rabbitmq"), (RABBITMQ_OLD, "rabbitmq"), (RABBITMQ_BANNER, "rabbitmq"), (RABBITMQ_CLIENT, None),
    (KAFKA, "kafka"), (KAFKA_CLIENT, None), (ELASTICSEARCH, "elasticsearch"), (ELASTICSEARCH_ECS, "elasticsearch"),
    (TRAEFIK_V2, "traefik"), (TRAEFIK_ACCESS, "traefik"), (CADDY, "caddy"), (HAPROXY, "haproxy"),
    (HAPROXY_HTTPLOG, "haproxy"), (MINIO, "minio"), (MEMCACHED, "memcached"), (GUNICORN, "gunicorn"),
    (UVICORN, "uvicorn"), (CELERY, "celery"), (PHP_FPM, "php"),
    ([*CELERY, *PYTHON], "celery"),  # a worker's own lines outnumber one traceback header
])
def test_kind_from_real_log_lines(lines: list[str], kind: str) -> None:
    assert detect_kind_from_log(lines) == kind


@pytest.mark.parametrize("lines", [
    [],
    ["2026-12-07T06:19:00Z INFO feed: poll done items=120 errors=0 failed=0 error=0 retries=0"],
    ['10.0.0.1 - - [27/Nov/2026:05:13:18 +0000] "GET /feed.xml HTTP/1.1" 200 5120 "-" "Feedly/1.0"'] * 5,
    ["connecting to nginx at proxy:80", "nginx upstream configured"],  # mentions, not nginx's format
    ["LOG: starting", "ERROR: could not parse config"],  # one space, no [pid]: not PostgreSQL
    ["no traceback available for job 12", "Traceback printing disabled"],
    ["2026/11/27 05:13:18 [error] 29#29: *1 connect() failed"],  # a single nginx line is not enough
    ["panic: 0 panics so far"],  # a single panic-looking line is not enough
    ["redis: connected to redis:6379, used memory 1.2M"],
    # apps that talk to the new backends, in their own words: what they use, not what they are
    ["connected to rabbitmq at queue:5672", "published 12 messages to exchange events"],
    ["kafka producer started, bootstrap servers kafka:9092", "sent 120 records to topic orders"],
    ['time="2026-11-27T05:13:18Z" level=info msg="request handled" path=/api status=200'] * 3,  # plain logrus
    ['{"level":"info","ts":1795849998.123,"msg":"request handled","status":200}'] * 3,  # plain zap, no caddy logger
    ["INFO: request handled in 12ms", "ERROR: could not parse config"],  # not uvicorn's padding
])
def test_near_misses_detect_nothing(lines: list[str]) -> None:
    assert detect_kind_from_log(lines) is None


def test_server_format_wins_over_quoted_client_errors() -> None:
    # an nginx fronting a Python app that quotes one traceback header: nginx's own lines dominate
    assert detect_kind_from_log([*NGINX, *NGINX, "Traceback (most recent call last):"]) == "nginx"


def test_patterns_of_any_kind_match_without_a_kind() -> None:
    """The redis client error and nginx's upstream error are found in a service of unknown kind."""
    lines = [(None, REDIS_CLIENT[0]), (None, NGINX[1])]
    found = {f.pattern_id for f in analyze_lines(lines, kind=None).findings}
    assert {"redis.oom", "nginx.upstream_refused"} <= found
