"""What silences and acks do to a diagnosis report.

Silences: each alert matched by an active silence gets ``silenced_by`` (it stays in the JSON; the counts, exit
code, incidents and notifications leave it out) — unless it BROKE THROUGH: a severity more urgent than when
the silence first hid it, or a rate at least ``BREAK_FACTOR`` times that rate. What it was when first hidden is
kept in the silence (``Silence.seen``). An expired silence applies to nothing; silences ended more than
``KEEP_ENDED`` ago are pruned from the file.

Acks: an incident whose id or problems an ack holds carries the ack's note (``FleetReport.noise.acks``); a full
diagnosis in which none of the ack's problems is left, on hosts that all answered, drops the ack.

The state is changed under its lock (:class:`dozor.noise.state.StateFile`): a corrupt file leaves the report as
it was, with ``noise.warning`` saying why; nothing is written over it.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta
from pathlib import Path

from dozor.errors import NoiseStateCorrupt
from dozor.inventory.models import Inventory
from dozor.live.tally import Counts
from dozor.model.timetext import ts
from dozor.noise.baselines import BASELINES_FILE, Baselines, Verdict, hour_of, judge, live_key
from dozor.noise.models import NOISE_FILE, AckNote, NoiseState, NoiseSummary
from dozor.noise.silences import Matcher, Seen, Silence
from dozor.noise.state import StateFile
from dozor.report.alerts import Alert, AlertCode
from dozor.report.correlate import correlate
from dozor.report.incidents import fleet_incidents, host_incidents
from dozor.report.models import FleetReport

BREAK_FACTOR = 3.0
KEEP_ENDED = timedelta(days=7)
_RATED = (AlertCode.LOG_PATTERN, AlertCode.ERROR_BURST)
EVENT_PATTERNS = {
    AlertCode.CRASH_LOOP: "engine:die", AlertCode.CONTAINER_RESTARTING: "engine:die",
    AlertCode.CONTAINER_EXITED: "engine:die", AlertCode.OOM_KILLED: "engine:oom",
    AlertCode.UNHEALTHY: "engine:unhealthy",
}
"""Problems judged against the engine-event series the live state feeds (:mod:`dozor.live.tally`)."""
_EVENT_WORDS = {"engine:die": "exits", "engine:oom": "OOM kills", "engine:unhealthy": "failed health checks"}


def _warnings(*parts: str | None) -> str | None:
    """The warnings that were given, in order, as one line (None when none was)."""
    return "; ".join(p for p in parts if p) or None


def noise_file(state_dir: str | Path) -> StateFile[NoiseState]:
    """``<state_dir>/noise.json``."""
    return StateFile(Path(state_dir).expanduser() / NOISE_FILE, NoiseState)


def problem_rate(a: Alert) -> float:
    """Events per hour for log-derived alerts (count over the span it was seen in, at least a minute); the
    count itself (restarts, failing checks…) for the others."""
    if a.code in _RATED and a.first_seen is not None and a.last_seen is not None:
        hours = max((a.last_seen - a.first_seen).total_seconds(), 60.0) / 3600.0
        return a.count / hours
    return float(a.count)


def _rate_text(a: Alert, rate: float) -> str:
    return f"{rate:.0f}/h" if a.code in _RATED else f"{rate:.0f}"


def break_through(a: Alert, seen: Seen, silence: Silence) -> str | None:
    """Why ``a`` shows despite ``silence`` (worse than when first hidden), or None."""
    if a.severity.rank < seen.severity.rank:
        return f"now {a.severity.value}, was {seen.severity.value} when silence {silence.id} hid it"
    rate = problem_rate(a)
    if seen.rate > 0 and rate >= BREAK_FACTOR * seen.rate:
        return (f"{_rate_text(a, rate)}, ×{rate / seen.rate:.1f} the {_rate_text(a, seen.rate)} when silence "
                f"{silence.id} hid it")
    return None


def apply_silences(report: FleetReport, state: NoiseState, inventory: Inventory | None, now: datetime,
                   summary: NoiseSummary) -> bool:
    """Mark the report's alerts (in place); record what each silence first hid. True when ``state`` changed."""
    active = [s for s in state.silences if s.active(now)]
    changed = False
    if not active:
        return False
    matchers = [(s, Matcher(s.matchers, inventory)) for s in active]
    used: dict[str, Silence] = {}
    for h in report.hosts:
        for a in h.alerts:
            hit = next((s for s, m in matchers if m.matches(a)), None)
            if hit is None:
                continue
            seen = hit.seen.get(a.fingerprint)
            if seen is None:
                hit.seen[a.fingerprint] = Seen(severity=a.severity, rate=problem_rate(a), at=now)
                changed = True
            elif (why := break_through(a, seen, hit)) is not None:
                a.broke_through = why
                summary.broke_through += 1
                continue
            a.silenced_by = hit.id
            used[hit.id] = hit
    summary.silenced = sum(1 for h in report.hosts for a in h.alerts if a.silenced_by)
    summary.silences = sorted(used)
    summary.silenced_until = sorted({s.end() for s in used.values()})
    return changed


