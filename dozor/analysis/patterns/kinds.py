"""What kind of software a service is: from its image and name, or from the lines its own log prints."""

from __future__ import annotations

import re
from collections.abc import Iterable

from dozor.analysis.patterns.base import KINDS

# (kind, name regex). Checked against the image's repository name first, then the service name. Order
# matters: the first rule that matches wins (mongo before mysql: percona-server-mongodb is MongoDB).
_KIND_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("postgres", re.compile(r"postgres|postgis|timescale|pgvector|^pg$|paradedb|supabase-db")),
    ("redis", re.compile(r"redis|valkey|keydb|dragonfly")),
    ("nginx", re.compile(r"nginx|openresty|tengine|angie")),
    ("mongodb", re.compile(r"mongo")),
    ("mysql", re.compile(r"mysql|mariadb|percona")),
    ("rabbitmq", re.compile(r"rabbitmq")),
    ("kafka", re.compile(r"^(?:cp-)?kafka(?:[-_]?(?:\d+|broker\d*|native|server|kraft))?$|^cp-server$")),
    ("elasticsearch", re.compile(r"^(?:elasticsearch|opensearch)(?:$|[-_\d])")),
    ("traefik", re.compile(r"^traefik(?:[-_]?\d+)?$")),
    ("caddy", re.compile(r"^caddy(?:$|[-_\d])")),
    ("haproxy", re.compile(r"^haproxy(?:$|[-_\d])")),
    ("memcached", re.compile(r"^memcached?(?:$|[-_\d])")),
    ("minio", re.compile(r"^minio(?:$|[-_\d])")),
    ("gunicorn", re.compile(r"^gunicorn(?:$|[-_])|^uvicorn-gunicorn")),
    ("uvicorn", re.compile(r"^uvicorn(?:$|[-_])")),
    ("celery", re.compile(r"^celery(?:$|[-_])")),
    ("php", re.compile(r"^php(?:$|[-_\d])")),
    ("python", re.compile(r"^python$|^pypy$")),
    ("node", re.compile(r"^node$|^bun$|^deno$")),
    ("java", re.compile(r"openjdk|temurin|corretto|^java$|^tomcat$|^jetty$|zulu")),
    ("go", re.compile(r"^golang$")),
)
# Tools named after a service but which are not it (exporters, admin UIs, clients, backup sidecars).
_NOT_THE_SERVICE = re.compile(
    r"exporter|commander|express|insight|admin|backup|operator|proxy-manager|ui$|dashboards|client|console"
    r"|forward-auth|connect|schema-registry|rest-proxy"
)


def _repo_name(image: str) -> str:
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[0].lower()


def detect_kind(image: str, service: str) -> str | None:
    """The service kind (``postgres``, ``rabbitmq``, ...) guessed from image and service names, or None."""
    for name in (_repo_name(image), service.lower()):
        if not name or _NOT_THE_SERVICE.search(name):
            continue
        for kind, rule in _KIND_RULES:
            if rule.search(name):
                return kind
    return None


