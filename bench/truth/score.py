"""Scoring a diagnosis against the catalogue: pure functions of dozor's JSON report.

- recall: faulty services (single faults, chain roots and chain symptoms) whose every expectation is met by
  an alert on the right host, project and service; ``located`` counts those with at least one alert there;
- false alarms: healthy services with any alert;
- root-cause accuracy: chains whose every symptom service sits in an incident rooted at the chain's root.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.truth.model import HEALTHY, Catalogue, Scenario, Svc

Key = tuple[str, str | None, str | None]


@dataclass
class ServiceOutcome:
    """How the diagnosis did on one catalogue service."""

    scenario: str
    host: str
    project: str
    service: str
    role: str
    expected: str
    alerts: list[str]
    found: bool
    located: bool
    missing: list[str] = field(default_factory=list)  # expectations no alert met


@dataclass
class ChainOutcome:
    """Whether the incidents put a chain's root first."""

    scenario: str
    root: str
    correct: bool
    said: list[str]  # "symptom → root dozor named"


@dataclass
class Score:
    """All outcomes and the headline figures."""

    faults: list[ServiceOutcome]
    healthy: list[ServiceOutcome]
    chains: list[ChainOutcome]

    @property
    def recall(self) -> tuple[int, int]:
        """(found, expected) over every faulty service."""
        return sum(o.found for o in self.faults), len(self.faults)

    @property
    def located(self) -> tuple[int, int]:
        """(services with any alert, expected) over every faulty service."""
        return sum(o.located for o in self.faults), len(self.faults)

    @property
    def scenario_recall(self) -> tuple[int, int]:
        """(fault scenarios whose every faulty service was found, fault scenarios)."""
        by: dict[str, bool] = {}
        for o in self.faults:
            by[o.scenario] = by.get(o.scenario, True) and o.found
        return sum(by.values()), len(by)

    @property
    def false_alarms(self) -> tuple[int, int]:
        """(healthy services with an alert, healthy services)."""
        return sum(o.located for o in self.healthy), len(self.healthy)

    @property
    def root_cause(self) -> tuple[int, int]:
        """(chains with the right root, chains)."""
        return sum(c.correct for c in self.chains), len(self.chains)


def _label(a: dict) -> str:
    return f"{a.get('severity', '?')}:{a.get('code')}" + (f"[{a['subject']}]" if a.get("subject") else "")


def alerts_by_service(report: dict) -> dict[Key, list[dict]]:
    """(host, project, service) → that service's alerts in a ``dozor --json diagnose`` report."""
    out: dict[Key, list[dict]] = {}
    for h in report.get("hosts", []):
        for a in h.get("alerts", []):
            out.setdefault((a.get("host") or h.get("host"), a.get("project"), a.get("service")), []).append(a)
    return out


def judge(sc: Scenario, s: Svc, alerts: list[dict]) -> ServiceOutcome:
    """One service's outcome from its alerts."""
    missing = [e.describe() for e in s.expected if not any(e.matches(a) for a in alerts)]
    expected = " and ".join(e.describe() for e in s.expected) if s.role != HEALTHY else "silence"
    return ServiceOutcome(
        scenario=sc.id, host=sc.host, project=sc.project, service=s.name, role=s.role, expected=expected,
        alerts=[_label(a) for a in alerts], found=bool(s.expected) and not missing, located=bool(alerts),
        missing=missing,
    )


def _in(p: dict, host: str, project: str, service: str) -> bool:
    return p.get("host") == host and p.get("project") == project and p.get("service") == service


def chain_outcome(sc: Scenario, report: dict) -> ChainOutcome:
    """Correct when every symptom's alerts sit only in incidents whose root cause is the chain's root."""
    root = sc.root
    assert root is not None
    said: list[str] = []
    correct = True
    for s in sc.symptoms:
        roots = []
        for inc in report.get("incidents", []):
            problems = [inc.get("root_cause") or {}, *inc.get("symptoms", [])]
            if any(_in(p, sc.host, sc.project, s.name) for p in problems):
                r = inc.get("root_cause") or {}
                roots.append(f"{r.get('service') or r.get('host')}:{r.get('code')}")
                if not _in(r, sc.host, sc.project, root.name):
                    correct = False
        if not roots:
            correct = False
            roots = ["no incident"]
        said.append(f"{s.name} → {', '.join(dict.fromkeys(roots))}")
    return ChainOutcome(scenario=sc.id, root=root.name, correct=correct, said=said)


