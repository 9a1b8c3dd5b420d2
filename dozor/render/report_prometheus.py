"""The report as Prometheus metrics: the node_exporter textfile (``dozor report --format prometheus``) and the
``/metrics`` answer of ``dozor metrics``, both written by ``prometheus_client``'s exposition code.

The metric names and labels are the ones dashboards already use (``dozor_host_up{host,status}``,
``dozor_alerts{severity,host}``, ``dozor_alert{severity,host,project,service,code,subject}``...). A label dozor
has no value for (an alert without a project) is written empty, which Prometheus reads as absent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from dozor.model.severity import Severity
from dozor.report.models import FleetReport


def _gauge(name: str, help_: str, labels: tuple[str, ...], samples: Iterable[tuple[tuple[object, ...], float]]
           ) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, help_, labels=list(labels))
    for values, value in samples:
        family.add_metric(["" if v is None else str(v) for v in values], float(value))
    return family


def report_metrics(report: FleetReport) -> Iterator[Metric]:
    """Gauges: host up, alerts per host and severity, one series per active alert, incidents, run metadata."""
    yield _gauge("dozor_host_up", "1 when the host answered the last dozor run, else 0.", ("host", "status"),
                 (((h.host, h.status.value), 1 if h.answered else 0) for h in report.hosts))
    yield _gauge("dozor_alerts", "Active alerts per host and severity.", ("severity", "host"),
                 (((s.value, h.host), sum(1 for a in h.problems() if a.severity is s))
                  for h in report.hosts for s in Severity))
    yield _gauge("dozor_alert", "One series per active alert (value 1).",
                 ("severity", "host", "project", "service", "code", "subject"),
                 (((a.severity.value, a.host, a.project, a.service, a.code.value, a.subject), 1)
                  for a in report.active_alerts))
    yield _gauge("dozor_alerts_silenced", "Alerts a silence keeps out of the series above (dozor silence list).",
                 (), [((), sum(1 for a in report.alerts if a.silenced_by))])
    yield _gauge("dozor_alerts_total", "Active alerts across the fleet per severity.", ("severity",),
                 (((s,), n) for s, n in report.counts.items()))
    yield _gauge("dozor_incidents", "Incidents (alerts grouped by root cause) per severity.", ("severity",),
                 (((s.value,), sum(1 for i in report.incidents if i.severity is s)) for s in Severity))
    yield _gauge("dozor_hosts", "Hosts selected by the run.", (), [((), len(report.hosts))])
    yield _gauge("dozor_hosts_answered", "Hosts that answered the run.", (), [((), len(report.answered))])
    if report.changes is not None:
        yield _gauge("dozor_alerts_new", "Alerts new since the previous run.", (), [((), len(report.changes.new))])
        yield _gauge("dozor_alerts_resolved", "Alerts resolved since the previous run.", (),
                     [((), len(report.changes.resolved))])
    yield _gauge("dozor_report_exit_code",
                 "Exit code of the run: 0 ok, 1 warnings, 2 critical, 3 hosts unreachable.", (),
                 [((), report.exit_code)])
    yield _gauge("dozor_last_run_timestamp_seconds", "When the run finished (unix time).", (),
                 [((), report.generated_at.timestamp())])


class ReportCollector(Collector):
    """A ``prometheus_client`` collector over one report (``registry.register(ReportCollector(report))``)."""

    def __init__(self, report: FleetReport) -> None:
        self.report = report

    def collect(self) -> Iterator[Metric]:
        """The report's gauges (:func:`report_metrics`)."""
        return report_metrics(self.report)


def report_registry(report: FleetReport) -> CollectorRegistry:
    """A registry holding only ``report``'s metrics (no process or platform collectors)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ReportCollector(report))
    return registry


def render_prometheus(report: FleetReport) -> str:
    """The Prometheus text format (0.0.4), for node_exporter's textfile collector."""
    return generate_latest(report_registry(report)).decode()


def exposition(registry: CollectorRegistry, accept: str | None) -> tuple[bytes, str]:
    """The registry in the format the scraper's ``Accept`` header asks for (OpenMetrics or text), and its
    content type: ``prometheus_client``'s own negotiation."""
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type


__all__ = ["ReportCollector", "exposition", "render_prometheus", "report_metrics", "report_registry"]
