"""The read-only exec allowlist: hostile input is refused by a named rule, real commands pass."""

from __future__ import annotations

import pytest

from dozor.ops.exec_policy import ALLOWLIST, CommandRefused, describe_allowlist, validate_command
from tests.fixtures.hostile import PAYLOADS_FILE, load_cases, load_payloads
from tests.fixtures.hostile.generate import BASE_TEMPLATES, build_cases, render

CANARY = "/tmp/dozor-canary-unit"
RULES = {
    "type", "empty", "length", "control", "metachar", "non-ascii", "syntax", "program", "subcommand", "option",
    "missing-value", "leading-dash", "value", "bound", "path", "arguments", "required",
}  # fmt: skip

C64 = "0123456789abcdef" * 4

# (command, expected argv); a string expectation is the argv joined by single spaces.
LEGIT: list[tuple[str, str | list[str]]] = [
    ("docker ps", "docker ps"),
    ("docker ps -a", "docker ps -a"),
    ("docker ps -aq --no-trunc", "docker ps -aq --no-trunc"),
    ("docker ps --filter status=exited", "docker ps --filter status=exited"),
    ("docker ps -f label=com.docker.compose.project=web", "docker ps -f label=com.docker.compose.project=web"),
    ("docker ps --format json", "docker ps --format json"),
    ("docker ps --format=table -n 5", "docker ps --format=table -n 5"),
    ("docker logs --tail 100 web", "docker logs --tail 100 web"),
    ("docker logs web --tail=50 -t", "docker logs web --tail=50 -t"),
    ("docker logs -n 20 --since 10m --until 1m api", "docker logs -n 20 --since 10m --until 1m api"),
    ("docker logs --since 2024-01-31T10:00:00Z db-1", "docker logs --since 2024-01-31T10:00:00Z db-1"),
    ("docker logs --since 1700000000 web", "docker logs --since 1700000000 web"),
    ("docker inspect web", "docker inspect web"),
    ("docker inspect --type container web db", "docker inspect --type container web db"),
    ("docker stats", "docker stats --no-stream"),
    ("docker stats --no-stream web", "docker stats --no-stream web"),
    ("docker stats -a --format json", "docker stats -a --format json --no-stream"),
    ("docker top web", "docker top web"),
    ("docker images", "docker images"),
    ("docker images -f dangling=true nginx:1.25", "docker images -f dangling=true nginx:1.25"),
    ("docker info --format json", "docker info --format json"),
    ("docker version", "docker version"),
    ("docker events --since 1h --until 0s", "docker events --since 1h --until 0s"),
    ("docker compose ps", "docker compose ps"),
    ("docker compose -p shop ps -a", "docker compose -p shop ps -a"),
    ("docker compose logs --tail 50 api", "docker compose logs --tail 50 api"),
    ("docker compose config --services", "docker compose config --services"),
    ("docker compose images", "docker compose images"),
    ("docker-compose ps", "docker-compose ps"),
    ("docker-compose logs --tail=20 --no-color web", "docker-compose logs --tail=20 --no-color web"),
    ("df -h", "df -h"),
    ("df -hT /var/lib/docker", "df -hT /var/lib/docker"),
    ("df -Pk", "df -Pk"),
    ("df -i -x tmpfs", "df -i -x tmpfs"),
    ("free -m", "free -m"),
    ("free -h", "free -h"),
    ("uptime", "uptime"),
    ("uname -a", "uname -a"),
    ("uname -srm", "uname -srm"),
    ("hostname", "hostname"),
    ("hostname -f", "hostname -f"),
    ("ps aux", "ps aux"),
    ("ps -ef", "ps -ef"),
    ("ps aux --sort=-%mem", "ps aux --sort=-%mem"),
    ("ps -eo pid,user,%cpu,comm --sort -%cpu", "ps -eo pid,user,%cpu,comm --sort -%cpu"),
    ("ss -tlnp", "ss -tlnp"),
    ("ss -ulnp", "ss -ulnp"),
    ("ss -tln", "ss -tln"),
    ("ss -l", "ss -l"),
    ("netstat -tlnp", "netstat -tlnp"),
    ("systemctl status docker", "systemctl status docker --no-pager"),
    ("systemctl status docker.service -n 20", "systemctl status docker.service -n 20 --no-pager"),
    ("systemctl --no-pager status ssh", "systemctl --no-pager status ssh"),
    ("systemctl is-active docker containerd", "systemctl is-active docker containerd --no-pager"),
    ("systemctl list-units --failed", "systemctl list-units --failed --no-pager"),
    (
        "systemctl list-units --type=service --state running",
        "systemctl list-units --type=service --state running --no-pager",
    ),
    ("journalctl -u docker --since 1h -n 50", "journalctl -u docker --since -1h -n 50 --no-pager"),
    ("journalctl -u docker --since -2h --no-pager", "journalctl -u docker --since -2h --no-pager"),
    ('journalctl --since "1 hour ago" -p err', ["journalctl", "--since", "1 hour ago", "-p", "err", "--no-pager"]),
    (
        'journalctl --since "2024-01-31 10:00" --until today',
        ["journalctl", "--since", "2024-01-31 10:00", "--until", "today", "--no-pager"],
    ),
    ("journalctl -k -b --lines=100 -o short-iso", "journalctl -k -b --lines=100 -o short-iso --no-pager"),
    ("journalctl -u nginx -g timeout -r", "journalctl -u nginx -g timeout -r --no-pager"),
    ("tail -n 200 /var/log/syslog", "tail -n 200 /var/log/syslog"),
    ("tail -n200 /var/log/nginx/error.log", "tail -n200 /var/log/nginx/error.log"),
    (
        f"tail -n 50 /var/lib/docker/containers/{C64}/{C64}-json.log",
        f"tail -n 50 /var/lib/docker/containers/{C64}/{C64}-json.log",
    ),
    ("head -n 20 /var/log/dpkg.log", "head -n 20 /var/log/dpkg.log"),
    ("cat /var/log/nginx/access.log.1", "cat /var/log/nginx/access.log.1"),
    ("grep -i error /var/log/syslog", "grep -i error /var/log/syslog"),
    (
        "grep -in 'connection refused' /var/log/syslog /var/log/kern.log",
        ["grep", "-in", "connection refused", "/var/log/syslog", "/var/log/kern.log"],
    ),
    ("grep -c -F Out.of.memory /var/log/kern.log", "grep -c -F Out.of.memory /var/log/kern.log"),
    ("grep -v ^DEBUG /var/log/app/app.log", "grep -v ^DEBUG /var/log/app/app.log"),
    ("grep ошибка /var/log/app/app.log", "grep ошибка /var/log/app/app.log"),
]


