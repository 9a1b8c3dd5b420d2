"""Problems of a live fleet as they appear and go: the health rules on the live state, settled, remembered.

Each evaluation builds the quick diagnosis (``dozor health``: container state and health, the same rules and
fingerprints) from the status answer the live state gives, then compares it with what was announced:

- a problem is NEW once it has been there for ``settle`` seconds (a restart is a die and a start within
  a second; it should not page anyone), RESOLVED once its host answered without it for ``settle`` seconds;
- problems of a host that does not answer are carried over, never resolved (silence is not a fix); the host
  itself is a problem (unreachable) while it lasts;
- what was announced is kept in ``<state_dir>/memory/watch-<hash>.json`` (the format of
  :mod:`dozor.report.memory`), so a restarted ``dozor watch`` does not announce again what it already did;
- silences (:mod:`dozor.noise`, the same ``<state_dir>/noise.json`` as every report) apply: a silenced problem
  is never announced, and never resolved while silenced;
- a new crash loop, OOM kill or failing healthcheck says whether its rate of engine events is usual for the
  service (the baselines the live state feeds: :mod:`dozor.live.tally`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from dozor.inventory.models import Inventory, ResolvedHost
from dozor.outcome import HostResult
from dozor.report.alerts import Alert
from dozor.report.build import HostDiagnosis, build_fleet_report, build_host_report
from dozor.report.diagnose import diagnosed_services
from dozor.report.memory import Memory, load_memory, memory_path, selection_key, write_atomic
from dozor.report.models import AlertChange, FleetReport, ReportChanges
from dozor.runner.fleet_result import FleetResult
from dozor.runner.questions import HostContainers

DEFAULT_SETTLE = 5.0


def _change(a: Alert, since: datetime | None) -> AlertChange:
    return AlertChange(key=a.key, fingerprint=a.fingerprint, severity=a.severity, code=a.code, host=a.host,
                       project=a.project, service=a.service, title=a.title, since=since)


def health_report(result: FleetResult[HostContainers], hosts: Sequence[ResolvedHost], now: datetime) -> FleetReport:
    """The quick diagnosis of a status answer: what ``dozor health`` would say of the same containers."""
    by_name = {h.name: h for h in hosts}
    reports = []
    for r in result.hosts:
        host = by_name[r.host]
        if r.ok and r.data is not None:
            d = HostDiagnosis(collected_at=r.data.collected_at, containers=r.data.containers,
                              services=diagnosed_services(r.data.containers, host))
            r = HostResult[HostDiagnosis](host=r.host, status=r.status, data=d, duration=r.duration)
        else:
            r = HostResult[HostDiagnosis](host=r.host, status=r.status, reason=r.reason, duration=r.duration)
        reports.append(build_host_report(r, host.thresholds, now))
    return build_fleet_report(reports, now=now, selector=result.selector, mode="health")


class ProblemTracker:
    """What has been announced, by fingerprint; :meth:`evaluate` says what is newly there or gone."""

    def __init__(self, hosts: Sequence[ResolvedHost], *, selector: str | None, state_dir: str | Path | None,
                 settle: float = DEFAULT_SETTLE, shard: str | None = None,
                 inventory: Inventory | None = None) -> None:
        self.hosts = list(hosts)
        self.state_dir, self.inventory = state_dir, inventory
        self.settle = settle
        self.selection = selection_key("watch", selector, shard=shard)
        self.path = memory_path(state_dir, self.selection) if state_dir else None
        previous, self.warning = load_memory(self.path) if self.path else (None, None)
        self.previous_run = previous.last_run if previous else None
        self.announced: dict[str, AlertChange] = dict(previous.problems) if previous else {}
        self._appeared: dict[str, float] = {}
        self._vanished: dict[str, float] = {}

    def evaluate(self, result: FleetResult[HostContainers], now: datetime, *, settled: bool = False,
                 mono: float | None = None) -> FleetReport:
        """The report of ``result`` with ``changes`` (new and resolved since the last announcement).

        ``settled``: the state comes from a full read (the first one), announce without waiting.
        """
        mono = time.monotonic() if mono is None else mono
        report = health_report(result, self.hosts, now)
        if self.state_dir is not None:
            from dozor.noise.apply import apply_noise

            report = apply_noise(report, self.state_dir, self.inventory)
        hidden = {a.fingerprint for h in report.hosts for a in h.alerts if a.silenced_by}
        current = {a.fingerprint: a for h in report.hosts for a in h.alerts if not a.silenced_by}
        answered = {h.host for h in report.answered}
        new: list[AlertChange] = []
        resolved: list[AlertChange] = []
        for fp, a in current.items():
            self._vanished.pop(fp, None)
            if fp in self.announced:
                continue
            first = self._appeared.setdefault(fp, mono)
            if settled or mono - first >= self.settle:
                self._appeared.pop(fp, None)
                self.announced[fp] = change = _change(a, now)
                new.append(change)
        for fp in [f for f in self._appeared if f not in current]:
            del self._appeared[fp]
        for fp, old in list(self.announced.items()):
            if fp in current or fp in hidden or old.host not in answered:
                continue
            gone = self._vanished.setdefault(fp, mono)
            if settled or mono - gone >= self.settle:
                self._vanished.pop(fp, None)
                resolved.append(self.announced.pop(fp))
        new_fps = {c.fingerprint for c in new}
        if new and self.state_dir is not None:
            from dozor.noise.apply import judge_live, read_baselines
            from dozor.noise.baselines import hour_of

            b = read_baselines(self.state_dir)
            if b is not None:
                judge_live([current[fp] for fp in new_fps], b, hour_of(now))
        ongoing = 0
        for fp, a in current.items():
            if fp in self.announced:
                a.change = "new" if fp in new_fps else "ongoing"
                a.since = self.announced[fp].since
                ongoing += fp not in new_fps
        changes = ReportChanges(previous_run=self.previous_run, new=new, resolved=resolved, ongoing=ongoing,
                                warning=self.warning)
        if new or resolved:
            self._save(now)
        return report.model_copy(update={"changes": changes})

    @property
    def pending(self) -> bool:
        """Something is waiting to settle (evaluate again within ``settle`` seconds)."""
        return bool(self._appeared or self._vanished)

    def _save(self, now: datetime) -> None:
        self.previous_run = now
        if self.path is None:
            return
        try:
            write_atomic(self.path, Memory(selection=self.selection, last_run=now,
                                           problems=self.announced).model_dump_json(indent=2))
            self.warning = None
        except OSError as exc:
            self.warning = f"could not save what was announced to {self.path}: {exc}"


__all__ = ["DEFAULT_SETTLE", "ProblemTracker", "health_report"]
