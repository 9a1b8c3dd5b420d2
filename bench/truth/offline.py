"""Replaying one recorded catalogue service through dozor's own diagnosis functions, without a fleet.

A recording (``tests/fixtures/truth/<name>.log`` + ``.json``) is what the diagnosis reads on a host: the
container's ``docker logs --timestamps`` output and its ``docker inspect`` (the fields dozor reads). The
replay runs the same steps as a diagnosis of that one service: the log tail as the Engine API path reads
it (last ``DEFAULT_LINES`` lines, the errors-only filter, the byte cap), the kind from image/name then
from the log, the per-service log analysis, the status rules at the recording's time, the log alerts,
and the status alerts' log evidence. Links and incidents need the whole host and are not replayed.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from bench.truth.model import Catalogue, Scenario, Svc, fixture_name

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "truth"

# The docker inspect fields the status parser reads; the rest (mounts, network settings...) is not recorded.
_KEEP = {
    "top": ("Id", "Name", "Created", "RestartCount", "Image"),
    "Config": ("Image", "Labels", "Env", "Tty", "Healthcheck"),
    "HostConfig": ("RestartPolicy", "Memory", "NetworkMode", "Privileged", "PortBindings"),
}


def trim_inspect(c: dict) -> dict:
    """The part of one ``docker inspect`` element that a recording keeps (environment values included: the
    catalogue's are fake)."""
    out = {k: c[k] for k in _KEEP["top"] if k in c}
    out["State"] = dict(c.get("State") or {})
    health = out["State"].get("Health")
    if health and health.get("Log"):
        out["State"]["Health"] = {**health, "Log": health["Log"][-1:]}
    for part in ("Config", "HostConfig"):
        src = c.get(part) or {}
        out[part] = {k: src[k] for k in _KEEP[part] if k in src}
    out["NetworkSettings"] = {"Ports": ((c.get("NetworkSettings") or {}).get("Ports") or {})}
    return out


def paths(sc: Scenario, s: Svc, root: Path = FIXTURES) -> tuple[Path, Path]:
    """(log file, metadata file) of one service's recording."""
    name = fixture_name(sc, s)
    return root / f"{name}.log", root / f"{name}.json"


def replay(sc: Scenario, s: Svc, log_text: str, meta: dict) -> list[dict]:
    """The alerts dozor's diagnosis gives this one service (as its JSON prints them)."""
    from dozor.collectors.status import ServiceState, container_from_inspect
    from dozor.inventory.models import Thresholds
    from dozor.report.build import with_log_evidence
    from dozor.report.diagnose import service_summary
    from dozor.report.findings import detect_service_kind, detect_service_kind_from_log
    from dozor.report.rules import log_alerts, status_alerts
    from dozor.runner.tails import DEFAULT_HOST_MAX_BYTES, DEFAULT_LINES, DEFAULT_MAX_BYTES, tails_from_answers

    now = datetime.fromisoformat(meta["recorded_at"])
    c = container_from_inspect(meta["inspect"])
    state = ServiceState(project=sc.project, service=s.name, declared=True, missing=False, containers=[c])
    tail_lines = log_text.splitlines()[-DEFAULT_LINES:]
    body = ("\n".join(tail_lines) + "\n").encode() if tail_lines else b""
    tail = tails_from_answers([c], [(200, body)], errors_only=True, max_bytes=DEFAULT_MAX_BYTES,
                              host_max_bytes=DEFAULT_HOST_MAX_BYTES)[c.id]
    kind, source = detect_service_kind(c.image, s.name), "image"
    if kind is None:
        kind = detect_service_kind_from_log(line.text for line in tail.lines)
        source = "log" if kind else None
    summary = service_summary(state, kind, [tail], kind_source=source)
    th = Thresholds()
    alerts = status_alerts(sc.host, [state], th, now)
    alerts += log_alerts(sc.host, sc.project, s.name, summary.findings, th, error_lines=summary.error_lines,
                         scanned_lines=summary.scanned_lines, first=summary.first_seen, last=summary.last_seen)
    return [a.model_dump(mode="json") for a in with_log_evidence(alerts, [summary])]


def replay_recorded(sc: Scenario, s: Svc, root: Path = FIXTURES) -> list[dict]:
    """``replay`` of the service's recording under ``root`` (FileNotFoundError when it was never recorded)."""
    log_path, meta_path = paths(sc, s, root)
    return replay(sc, s, log_path.read_text(errors="replace"), json.loads(meta_path.read_text()))


def replay_all(cat: Catalogue, root: Path = FIXTURES) -> dict:
    """A report-shaped dict of every recorded service's replayed alerts (scoreable like a live report)."""
    hosts: dict[str, list[dict]] = {}
    for sc, s in cat.services():
        try:
            hosts.setdefault(sc.host, []).extend(replay_recorded(sc, s, root))
        except FileNotFoundError:
            continue
    return {"hosts": [{"host": h, "alerts": a} for h, a in hosts.items()], "incidents": []}


__all__ = ["FIXTURES", "paths", "replay", "replay_all", "replay_recorded", "trim_inspect"]