def score(cat: Catalogue, report: dict) -> Score:
    """Score one diagnosis report against the whole catalogue."""
    by = alerts_by_service(report)
    faults: list[ServiceOutcome] = []
    healthy: list[ServiceOutcome] = []
    for sc, s in cat.services():
        o = judge(sc, s, by.get((sc.host, sc.project, s.name), []))
        (healthy if s.role == HEALTHY else faults).append(o)
    chains = [chain_outcome(sc, report) for sc in cat.scenarios if sc.kind == "chain"]
    return Score(faults=faults, healthy=healthy, chains=chains)


def _pct(pair: tuple[int, int]) -> str:
    n, d = pair
    return f"{n}/{d} ({100.0 * n / d:.0f}%)" if d else "-"


def summary_lines(sc: Score, tokens: int | None) -> list[str]:
    """The headline figures, one per line."""
    return [
        f"recall (every expectation met, right host+service): {_pct(sc.recall)}",
        f"located (any alert on the right host+service):      {_pct(sc.located)}",
        f"fault scenarios fully found:                        {_pct(sc.scenario_recall)}",
        f"false alarms on healthy services:                   {_pct(sc.false_alarms)}",
        f"root-cause accuracy on chains:                      {_pct(sc.root_cause)}",
        f"AI text (`dozor diagnose --ai`) tokens ≈ chars/4:    {tokens if tokens is not None else '-'}",
    ]


def markdown(sc: Score, *, date: str, tokens: int | None, note: str = "") -> str:
    """The dated block written into RESULTS.md: figures, then every miss, false alarm and chain."""
    out = [f"### Truth run of {date}", ""]
    if note:
        out += [note, ""]
    out += ["| figure | value |", "|---|---|"]
    for line in summary_lines(sc, tokens):
        name, _, value = line.partition(":")
        out.append(f"| {name.strip()} | {value.strip()} |")
    misses = [o for o in sc.faults if not o.found]
    out += ["", f"Missed or incomplete ({len(misses)}):", "",
            "| scenario | host | service | expected | missing | dozor said |", "|---|---|---|---|---|---|"]
    out += [f"| {o.scenario} | {o.host} | {o.project}/{o.service} | {o.expected} | {'; '.join(o.missing)} | "
            f"{', '.join(o.alerts) or 'nothing'} |" for o in misses]
    alarms = [o for o in sc.healthy if o.located]
    out += ["", f"False alarms ({len(alarms)}):", "", "| scenario | host | service | dozor said |", "|---|---|---|---|"]
    out += [f"| {o.scenario} | {o.host} | {o.project}/{o.service} | {', '.join(o.alerts)} |" for o in alarms]
    out += ["", "Chains:", "", "| chain | root | correct | symptom → incident root |", "|---|---|---|---|"]
    out += [f"| {c.scenario} | {c.root} | {'yes' if c.correct else 'no'} | {'; '.join(c.said)} |"
            for c in sc.chains]
    return "\n".join(out).replace("|  |", "| - |") + "\n"


def text_table(sc: Score) -> list[str]:
    """Every service, one line each, for the terminal."""
    out = []
    for o in [*sc.faults, *sc.healthy]:
        mark = ("ok  " if o.found else "MISS") if o.role != HEALTHY else ("ok  " if not o.located else "FALSE")
        out.append(f"{mark:5} {o.scenario:28} {o.host:5} {o.project}/{o.service:10} "
                   f"{o.role:8} {', '.join(o.alerts) or '-'}")
    return out


__all__ = ["ChainOutcome", "Score", "ServiceOutcome", "alerts_by_service", "chain_outcome", "judge", "markdown",
           "score", "summary_lines", "text_table"]
