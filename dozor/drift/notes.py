"""What the diagnosis says when a service fails on some of its hosts and not on others, and those hosts are
configured differently: 'proxy fails on web2 only; web2 differs from web1: image edge/proxy:2 vs 1 …'.

Pure: the host reports' alerts plus the drift of the services, in; notes and alerts with the note appended
to their evidence, out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dozor.drift.compare import compare
from dozor.drift.config import ServiceConfig
from dozor.drift.models import DriftNote, ServiceDrift
from dozor.model.severity import Severity
from dozor.report.alerts import Alert
from dozor.report.models import HostReport

NOTE_DIFFERENCES = 4
"""Most differences one note names per group of hosts (the rest are counted)."""


def _failing(alerts: Iterable[Alert]) -> dict[tuple[str, str], set[str]]:
    """(project, service) → hosts with a warning or critical alert about it."""
    out: dict[tuple[str, str], set[str]] = {}
    for a in alerts:
        if a.project is not None and a.service is not None and a.severity is not Severity.INFO:
            out.setdefault((a.project, a.service), set()).add(a.host)
    return out


def _group_text(hosts: Sequence[str], reference: Sequence[str], texts: Sequence[str]) -> str:
    shown = list(texts[:NOTE_DIFFERENCES]) + ([f"… {len(texts) - NOTE_DIFFERENCES} more"]
                                               if len(texts) > NOTE_DIFFERENCES else [])
    verb = "differs" if len(hosts) == 1 else "differ"
    return f"{', '.join(hosts)} {verb} from {', '.join(reference)}: " + "; ".join(shown)


def drift_notes(alerts: Iterable[Alert], drift: Iterable[ServiceDrift]) -> list[DriftNote]:
    """One note per drifting service that fails on some, not all, of its hosts."""
    failing = _failing(alerts)
    notes: list[DriftNote] = []
    for d in drift:
        bad = sorted(failing.get((d.project, d.service), set()) & set(d.hosts))
        if not bad or len(bad) == len(d.hosts):
            continue
        good = [h for h in d.hosts if h not in bad]
        groups = [g for g in d.groups if set(g.hosts) & set(bad)] or d.groups
        said = "; ".join(_group_text(g.hosts, g.reference_hosts, [x.text for x in g.differences]) for g in groups)
        text = f"{d.service} fails on {', '.join(bad)} only ({', '.join(good)} fine); {said}"
        notes.append(DriftNote(project=d.project, service=d.service, failing_hosts=bad, healthy_hosts=good,
                               text=text))
    return notes


def with_drift_evidence(reports: Sequence[HostReport], notes: Sequence[DriftNote]) -> list[HostReport]:
    """Each failing host's first warning/critical alert about a noted service gets '; drift: …' in its evidence."""
    by_service = {(n.project, n.service): n for n in notes}
    out: list[HostReport] = []
    for r in reports:
        done: set[tuple[str, str]] = set()
        alerts: list[Alert] = []
        for a in r.alerts:
            key = (a.project or "", a.service or "")
            note = by_service.get(key)
            if note is None or key in done or a.severity is Severity.INFO or r.host not in note.failing_hosts:
                alerts.append(a)
                continue
            done.add(key)
            alerts.append(a.model_copy(update={"evidence": f"{a.evidence}; drift: {note.text}"}))
        out.append(r.model_copy(update={"alerts": alerts}) if done else r)
    return out


def diagnosis_drift(
    reports: Sequence[HostReport], configs: Iterable[ServiceConfig]
) -> tuple[list[HostReport], list[DriftNote]]:
    """The host reports with drift evidence added, and the notes (empty when no failing service drifts)."""
    _, _, drift = compare(configs)
    notes = drift_notes((a for r in reports for a in r.alerts), drift)
    return (with_drift_evidence(reports, notes) if notes else list(reports)), notes


__all__ = ["NOTE_DIFFERENCES", "diagnosis_drift", "drift_notes", "with_drift_evidence"]