def regroup(report: FleetReport) -> FleetReport:
    """Incidents and correlations of the alerts no silence hides (the hidden ones stay in the hosts' alerts)."""
    per_host = [i for h in report.hosts
                for i in host_incidents(h.host, [a for a in h.alerts if not a.silenced_by], h.links)]
    active = [a for h in report.hosts for a in h.alerts if not a.silenced_by]
    return report.model_copy(update={"incidents": fleet_incidents(per_host), "correlations": correlate(active)})


def apply_acks(report: FleetReport, state: NoiseState, summary: NoiseSummary, *, full: bool) -> bool:
    """Note the acknowledged incidents; drop the acks of resolved ones when ``full``. True when ``state`` changed."""
    changed = False
    held: set[int] = set()
    for inc in report.incidents:
        fps = [p.fingerprint for p in inc.problems]
        for i, ack in enumerate(state.acks):
            if not ack.holds([inc.id, *fps]):
                continue
            held.add(i)
            if not ack.fingerprints:
                ack.fingerprints = sorted(set(fps) | {inc.id})
                ack.hosts = sorted(set(ack.hosts) | set(inc.hosts))
                changed = True
            new = [fp for fp in fps if fp not in ack.fingerprints and fp != ack.incident]
            summary.acks[inc.id] = AckNote(note=ack.note, by=ack.by, since=ack.since, new_symptoms=new)
            break
    silenced = {a.fingerprint for h in report.hosts for a in h.alerts if a.silenced_by}
    for i, ack in enumerate(state.acks):
        if i not in held and ack.holds(silenced):
            held.add(i)  # hidden by a silence is not resolved
    if full:
        answered = {h.host for h in report.answered}
        keep = [a for i, a in enumerate(state.acks) if i in held or not a.hosts or not set(a.hosts) <= answered]
        if len(keep) != len(state.acks):
            state.acks, changed = keep, True
    return changed


def prune(state: NoiseState, now: datetime) -> bool:
    """Drop silences that ended more than ``KEEP_ENDED`` ago. True when something was dropped."""
    keep = [s for s in state.silences if now - s.end() <= KEEP_ENDED]
    if len(keep) == len(state.silences):
        return False
    state.silences = keep
    return True


def apply_noise(report: FleetReport, state_dir: str | Path, inventory: Inventory | None, *,
                full: bool = False) -> FleetReport:
    """The report with silences and acks applied (``noise`` says what they did); the state file updated.

    ``full``: a full diagnosis of every service of the selected hosts (acks of incidents gone are dropped).
    """
    now = report.generated_at
    earlier = report.noise.warning if report.noise is not None else None  # e.g. the memory history's
    summary = NoiseSummary(warning=earlier)
    out = report

    ran = False

    def change(state: NoiseState) -> bool:
        nonlocal out, ran
        ran = True
        changed = apply_silences(report, state, inventory, now, summary)
        out = regroup(report) if summary.silenced else report
        changed |= apply_acks(out, state, summary, full=full)
        changed |= prune(state, now)
        return changed

    try:
        noise_file(state_dir).update(change)
    except NoiseStateCorrupt as exc:
        summary = NoiseSummary(warning=_warnings(earlier, str(exc)))
        for h in report.hosts:
            for a in h.alerts:
                a.silenced_by = a.broke_through = None
        out = report
    except OSError as exc:  # a state dir that cannot be written (or locked): the silences still apply here
        if not ran:
            with contextlib.suppress(NoiseStateCorrupt, OSError):
                change(noise_file(state_dir).load())
        summary.warning = _warnings(earlier, f"could not save the noise state in {state_dir}: {exc}")
    return out.model_copy(update={"noise": summary})


def baselines_file(state_dir: str | Path) -> StateFile[Baselines]:
    """``<state_dir>/baselines.json``."""
    return StateFile(Path(state_dir).expanduser() / BASELINES_FILE, Baselines, indent=None)  # compact JSON


