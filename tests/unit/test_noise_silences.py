"""Silence matchers and durations: parsing, matching, and every refusal with its message."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dozor.errors import NoiseRefused
from dozor.inventory.models import Inventory
from dozor.noise.silences import Matcher, new_silence, parse_duration, parse_matchers
from dozor.report.alerts import AlertCode, Severity
from tests.unit.report_factory import NOW, alert

INV = Inventory.model_validate({
    "groups": {"web": ["web1", "web2"]},
    "hosts": {n: {"address": "local"} for n in ("web1", "web2", "web3", "db1")},
})


def test_matchers_parse_in_any_order() -> None:
    assert parse_matchers("service=worker  host=web*  problem=redis.oom severity=Critical,warning") == {
        "service": "worker", "host": "web*", "problem": "redis.oom", "severity": "critical,warning"}


@pytest.mark.parametrize(("text", "says"), [
    ("", "needs matchers"),
    ("host", "not key=value"),
    ("hots=web1", "unknown matcher key 'hots'"),
    ("host=web1 host=web2", "given twice"),
    ("service=", "has no value"),
    ("severity=urgent", "'urgent' is not one of critical, warning, info"),
    ("fingerprint=abc", "at least 6 hex"),
    ("service='worker'", "quotes"),
    ("service=work[er", "unbalanced"),
])
def test_bad_matchers_are_refused(text: str, says: str) -> None:
    with pytest.raises(NoiseRefused, match=None) as exc:
        parse_matchers(text)
    assert says in str(exc.value)


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("10m", 600), ("4h", 14400), ("1h30m", 5400),
                                               ("2d", 172800), ("1w", 604800), (" 3H ", 10800)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize(("text", "says"), [
    ("", "needs an end"), ("0", "needs an end"), ("forever", "needs an end"), ("never", "needs an end"),
    ("4", "cannot read"), ("4x", "cannot read"), ("h", "cannot read"), ("1h junk", "cannot read"),
    ("0s", "no time at all"), ("31d", "longer than 30 days"), ("5w", "longer than 30 days"),
])
def test_no_end_or_too_long_is_refused(text: str, says: str) -> None:
    with pytest.raises(NoiseRefused) as exc:
        parse_duration(text)
    assert says in str(exc.value)


@pytest.mark.parametrize("match", ["host=*", "host=all", "host=web*,db1", "service=*", "host=* service=* problem=*",
                                   "severity=critical", "host=@web,web3,db1 severity=warning"])
def test_a_silence_matching_everything_is_refused(match: str) -> None:
    with pytest.raises(NoiseRefused) as exc:
        new_silence(match, "1h", "why", inventory=INV, actor="t", now=NOW)
    assert "would match every problem" in str(exc.value)


def test_host_terms_use_the_selector_and_name_real_hosts() -> None:
    with pytest.raises(NoiseRefused) as exc:
        new_silence("host=wbe1", "1h", "why", inventory=INV, actor="t", now=NOW)
    assert "host=wbe1" in str(exc.value) and "did you mean web1" in str(exc.value)
    s = new_silence("host=@web:!web2", "1h", "  known   noise ", inventory=INV, actor="cli:me", now=NOW)
    assert s.reason == "known noise" and s.ends_at == NOW + timedelta(hours=1) and s.id.startswith("s-")
    m = Matcher(s.matchers, INV)
    assert m.matches(alert("web1")) and not m.matches(alert("web2")) and not m.matches(alert("db1"))


def test_a_reason_is_required() -> None:
    with pytest.raises(NoiseRefused, match="needs a reason"):
        new_silence("service=worker", "1h", "  ", inventory=INV, actor="t", now=NOW)


def test_matching_on_the_problem_model() -> None:
    oom = alert("web1", "worker", AlertCode.LOG_PATTERN, Severity.CRITICAL, subject="redis.oom")
    loop = alert("web1", "worker", AlertCode.CRASH_LOOP)
    m = Matcher(parse_matchers("host=web* service=work* problem=redis.*"), INV)
    assert m.matches(oom) and not m.matches(loop)
    assert Matcher(parse_matchers("problem=crash_loop"), INV).matches(loop)
    assert Matcher(parse_matchers("project=shop severity=warning"), INV).matches(oom) is False
    assert Matcher(parse_matchers(f"fingerprint={oom.fingerprint[:8]}"), INV).matches(oom)
    assert not Matcher(parse_matchers(f"fingerprint={loop.fingerprint[:8]}"), INV).matches(oom)


def test_a_host_gone_from_the_inventory_matches_nothing() -> None:
    m = Matcher({"host": "web9"}, INV)
    assert m.error and not m.matches(alert("web9"))