# What a service's own log says it is: line shapes only the software itself prints. A kind needs
# ``_CONTENT_MIN_LINES`` matching lines (one stray quote in an app's log is not enough), except the
# signatures marked strong (a whole traceback header, a goroutine dump, a startup banner), where one
# suffices. A client's report of a server's error (redis-py printing Redis's "OOM command not allowed",
# pika printing a broker's refusal) says what the service talks to, not what it is: it never makes a kind
# (the pattern still matches; the incident rules link it).
_CONTENT_RULES: tuple[tuple[str, bool, re.Pattern[str]], ...] = (
    # nginx error log: "2026/11/27 05:13:18 [error] 29#29: *1 ..." (level, pid#tid)
    ("nginx", False, re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} \[(?:emerg|alert|crit|error|warn|notice|info)\] "
                                r"\d+#\d+: ")),
    # PostgreSQL: "2026-11-27 05:13:18.123 UTC [42] FATAL:  ..." (two spaces after the level)
    ("postgres", False, re.compile(r"\[\d+\] (?:[\w@.\[\] -]+ )?(?:LOG|FATAL|ERROR|PANIC|WARNING|DETAIL|HINT|"
                                   r"STATEMENT):  \S")),
    # redis-server: "1:M 27 Nov 2026 05:13:18.123 * Ready to accept connections"
    ("redis", False, re.compile(r"^\d+:[MSCX] \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} [*#.-] ")),
    # MySQL / MariaDB: "2026-11-27T05:13:18.123456Z 12 [ERROR] [MY-010123] [Server] ..." / mariadbd lines
    ("mysql", False, re.compile(r" \[(?:ERROR|Warning|Note|System)\] \[MY-\d{6}\] |\bmariadbd?: |\[ERROR\] mysqld: ")),
    # MongoDB structured log: {"t":{"$date":...},"s":"E","c":"NETWORK",...}
    ("mongodb", False, re.compile(r'^\{"t":\{"\$date":"[^"]+"\},"s":"[A-Z]\d?",\s*"c":"')),
    # RabbitMQ 3.9+: "2026-11-27 05:13:18.123456+00:00 [info] <0.230.0> ..." (an Erlang pid after the level);
    # 3.8: "2026-11-27 05:13:18.123 [info] <0.230.0> ..."; before: "=INFO REPORT==== 27-Nov-2026::05:13:18 ==="
    ("rabbitmq", False, re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\.\d+(?:[+-]\d\d:\d\d)? "
                                   r"\[(?:debug|info|notice|warning|warn|error|critical|alert|emergency)\] "
                                   r"<\d+\.\d+\.\d+> |^=(?:INFO|WARNING|ERROR|CRASH|SUPERVISOR) REPORT==== ")),
    ("rabbitmq", True, re.compile(r"^\s*##  ##\s+RabbitMQ \d")),  # the startup banner
    # Kafka broker (log4j "[%d] %p %m (%c)%n"): the logger is a broker class, never a client's
    ("kafka", False, re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] (?:TRACE|DEBUG|INFO|WARN|ERROR|FATAL) "
                                r".*\((?:kafka\.|org\.apache\.kafka\.(?:raft|controller|metadata|storage|image|server"
                                r"|coordinator|queue)\.)[\w.$]+\)$")),
    # Elasticsearch / OpenSearch: "[2026-11-27T05:13:18,123][INFO ][o.e.n.Node  ] [node-1] started", the 7.x
    # JSON lines ({"type": "server", ..., "component": "o.e.n.Node"}) and 8.x ECS JSON
    ("elasticsearch", False, re.compile(r"^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d{3}\]\[(?:TRACE|DEBUG|INFO|WARN|ERROR"
                                        r"|FATAL) ?\]\[o\.[eo]\.|\"component\": \"o\.[eo]\.[\w.]+\", \"cluster\.name\""
                                        r"|\"event\.dataset\":\"elasticsearch\.")),
    # Traefik: v2 logrus and v3 zerolog lines carry its own keys; its access log ends with the router name
    # ("web@docker"), the backend URL and the duration
    ("traefik", False, re.compile(r"^(?:time=\"[^\"]+\" level=\w+ msg=|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S* "
                                  r"(?:TRC|DBG|INF|WRN|ERR|FTL|PNC) ).*\b(?:providerName|entryPointName|routerName"
                                  r"|middlewareName|serviceName)=|\" \d+ \"[^\"@ ]+@[\w-]+\" \"[^\"]*\" \d+ms$")),
    ("traefik", True, re.compile(r"Traefik version v?\d+\.\d+\.\d+ built on ")),
    # Caddy: zap JSON with one of its own loggers, or the console encoder's tab-separated equivalent
    ("caddy", False, re.compile(r"^\{\"level\":\"(?:debug|info|warn|error|panic|fatal)\",\"ts\":\d+(?:\.\d+)?,"
                                r"\"logger\":\"(?:http|tls|admin|pki|events|docker-proxy)[\".]"
                                r"|\t(?:DEBUG|INFO|WARN|ERROR)\t(?:http\.log|tls\.(?:obtain|issuance|cache)|admin)\b")),
    # HAProxy: "[WARNING]  (8) : Server app/app1 is DOWN..." (2.4+) or "[ALERT] 330/051318 (1) : ...", and its
    # HTTP log ("10.0.0.5:51234 [27/Nov/2026:05:13:18.123] http-in app/app1 0/0/1/2/3 200 ...")
    ("haproxy", False, re.compile(r"^\[(?:NOTICE|WARNING|ALERT|EMERG)\] +(?:\d{3}/\d{6} )?\(\d+\) : "
                                  r"|\d:\d+ \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] \S+ \S+/\S+ "
                                  r"-?\d+/-?\d+/-?\d+/-?\d+/\+?\d+ \d{3} ")),
    # memcached -v: "<26 server listening (auto-negotiate)", "<27 new auto-negotiating client connection"
    ("memcached", False, re.compile(r"^<\d+ (?:server listening|new (?:auto-negotiating|binary|ascii) client "
                                    r"connection)|^[<>]\d+ connection closed\.$")),
    # MinIO: its banner and its error blocks ("API: SYSTEM.storage" / "API: SYSTEM()")
    ("minio", False, re.compile(r"^API: SYSTEM[.(]|^Version: RELEASE\.\d{4}-|^Status: +\d+ Online, \d+ Offline\."
                                r"|^API: https?://\S+ ")),
    ("minio", True, re.compile(r"^MinIO Object Storage Server$|^Copyright: \d{4}-\d{4} MinIO, Inc\.")),
    # gunicorn: "[2026-11-27 05:13:18 +0000] [1] [INFO] Booting worker with pid: 7"
    ("gunicorn", False, re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] "
                                   r"\[(?:DEBUG|INFO|WARNING|ERROR|CRITICAL)\] ")),
    # uvicorn: the level padded to nine columns ("INFO:     ", "ERROR:    ", "WARNING:  ")
    ("uvicorn", False, re.compile(r"^(?:INFO: {5}|ERROR: {4}|WARNING: {2}|DEBUG: {4}|CRITICAL: |TRACE: {4})\S")),
    # celery: "[2026-11-27 05:13:18,123: INFO/MainProcess] ..." and the worker banner
    ("celery", False, re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}: (?:DEBUG|INFO|WARNING|ERROR|CRITICAL)"
                                 r"/[\w-]+\] ")),
    ("celery", True, re.compile(r"^ -------------- \S+@\S+ v\d+\.\d+")),
    # php-fpm: "[27-Nov-2026 05:13:18] NOTICE: fpm is running, pid 1"
    ("php", False, re.compile(r"^\[\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d(?:\.\d+)?\] (?:NOTICE|WARNING|ERROR|ALERT"
                              r"|DEBUG): ")),
    ("python", True, re.compile(r"^\s*Traceback \(most recent call last\):\s*$")),
    ("java", False, re.compile(r'^Exception in thread "[^"]+" [\w.$]+(?:Exception|Error)\b'
                               r"|^\s+at [\w.$<>]+\([\w$]+\.(?:java|kt|scala):\d+\)$"
                               r"|^Caused by: [\w.$]+(?:Exception|Error)\b")),
    ("node", False, re.compile(r"^\s+at (?:async )?\S.*\((?:node:internal/|/[^()]*\.(?:c|m)?js:\d+:\d+\))"
                               r"|^\s+at (?:node:internal/|/[^()\s]*\.(?:c|m)?js:\d+:\d+$)"
                               r"|^\[UnhandledPromiseRejection: |^node:internal/")),
    ("go", True, re.compile(r"^goroutine \d+ \[(?:running|runnable|syscall|chan receive|select|IO wait)[^\]]*\]:$")),
    ("go", False, re.compile(r"^panic: \S")),
)
_CONTENT_MIN_LINES = 2


def detect_kind_from_log(lines: Iterable[str]) -> str | None:
    """The service kind recognised from what its log says (nginx error lines, PostgreSQL ``FATAL:  ``,
    redis-server's, RabbitMQ's, Kafka's, Elasticsearch's... own line formats, Python/Java/Node/Go
    tracebacks), or None.

    The kind with the most matching lines wins; service kinds before app kinds on a tie. Lines are the
    log text without docker's timestamp prefix.
    """
    hits: dict[str, int] = {}
    strong: set[str] = set()
    for line in lines:
        for kind, is_strong, rule in _CONTENT_RULES:
            if rule.search(line):
                hits[kind] = hits.get(kind, 0) + 1
                if is_strong:
                    strong.add(kind)
                break
    found = [k for k, n in hits.items() if n >= _CONTENT_MIN_LINES or k in strong]
    if not found:
        return None
    return max(found, key=lambda k: (hits[k], -KINDS.index(k)))