def apply_baselines(report: FleetReport, state_dir: str | Path) -> FleetReport:
    """Say of each log-derived alert whether its rate is usual or new for its service (``Alert.baseline``), rank
    the usual ones below the new ones, offer steady ones as silence candidates; then record this diagnosis in the
    7-day history (every service whose log was read, with the rates of its log-derived alerts)."""
    hour = hour_of(report.generated_at)
    candidates: list[str] = []

    def change(b: Baselines) -> None:
        for h in report.answered:
            read = {(lg.project, lg.service) for lg in h.logs if not lg.error}
            measured: dict[str, dict[str, float]] = {}
            for a in h.alerts:
                if a.code not in _RATED or (a.project, a.service) not in read:
                    continue
                service, pattern, rate = f"{a.host}|{a.project}/{a.service}", a.subject or a.code.value, problem_rate(a)
                verdict = judge(rate, b.history(service, pattern, hour), daily=b.same_hour(service, pattern, hour),
                                hour=hour)
                a.baseline, a.usual = verdict.text, verdict.usual
                if verdict.steady and not a.silenced_by:
                    candidates.append(f"{a.where} {pattern}: {verdict.text}, steady for days — if it is known, "
                                      f"dozor silence add --match 'host={a.host} service={a.service} "
                                      f"problem={pattern}' --for 7d --reason '…'")
                measured.setdefault(service, {})[pattern] = max(rate, measured.get(service, {}).get(pattern, 0.0))
            for project, service in read:
                key = f"{h.host}|{project}/{service}"
                b.record(key, measured.get(key, {}), hour)
            judge_live(h.alerts, b, hour)
        b.prune(hour)

    summary = report.noise.model_copy() if report.noise is not None else NoiseSummary()
    try:
        baselines_file(state_dir).update(change)
    except NoiseStateCorrupt as exc:
        summary.warning = _warnings(summary.warning, str(exc))
    except OSError as exc:
        summary.warning = _warnings(summary.warning, f"could not save the baselines: {exc}")
    summary.candidates = candidates
    incidents = sorted(report.incidents, key=lambda i: (i.severity.rank, bool(getattr(i.root_cause, "usual", False))))
    return report.model_copy(update={"noise": summary, "incidents": incidents})


def live_verdict(a: Alert, b: Baselines, hour: int) -> Verdict | None:
    """An event-derived problem's rate of engine events (the live state's count) against its 7-day history;
    None when the live state has not watched its service in this hour or the last."""
    pattern = EVENT_PATTERNS.get(a.code)
    if pattern is None or not a.project or not a.service:
        return None
    key = live_key(a.host, a.project, a.service)
    rate = b.latest(key, pattern, hour)
    if rate is None:
        return None
    v = judge(rate, b.history(key, pattern, hour - 1), daily=b.same_hour(key, pattern, hour), hour=hour)
    return Verdict(v.usual, f"{_EVENT_WORDS[pattern]} {v.text}", v.steady)


def judge_live(alerts: list[Alert], b: Baselines, hour: int) -> None:
    """Set ``baseline``/``usual`` of the event-derived ``alerts`` the live state has a history for."""
    for a in alerts:
        verdict = live_verdict(a, b, hour)
        if verdict is not None:
            a.baseline, a.usual = verdict.text, verdict.usual


def read_baselines(state_dir: str | Path) -> Baselines | None:
    """The baselines as stored, or None when there are none or they cannot be read (the report says nothing)."""
    with contextlib.suppress(NoiseStateCorrupt, OSError):
        return baselines_file(state_dir).load()
    return None


def record_live(state_dir: str | Path, counts: dict[str, Counts], watched: dict[str, set[tuple[str, str]]],
                hour: int) -> None:
    """Write what the live state counted (``counts``: host → hour → (project, service) → pattern → events) and
    which services it watched in ``hour`` into the baselines. Raises ``NoiseStateCorrupt`` or ``OSError``."""

    def change(b: Baselines) -> None:
        for host, hours in counts.items():
            for h, per in hours.items():
                for (project, service), patterns in per.items():
                    b.record_counts(live_key(host, project, service), patterns, h)
        for host, services in watched.items():
            for project, service in services:
                b.record_counts(live_key(host, project, service), {}, hour)
        b.prune(hour)

    baselines_file(state_dir).update(change)


def silenced_line(summary: NoiseSummary | None, today: date | None = None) -> str | None:
    """``3 problems silenced (until 14:00:00Z)``, or None when nothing was silenced."""
    if summary is None or not summary.silenced:
        return None
    ends = summary.silenced_until
    first = ends[0] if ends else None
    when = (first.strftime("%H:%M:%SZ") if first is not None and first.date() == today else ts(first))
    more = " at the earliest" if len(ends) > 1 else ""
    n = summary.silenced
    return f"{n} problem{'' if n == 1 else 's'} silenced (until {when}{more}; {', '.join(summary.silences)})"


def acked(summary: NoiseSummary | None, incident_id: str) -> AckNote | None:
    """The ack of an incident of this report, if any."""
    return summary.acks.get(incident_id) if summary is not None else None


__all__ = [
    "BREAK_FACTOR",
    "EVENT_PATTERNS",
    "acked",
    "apply_baselines",
    "apply_noise",
    "baselines_file",
    "break_through",
    "judge_live",
    "live_verdict",
    "noise_file",
    "problem_rate",
    "read_baselines",
    "record_live",
    "regroup",
    "silenced_line",
]