def _argv(expected: str | list[str]) -> list[str]:
    return expected.split(" ") if isinstance(expected, str) else expected


@pytest.mark.parametrize(("command", "expected"), LEGIT, ids=[c for c, _ in LEGIT])
def test_legitimate_commands_are_accepted_exactly(command: str, expected: str | list[str]) -> None:
    assert validate_command(command) == _argv(expected)


def test_there_are_enough_legitimate_examples() -> None:
    assert len(LEGIT) >= 40
    assert {c.split()[0] for c, _ in LEGIT} >= set(ALLOWLIST)


@pytest.mark.parametrize(("command", "expected"), LEGIT[:20], ids=[c for c, _ in LEGIT[:20]])
def test_argv_form_gives_the_same_answer(command: str, expected: str | list[str]) -> None:
    assert validate_command(command.split()) == _argv(expected)
    assert validate_command(tuple(command.split())) == _argv(expected)


def test_argv_form_keeps_a_spaced_grep_pattern() -> None:
    argv = ["grep", "-i", "connection refused", "/var/log/syslog"]
    assert validate_command(argv) == argv


def test_validation_is_idempotent() -> None:
    for command, expected in LEGIT:
        argv = _argv(expected)
        assert validate_command(argv) == argv, command


def test_base_templates_of_the_corpus_are_valid() -> None:
    for template in BASE_TEMPLATES:
        validate_command(template.replace("{X}", ""))


def test_corpus_file_is_up_to_date() -> None:
    assert PAYLOADS_FILE.read_text(encoding="utf-8") == render(build_cases()), "run generate.py"


def test_corpus_is_large_and_canaried() -> None:
    cases = load_cases(CANARY)
    assert len(cases) >= 1000
    injections = [c for c in cases if c.category in {"raw", "appended", "embedded", "prefixed"}]
    assert all(CANARY in c.payload for c in injections)
    assert not any("CANARY" in p for p in load_payloads(CANARY))


def test_every_hostile_payload_is_refused_by_a_named_rule() -> None:
    accepted = []
    for payload in load_payloads(CANARY):
        try:
            argv = validate_command(payload)
        except CommandRefused as exc:
            assert exc.rule in RULES, exc
            assert str(exc).startswith(f"refused by rule {exc.rule!r}: ")
        else:
            accepted.append((payload, argv))
    assert not accepted


def test_every_hostile_payload_is_refused_in_argv_form_too() -> None:
    for payload in load_payloads(CANARY):
        with pytest.raises(CommandRefused):
            validate_command(payload.split(" "))


