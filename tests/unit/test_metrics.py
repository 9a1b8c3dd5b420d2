"""Prometheus metrics through prometheus_client: the same series dashboards read before, and the negotiation."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families

from dozor.render.report_prometheus import exposition, render_prometheus, report_registry
from dozor.report.alerts import AlertCode, Severity
from dozor.report.memory import recall
from dozor.reports import DiagnosisReport
from tests.unit.report_factory import alert, host_ok
from tests.unit.test_report_render import fifty_host_fleet

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "metrics" / "report_before_prometheus_client.prom"


def sample_report(state_dir: Path) -> DiagnosisReport:
    """Fifty hosts with problems, a label value that needs escaping, and the changes since a (first) run."""
    r = fifty_host_fleet()
    hosts = [*r.hosts, host_ok("odd", [alert("odd", "api", AlertCode.LOG_PATTERN, Severity.WARNING,
                                             subject='say "hi" \\ to\nall')])]
    from dozor.report.build import build_fleet_report
    from tests.unit.report_factory import NOW

    path = state_dir / "memory.json"
    path.unlink(missing_ok=True)  # a first run: every alert is new
    report, _ = recall(build_fleet_report(hosts, now=NOW), path, selection="t")
    return DiagnosisReport.of(report)


def _series(text: str, parse=text_string_to_metric_families) -> dict[tuple[str, frozenset], float]:
    """Every sample as (name, label set without empty labels) -> value: what Prometheus stores."""
    out = {}
    for family in parse(text):
        assert family.type == "gauge", family.name
        for s in family.samples:
            key = (s.name, frozenset((k, v) for k, v in s.labels.items() if v != ""))
            assert key not in out, key
            out[key] = s.value
    return out


def test_the_series_are_the_ones_the_hand_written_renderer_gave(tmp_path: Path) -> None:
    # The fixture is the output of the renderer before prometheus_client (commit f3d6c44), same report.
    before = _series(FIXTURE.read_text())
    now = _series(render_prometheus(sample_report(tmp_path)))
    # One series added since: how many alerts a silence keeps out (none in this report).
    assert now.pop(("dozor_alerts_silenced", frozenset())) == 0
    assert now == before
    assert len(before) > 100
    assert ("dozor_alert", frozenset({("severity", "warning"), ("host", "odd"), ("project", "shop"),
                                      ("service", "api"), ("code", "log_pattern"),
                                      ("subject", 'say "hi" \\ to\nall')})) in now


def test_the_textfile_escapes_and_keeps_the_full_timestamp(tmp_path: Path) -> None:
    report = sample_report(tmp_path)
    text = render_prometheus(report)
    assert 'subject="say \\"hi\\" \\\\ to\\nall"' in text
    (ts,) = [v for (name, _), v in _series(text).items() if name == "dozor_last_run_timestamp_seconds"]
    assert ts == report.generated_at.timestamp()


def test_content_negotiation_gives_openmetrics_or_text(tmp_path: Path) -> None:
    registry = report_registry(sample_report(tmp_path))
    body, ctype = exposition(registry, "application/openmetrics-text; version=1.0.0,text/plain;q=0.5")
    assert ctype.startswith("application/openmetrics-text") and body.endswith(b"# EOF\n")
    assert _series(body.decode(), parse_openmetrics) == _series(render_prometheus(sample_report(tmp_path)))
    for accept in (None, "", "text/plain", "*/*"):
        body, ctype = exposition(registry, accept)
        assert ctype.startswith("text/plain; version=0.0.4") and b"# EOF" not in body
