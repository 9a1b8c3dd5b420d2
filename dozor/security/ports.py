"""Ports that must never face the internet: datastores, queues, cluster stores and admin APIs."""

from __future__ import annotations

SENSITIVE_PORTS: dict[int, str] = {
    5432: "PostgreSQL",
    3306: "MySQL/MariaDB",
    33060: "MySQL X protocol",
    1433: "SQL Server",
    1521: "Oracle",
    6379: "Redis",
    26379: "Redis Sentinel",
    27017: "MongoDB",
    27018: "MongoDB",
    27019: "MongoDB",
    9200: "Elasticsearch",
    9300: "Elasticsearch transport",
    5601: "Kibana",
    2379: "etcd",
    2380: "etcd peer",
    11211: "memcached",
    2375: "Docker API (plain)",
    2376: "Docker API (TLS)",
    5984: "CouchDB",
    8086: "InfluxDB",
    9042: "Cassandra",
    5672: "RabbitMQ AMQP",
    15672: "RabbitMQ management",
    9092: "Kafka",
    2181: "ZooKeeper",
    8123: "ClickHouse HTTP",
    9000: "ClickHouse native / MinIO / PHP-FPM",
    7474: "Neo4j HTTP",
    7687: "Neo4j Bolt",
    8500: "Consul",
    4369: "Erlang port mapper",
    10250: "kubelet",
    28015: "RethinkDB",
    8529: "ArangoDB",
}

# Service kinds (dozor.analysis.patterns.detect_kind) that are datastores whatever port they use.
DATASTORE_KINDS = frozenset({"postgres", "mysql", "redis", "mongodb"})


def port_label(port: int) -> str | None:
    """What usually listens on ``port`` when it is a datastore or admin port, else None."""
    return SENSITIVE_PORTS.get(port)


__all__ = ["DATASTORE_KINDS", "SENSITIVE_PORTS", "port_label"]
