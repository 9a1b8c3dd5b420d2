"""The truth catalogue offline: every recorded service replayed through dozor's own diagnosis functions.

Each fixture under tests/fixtures/truth/ is a catalogue service recorded on the test fleet by
``python -m bench.truth record`` (its ``docker logs --timestamps`` tail and its ``docker inspect`` state).
``bench.truth.offline.replay`` runs the diagnosis steps on it (log tail read as the Engine API path reads
it, kind detection, log analysis, status rules at the recording's time, log alerts, log evidence).

- a fault must meet every expectation of the catalogue (``bench/truth/catalogue.py``);
- a healthy-but-noisy service must raise no alert at all.

Faults dozor cannot see yet are listed in ``KNOWN_MISSES`` with the reason: they run as strict xfail, so
the day the analysis sees one, its test fails until it is removed from the list. Never widen an
expectation to make a test pass. Chains (root cause across services) need a whole host and are scored by
the live run only (``python -m bench.truth run``).
"""

from __future__ import annotations

import json

import pytest
import yaml

from bench.truth import offline
from bench.truth.catalogue import CATALOGUE
from bench.truth.deploy import compose_text
from bench.truth.model import HEALTHY, Expect, Scenario, Svc, fixture_name, say
from bench.truth.score import chain_outcome, judge, score
from dozor.analysis.patterns import detect_kind

KNOWN_MISSES: dict[str, str] = {}
KNOWN_FALSE_ALARMS: dict[str, str] = {}

FAULTS = [(sc, s) for sc, s in CATALOGUE.services() if s.role != HEALTHY]
HEALTHY_SVCS = [(sc, s) for sc, s in CATALOGUE.services() if s.role == HEALTHY]


def _key(sc: Scenario, s: Svc) -> str:
    return f"{sc.id}/{s.name}"


def _params(pairs: list[tuple[Scenario, Svc]], known: dict[str, str]) -> list:
    return [pytest.param(sc, s, id=_key(sc, s),
                         marks=[pytest.mark.xfail(strict=True, reason=known[_key(sc, s)])] if _key(sc, s) in known
                         else []) for sc, s in pairs]


# --------------------------------------------------------------------------------------------- the catalogue


def test_catalogue_is_consistent_and_big_enough() -> None:
    assert CATALOGUE.check() == []
    faults = [sc for sc in CATALOGUE.scenarios if sc.kind != "healthy"]
    assert len(faults) >= 30
    assert len(HEALTHY_SVCS) >= 10
    assert [sc.id for sc in CATALOGUE.scenarios if sc.kind == "chain"], "chains are part of the catalogue"
    for key in [*KNOWN_MISSES, *KNOWN_FALSE_ALARMS]:
        assert key in {_key(sc, s) for sc, s in CATALOGUE.services()}, f"{key} is not a catalogue service"


_TELLING = ("nginx", "postgres", "redis", "mysql", "maria", "mongo", "kafka", "rabbit", "elastic", "java", "node",
            "python", "django", "spring", "db", "cache", "proxy", "queue", "broker", "search")


@pytest.mark.parametrize(("sc", "s"), [pytest.param(sc, s, id=_key(sc, s)) for sc, s in CATALOGUE.services()])
def test_names_and_images_reveal_nothing(sc: Scenario, s: Svc) -> None:
    assert detect_kind(s.image, s.name) is None
    for name in (s.name, s.image, sc.project):
        assert not any(word in name.lower() for word in _TELLING), name


def test_compose_files_are_valid_and_keep_the_scripts() -> None:
    for (host, project), services in CATALOGUE.projects().items():
        doc = yaml.safe_load(compose_text(services))
        assert set(doc["services"]) == {s.name for s in services}, f"{host}/{project}"
        for s in services:
            svc = doc["services"][s.name]
            assert svc["network_mode"] in ("none", "host")
            if not s.entrypoint:  # compose turns $$ back into $: the shell gets the script as written
                assert svc["command"][2].replace("$$", "$") == s.script


def test_say_escapes_for_the_shell_and_expands_placeholders() -> None:
    assert say('a "b" `c` $d \\e') == 'echo "a \\"b\\" \\`c\\` \\$d \\\\e"'
    assert say("@TS_NGX@ [error] *@i@") == 'echo "$(date -u "+%Y/%m/%d %H:%M:%S") [error] *$i"'