@pytest.mark.parametrize(
    ("command", "rule", "fragment"),
    [
        ("docker ps; id", "metachar", "';' is not allowed"),
        ("docker ps | id", "metachar", "'|'"),
        ("docker logs $(id) web", "metachar", "'$'"),
        ("docker logs `id` web", "metachar", "'`'"),
        ("grep 'a;b' /var/log/syslog", "metachar", "';'"),
        ("docker ps\nid", "control", "'\\n'"),
        ("docker ps\x00", "control", "'\\x00'"),
        ("docker ps\r", "control", "'\\r'"),
        ("d\u043ecker ps", "non-ascii", "not ASCII"),
        ("docker\u00a0ps", "non-ascii", "U+00A0"),
        ("docker ps \u202e", "non-ascii", "U+202E"),
        ("docker logs w\u0435b", "non-ascii", "must be ASCII"),
        ("grep 'unbalanced /var/log/syslog", "syntax", "quotation"),
        ("rm -rf /", "program", "'rm' is not allowed"),
        ("/usr/bin/docker ps", "program", "/usr/bin/docker"),
        ("docker", "subcommand", "needs a subcommand"),
        ("docker exec web id", "subcommand", "'exec'"),
        ("docker rm web", "subcommand", "'rm'"),
        ("systemctl restart docker", "subcommand", "'restart'"),
        ("docker logs -f web", "option", "'-f'"),
        ("docker logs --follow web", "option", "'--follow'"),
        ("tail -fn 10 /var/log/syslog", "option", "'-f'"),
        ("journalctl -u docker -f", "option", "'-f'"),
        ("docker --config /tmp/x ps", "option", "'--config'"),
        ("docker logs --output=/tmp/x web", "option", "'--output'"),
        ("ss -tlnp -D /tmp/x", "option", "'-D'"),
        ("docker logs -- -f", "option", "'--'"),
        ("docker logs --tail", "missing-value", "--tail needs a value"),
        ("docker logs --tail 100 -- web", "option", "'--'"),
        ("docker logs --tail 100 -web", "option", "'-w'"),
        ("journalctl -u -f", "leading-dash", "must not start with '-'"),
        ("grep -i -- -e /var/log/syslog", "option", "'--'"),
        ("docker logs --tail all web", "value", "not a plain number"),
        ("docker logs --since yesterday web", "value", "docker duration"),
        ("docker ps --format {{.Names}}", "metachar", "'{'"),
        ("docker ps --format yaml", "value", "json, table"),
        ("docker ps --filter foo=bar", "value", "KEY=VALUE"),
        ("docker logs --tail 100000 web", "bound", "0..10000"),
        ("tail -n 99999 /var/log/syslog", "bound", "0..10000"),
        ("journalctl -n 0", "bound", "1..10000"),
        ("cat /etc/shadow", "path", "outside the log roots"),
        ("cat /var/log/../../etc/shadow", "path", "not normalised"),
        ("cat /var/log//syslog", "path", "empty components"),
        ("cat /var/log-evil/x", "path", "outside the log roots"),
        ("cat var/log/syslog", "path", "not an absolute path"),
        ("tail -n 10 /var/lib/docker/containers/abc/abc-json.log", "path", "outside"),
        ("grep -e x /var/log/syslog", "option", "'-e'"),
        ("grep -r x /var/log/syslog", "option", "'-r'"),
        ("grep x", "arguments", "needs PATTERN LOGFILE"),
        ("grep " + "x" * 201 + " /var/log/syslog", "length", "pattern"),
        ("grep a=b:c/d%e /var/log/syslog", "value", "pattern"),
        ("hostname evil", "arguments", "unexpected argument 'evil'"),
        ("docker top web aux", "arguments", "unexpected argument 'aux'"),
        ("docker logs", "arguments", "needs CONTAINER"),
        ("docker events --since 1h", "required", "--until"),
        ("docker compose config", "required", "--services"),
        ("ss -tanp", "option", "'-a'"),
        ("ss -tnp", "required", "--listening"),
        ("", "empty", "nothing to run"),
        ("   ", "empty", "nothing to run"),
        ("docker logs '' web", "empty", "empty argument"),
        ("docker ps " + "-a " * 700, "length", "longer than"),
    ],
)
def test_refusals_name_the_rule(command: str, rule: str, fragment: str) -> None:
    with pytest.raises(CommandRefused) as info:
        validate_command(command)
    assert info.value.rule == rule
    assert fragment in str(info.value)


@pytest.mark.parametrize("bad", [b"docker ps", 42, None, ["docker", 1], [b"docker", b"ps"]])
def test_wrong_types_are_refused(bad: object) -> None:
    with pytest.raises(CommandRefused) as info:
        validate_command(bad)  # type: ignore[arg-type]
    assert info.value.rule == "type"


def test_quotes_inside_argv_elements_are_refused() -> None:
    with pytest.raises(CommandRefused, match="metachar"):
        validate_command(["grep", "it's", "/var/log/syslog"])


def test_describe_allowlist_lists_every_program_and_the_forced_flags() -> None:
    text = describe_allowlist()
    for program in ALLOWLIST:
        assert f"\n{program}" in text
    assert "always adds: --no-pager" in text
    assert "always adds: --no-stream" in text
    assert "requires: --since" in text
