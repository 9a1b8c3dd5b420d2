"""The error-pattern library: known log lines of common services, kept as data.

One module per software family (``postgres``, ``rabbitmq``, ``haproxy``...), each a tuple of
``Pattern``. Every pattern carries real-format ``examples`` (lines it must match, as the software
prints them), ``near_misses`` (similar lines it must not match) and its ``source`` (the program's
source file that prints the wording, or its documentation), so the test suite can check the whole
library generically. To add a pattern, append one entry to the tuple of its family; a new family is a
new module, its kind in ``base.SERVICE_KINDS`` or ``base.APP_KINDS`` and its tuple in ``PATTERNS`` below.
"""

from __future__ import annotations

from dozor.analysis.patterns.base import APP_KINDS, KINDS, SERVICE_KINDS, SEVERITIES, Pattern, Severity
from dozor.analysis.patterns.caddy import CADDY
from dozor.analysis.patterns.celery import CELERY
from dozor.analysis.patterns.docker import DOCKER
from dozor.analysis.patterns.elasticsearch import ELASTICSEARCH
from dozor.analysis.patterns.general import GENERAL
from dozor.analysis.patterns.go import GO
from dozor.analysis.patterns.gunicorn import GUNICORN
from dozor.analysis.patterns.haproxy import HAPROXY
from dozor.analysis.patterns.java import JAVA
from dozor.analysis.patterns.kafka import KAFKA
from dozor.analysis.patterns.kinds import detect_kind, detect_kind_from_log
from dozor.analysis.patterns.memcached import MEMCACHED
from dozor.analysis.patterns.minio import MINIO
from dozor.analysis.patterns.mongodb import MONGODB
from dozor.analysis.patterns.mysql import MYSQL
from dozor.analysis.patterns.nginx import NGINX
from dozor.analysis.patterns.node import NODE
from dozor.analysis.patterns.php import PHP
from dozor.analysis.patterns.postgres import POSTGRES
from dozor.analysis.patterns.python import PYTHON
from dozor.analysis.patterns.rabbitmq import RABBITMQ
from dozor.analysis.patterns.redis import REDIS
from dozor.analysis.patterns.traefik import TRAEFIK
from dozor.analysis.patterns.uvicorn import UVICORN

PATTERNS: tuple[Pattern, ...] = (
    *POSTGRES,
    *REDIS,
    *NGINX,
    *MYSQL,
    *MONGODB,
    *RABBITMQ,
    *KAFKA,
    *ELASTICSEARCH,
    *TRAEFIK,
    *CADDY,
    *HAPROXY,
    *MEMCACHED,
    *MINIO,
    *DOCKER,
    *PYTHON,
    *NODE,
    *JAVA,
    *GO,
    *GUNICORN,
    *UVICORN,
    *CELERY,
    *PHP,
    *GENERAL,
)
PATTERNS_BY_ID: dict[str, Pattern] = {p.id: p for p in PATTERNS}

__all__ = [
    "APP_KINDS",
    "CADDY",
    "CELERY",
    "DOCKER",
    "ELASTICSEARCH",
    "GENERAL",
    "GO",
    "GUNICORN",
    "HAPROXY",
    "JAVA",
    "KAFKA",
    "KINDS",
    "MEMCACHED",
    "MINIO",
    "MONGODB",
    "MYSQL",
    "NGINX",
    "NODE",
    "PATTERNS",
    "PATTERNS_BY_ID",
    "PHP",
    "POSTGRES",
    "PYTHON",
    "RABBITMQ",
    "REDIS",
    "SERVICE_KINDS",
    "SEVERITIES",
    "TRAEFIK",
    "UVICORN",
    "Pattern",
    "Severity",
    "detect_kind",
    "detect_kind_from_log",
]