# --------------------------------------------------------------------------------------------- scoring


def test_expect_needs_every_criterion_on_one_alert() -> None:
    e = Expect(codes=("crash_loop",), keywords=("DATABASE_URL",))
    assert e.matches({"code": "crash_loop", "evidence": "11 restarts", "excerpt": "KeyError: 'DATABASE_URL'"})
    assert not e.matches({"code": "crash_loop", "evidence": "11 restarts"})
    assert not e.matches({"code": "log_pattern", "excerpt": "KeyError: 'DATABASE_URL'"})
    p = Expect(patterns=(r"postgres\.auth",))
    assert p.matches({"code": "log_pattern", "subject": "postgres.auth_failed"})
    assert p.matches({"code": "crash_loop", "evidence": "3 restarts; logs: 3× postgres.auth_failed (last ...)"})
    assert not p.matches({"code": "log_pattern", "subject": "general.connection_refused"})


def test_judge_and_chain_outcome() -> None:
    sc = next(sc for sc in CATALOGUE.scenarios if sc.id == "chain-db-auth")
    root, wren, heron = sc.services
    good = {"host": sc.host, "project": sc.project, "service": root.name, "code": "log_pattern"}
    wren_alert = {"host": sc.host, "project": sc.project, "service": wren.name, "code": "crash_loop"}
    heron_alert = {"host": sc.host, "project": sc.project, "service": heron.name, "code": "log_pattern"}
    report = {"incidents": [{"root_cause": good, "symptoms": [wren_alert, heron_alert]}]}
    assert chain_outcome(sc, report).correct
    wrong = {"incidents": [{"root_cause": good, "symptoms": [wren_alert]}, {"root_cause": heron_alert}]}
    outcome = chain_outcome(sc, wrong)
    assert not outcome.correct and "heron → heron:log_pattern" in outcome.said
    assert not chain_outcome(sc, {"incidents": []}).correct
    assert judge(sc, wren, [wren_alert]).missing  # its log expectation is not met by a bare crash loop
    assert not judge(sc, wren, []).located


def test_score_counts_false_alarms_only_on_healthy_services() -> None:
    sc, s = HEALTHY_SVCS[0]
    alert = {"host": sc.host, "project": sc.project, "service": s.name, "code": "error_burst", "severity": "warning"}
    result = score(CATALOGUE, {"hosts": [{"host": sc.host, "alerts": [alert]}], "incidents": []})
    assert result.false_alarms == (1, len(HEALTHY_SVCS))
    assert result.recall == (0, len(FAULTS))


# --------------------------------------------------------------------------------------------- the fixtures


def test_every_service_is_recorded() -> None:
    names = {fixture_name(sc, s) for sc, s in CATALOGUE.services()}
    recorded = {p.stem for p in offline.FIXTURES.glob("*.json")}
    assert names == recorded, f"missing: {sorted(names - recorded)}, stale: {sorted(recorded - names)}"
    for sc, s in CATALOGUE.services():
        meta = json.loads(offline.paths(sc, s)[1].read_text())
        assert (meta["scenario"], meta["service"], meta["host"], meta["project"]) == (sc.id, s.name, sc.host,
                                                                                     sc.project)


@pytest.mark.parametrize(("sc", "s"), _params(FAULTS, KNOWN_MISSES))
def test_fault_is_found(sc: Scenario, s: Svc) -> None:
    alerts = offline.replay_recorded(sc, s)
    outcome = judge(sc, s, alerts)
    assert outcome.found, f"{sc.id}: {s.name} expected {outcome.missing}; dozor said {outcome.alerts or 'nothing'}"


@pytest.mark.parametrize(("sc", "s"), _params(HEALTHY_SVCS, KNOWN_FALSE_ALARMS))
def test_healthy_service_stays_silent(sc: Scenario, s: Svc) -> None:
    alerts = offline.replay_recorded(sc, s)
    assert alerts == [], f"{sc.id}: {s.name} is healthy; dozor said " + "; ".join(
        f"{a['code']}[{a.get('subject')}] {a.get('excerpt') or a['title']}" for a in alerts)
