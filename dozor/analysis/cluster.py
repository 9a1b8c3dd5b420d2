"""Clustering of repeated log messages by template.

A template is the line with its variable parts (timestamps, ids, addresses,
numbers, quoted values, numbered paths) replaced by placeholders, so that
``connect to 10.0.0.5:5432 failed after 3012 ms`` and ``connect to 10.0.0.9:5432
failed after 17 ms`` fall into one cluster.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, Field

_MON = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TIME = r"\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?"
_TOKENS = re.compile(
    "|".join(
        (
            # ISO / postgres / mysql / mariadb ("2026-11-27  5:13:18") timestamps, with zone.
            rf"(?P<ts>\d{{4}}-\d{{2}}-\d{{2}}(?:[T ]| +){_TIME}(?:Z|[+-]\d{{2}}:?\d{{2}}| ?UTC)?"
            # nginx error log, access log, redis, syslog, bare clock time.
            rf"|\d{{4}}/\d{{2}}/\d{{2}} {_TIME}"
            rf"|\d{{2}}/{_MON}/\d{{4}}:{_TIME}(?: [+-]\d{{4}})?"
            rf"|\d{{1,2}} {_MON} \d{{4}} {_TIME}"
            rf"|{_MON} +\d{{1,2}} {_TIME}"
            rf"|\b{_TIME})",
            r"(?P<uuid>\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)",
            r"(?P<ip>\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b"
            # IPv6: compressed ("::") or full eight groups, with a digit somewhere; optional [..]:port.
            r"|\[?(?<![\w:.])(?=[0-9a-fA-F:]*\d)(?=[0-9a-fA-F:]*::|(?:[0-9a-fA-F]{1,4}:){7})"
            r"(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}(?![\w:])(?:\](?::\d+)?)?)",
            r"(?P<quoted>\"[^\"\n]*\"|'[^'\n]*')",
            r"(?P<path>(?<![\w/])(?:/[\w.@%+-]*)*/[\w.@%+-]*\d[\w.@%+-]*(?:/[\w.@%+-]*)*)",
            r"(?P<hex>\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b)",
            r"(?P<num>(?<![\w.])[-+]?\d+(?:\.\d+)?(?![\w.])|\b\d+(?=ms\b|s\b|[kKMG]i?B\b|%))",
        )
    )
)
_PLACEHOLDER = {
    "ts": "<ts>",
    "uuid": "<uuid>",
    "ip": "<ip>",
    "quoted": '"<*>"',
    "path": "<path>",
    "hex": "<hex>",
    "num": "<n>",
}
_SPACES = re.compile(r"\s+")
EXAMPLE_LIMIT = 300


def _placeholder(m: re.Match[str]) -> str:
    return _PLACEHOLDER[m.lastgroup or "num"]


def template_of(line: str) -> str:
    """The line with its variable parts replaced by placeholders (``<ts>``, ``<ip>``, ``<n>`` ...)."""
    return _SPACES.sub(" ", _TOKENS.sub(_placeholder, line)).strip()


class Cluster(BaseModel):
    """Lines that share one template."""

    template: str = Field(description="The line with variable parts replaced by placeholders.")
    example: str = Field(description="The latest line of the cluster, cut to 300 characters.")
    count: int = Field(description="How many lines fell into the cluster.")
    first_seen: datetime | None = Field(default=None, description="Earliest line timestamp, when known.")
    last_seen: datetime | None = Field(default=None, description="Latest line timestamp, when known.")
    pattern_id: str | None = Field(default=None, description="The library pattern the lines match, if any.")


class Clusterer:
    """Accumulates lines into clusters; ``clusters()`` returns them, biggest first."""

    def __init__(self) -> None:
        self._by_template: dict[str, Cluster] = {}

    def add(self, line: str, ts: datetime | None = None, pattern_id: str | None = None) -> Cluster:
        """Put ``line`` into its template's cluster and return that cluster."""
        template = template_of(line)
        cluster = self._by_template.get(template)
        if cluster is None:
            cluster = Cluster(template=template, example=line[:EXAMPLE_LIMIT], count=0, pattern_id=pattern_id)
            self._by_template[template] = cluster
        cluster.count += 1
        cluster.example = line[:EXAMPLE_LIMIT]
        if cluster.pattern_id is None:
            cluster.pattern_id = pattern_id
        if ts is not None:
            if cluster.first_seen is None or ts < cluster.first_seen:
                cluster.first_seen = ts
            if cluster.last_seen is None or ts > cluster.last_seen:
                cluster.last_seen = ts
        return cluster

    def clusters(self) -> list[Cluster]:
        """All clusters, by descending count, then template."""
        return sorted(self._by_template.values(), key=lambda c: (-c.count, c.template))

    def __len__(self) -> int:
        return len(self._by_template)


def cluster_lines(lines: Iterable[tuple[datetime | None, str]]) -> list[Cluster]:
    """Cluster ``(timestamp, line)`` pairs by template, biggest cluster first."""
    clusterer = Clusterer()
    for ts, line in lines:
        clusterer.add(line, ts)
    return clusterer.clusters()
