"""The report as node_exporter textfile-collector metrics, for existing Prometheus alerting."""

from __future__ import annotations

from dozor.model.severity import Severity
from dozor.report.models import FleetReport


def _label(value: object) -> str:
    """Escape a label value per the exposition format (backslash, quote, newline)."""
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(**kv: object) -> str:
    return "{" + ",".join(f'{k}="{_label(v)}"' for k, v in kv.items() if v is not None) + "}"


def _num(value: float) -> str:
    """Integers as integers, floats in full (``%g`` would round a unix time to 6 digits)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def render_prometheus(report: FleetReport) -> str:
    """Gauges: alerts per host and severity, host up, one series per active alert, run metadata."""
    lines: list[str] = []

    def metric(name: str, help_: str, samples: list[tuple[str, float]]) -> None:
        lines.append(f"# HELP {name} {help_}")
        lines.append(f"# TYPE {name} gauge")
        lines.extend(f"{name}{labels} {_num(value)}" for labels, value in samples)

    metric("dozor_host_up", "1 when the host answered the last dozor run, else 0.",
           [(_labels(host=h.host, status=h.status.value), 1 if h.answered else 0) for h in report.hosts])
    metric("dozor_alerts", "Active alerts per host and severity.",
           [(_labels(severity=s.value, host=h.host), sum(1 for a in h.problems() if a.severity is s))
            for h in report.hosts for s in Severity])
    metric("dozor_alert", "One series per active alert (value 1).",
           [(_labels(severity=a.severity.value, host=a.host, project=a.project, service=a.service,
                     code=a.code.value, subject=a.subject), 1) for a in report.active_alerts])
    metric("dozor_alerts_silenced", "Alerts a silence keeps out of the series above (dozor silence list).",
           [("", sum(1 for a in report.alerts if a.silenced_by))])
    metric("dozor_alerts_total", "Active alerts across the fleet per severity.",
           [(_labels(severity=s), n) for s, n in report.counts.items()])
    metric("dozor_incidents", "Incidents (alerts grouped by root cause) per severity.",
           [(_labels(severity=s.value), sum(1 for i in report.incidents if i.severity is s)) for s in Severity])
    metric("dozor_hosts", "Hosts selected by the run.", [("", len(report.hosts))])
    metric("dozor_hosts_answered", "Hosts that answered the run.", [("", len(report.answered))])
    if report.changes is not None:
        metric("dozor_alerts_new", "Alerts new since the previous run.", [("", len(report.changes.new))])
        metric("dozor_alerts_resolved", "Alerts resolved since the previous run.",
               [("", len(report.changes.resolved))])
    metric("dozor_report_exit_code", "Exit code of the run: 0 ok, 1 warnings, 2 critical, 3 hosts unreachable.",
           [("", report.exit_code)])
    metric("dozor_last_run_timestamp_seconds", "When the run finished (unix time).",
           [("", report.generated_at.timestamp())])
    return "\n".join(lines) + "\n"


__all__ = ["render_prometheus"]
