"""Secret redaction: every supported form is hidden, its context kept, near-misses survive."""

from __future__ import annotations

import time

import pytest
from pydantic import BaseModel

from dozor.security import REDACTED, is_secret_name, redact, redact_obj

R = REDACTED
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"

CASES = [
    # a password that starts like a path is still a password
    ("password: /Zk3/aB9q", "password: [REDACTED]"),
    ("secret: open sesame", "secret: [REDACTED]"),
    # URLs
    ("postgres://user:pa55@host/db", "postgres://user:***@host/db"),
    ("redis://:s3cr3t@cache:6379/0", "redis://:***@cache:6379/0"),
    ("mongodb+srv://admin:p@ss:w0rd@cluster.example.net/x", "mongodb+srv://admin:***@cluster.example.net/x"),
    ("DATABASE_URL=mysql://app:hunter2@db:3306/app", "DATABASE_URL=mysql://app:***@db:3306/app"),
    # key/value forms
    ("password=hunter2", f"password={R}"),
    ("PASSWORD=hunter2", f"PASSWORD={R}"),
    ("DB_PASSWORD=hunter2 user=bob", f"DB_PASSWORD={R} user=bob"),
    ("MYSQL_ROOT_PASSWORD=x", f"MYSQL_ROOT_PASSWORD={R}"),
    ("passwd=abc", f"passwd={R}"),
    ("pwd=abc", f"pwd={R}"),
    ("token=abc123", f"token={R}"),
    ("secret=abc", f"secret={R}"),
    ("api_key=abc", f"api_key={R}"),
    ("apikey=abc", f"apikey={R}"),
    ("x-api-key: abc", f"x-api-key: {R}"),
    ("access_key=abc", f"access_key={R}"),
    ("client_secret=abc&grant_type=client_credentials", f"client_secret={R}&grant_type=client_credentials"),
    ("SECRET_KEY_BASE=abc", f"SECRET_KEY_BASE={R}"),
    ("DB_PASSWORD2=abc", f"DB_PASSWORD2={R}"),
    ("db_pass=abc", f"db_pass={R}"),
    ("password: my secret phrase", f"password: {R}"),
    ("Password : x", f"Password : {R}"),
    ("  password: 'hunter2'", f"  password: '{R}'"),
    ('{"password": "x\\"y", "user": "bob"}', f'{{"password": "{R}", "user": "bob"}}'),
    ('{"apiKey":"abc","n":1}', f'{{"apiKey":"{R}","n":1}}'),
    ("{'token': 'abc'}", f"{{'token': '{R}'}}"),
    ('{\\"password\\": \\"x\\"}', f'{{\\"password\\": \\"{R}\\"}}'),
    ('"pin_code": 1234, "secret": 42', f'"pin_code": 1234, "secret": {R}'),
    ("Server=db;Password=abc;Database=x", f"Server=db;Password={R};Database=x"),
    ("mysqld --user=mysql --password=toor --port 3306", f"mysqld --user=mysql --password={R} --port 3306"),
    ("app --password toor --token=abc -v", f"app --password {R} --token={R} -v"),
    ("CREATE USER x IDENTIFIED BY 'pw1';", f"CREATE USER x IDENTIFIED BY '{R}';"),
    # AWS
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", f"aws_secret_access_key = {R}"),
    ("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG", f"AWS_SECRET_ACCESS_KEY={R}"),
    ("key id AKIAIOSFODNN7EXAMPLE used", f"key id {R} used"),
    ("ASIAY34FZKBOKMUTVV7A", R),
    # headers
    ("Authorization: Bearer abc.def.ghi", f"Authorization: Bearer {R}"),
    ("authorization: basic dXNlcjpwYXNz", f"authorization: basic {R}"),
    ('curl -H "Authorization: Token abc123" x', f'curl -H "Authorization: Token {R}" x'),
    ('{"Authorization": "Bearer abc.def.ghi"}', f'{{"Authorization": "Bearer {R}"}}'),
    ("Proxy-Authorization: Basic Zm9vOmJhcg==", f"Proxy-Authorization: Basic {R}"),
    ("sent header bearer abcdefgh12345678", f"sent header bearer {R}"),
    ("Cookie: session=abc; other=def", f"Cookie: {R}"),
    ("Set-Cookie: sid=abc; HttpOnly", f"Set-Cookie: {R}"),
    # token shapes
    ("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", R),
    ("gho_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 x", f"{R} x"),
    ("ghu_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", R),
    ("ghs_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", R),
    ("ghr_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", R),
    ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", R),
    ("https://ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789@github.com/x", f"https://{R}@github.com/x"),
    ("glpat-abcdefghij0123456789", R),
    ("xoxb-123456789012-abcdefghijkl", R),
    ("xoxp-1234-5678-abcdef", R),
    ("xapp-1-A0123-abcdef", R),
    ("AIzaSyA-abcdefghijklmnopqrstuvwxyz12345", R),
    ("npm_abcdefghijklmnopqrstuvwxyz0123456789", R),
    ("sk_live_abcdefghijklmnop1234", R),
    ("OPENAI sk-proj-abcdefghijklmnopqrstuvwx123", f"OPENAI {R}"),
    ("sk-ant-api03-abcdefghijklmnopqrstuvwxyz", R),
    (f"jwt {JWT} end", f"jwt {R} end"),
    (f"session={JWT}", f"session={R}"),
]

NEAR_MISSES = [
    # where a secret is read from, and why that failed: the path is not the secret (Go's *fs.PathError wording)
    "2026/12/07 13:26:35 read secret: open /run/secrets/db_password: no such file or directory",
    "password_file: /run/secrets/db_password",
    "passwords: 0 rotated",
    "password_policy=strict",
    "token_count=5",
    "max_tokens=100",
    "keyboard=us monkey=1 bypass=2 key=web1",
    "http://host:8080/path?x=1",
    "https://host/reset-password?next=/home",
    "user=bob status=ok",
    "the password was rotated yesterday",
    "Bearer tokens are short",
    "password=",
    'password: ""',
    "password: null",
    "POSTGRES_PASSWORD=${DB_PASSWORD}",
    "password=[REDACTED]",
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ user@host",
    "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq\n-----END PUBLIC KEY-----",
    "task-abcdefghijklmnopqrstuvwxyz",
    "2024-01-31T10:00:00Z web1 nginx[1]: GET /api?id=5&page=2 200",
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_secret_forms_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_survive(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(("text", "_expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_redaction_is_idempotent(text: str, _expected: str) -> None:
    once = redact(text)
    assert redact(once) == once


def test_private_key_block_is_redacted_across_lines() -> None:
    text = "before\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabc==\n-----END RSA PRIVATE KEY-----\nafter"
    assert redact(text) == f"before\n-----BEGIN RSA PRIVATE KEY-----{R}-----END RSA PRIVATE KEY-----\nafter"


@pytest.mark.parametrize("kind", ["", "RSA ", "EC ", "OPENSSH ", "ENCRYPTED ", "DSA "])
def test_every_private_key_kind(kind: str) -> None:
    text = f"-----BEGIN {kind}PRIVATE KEY-----\nQUJD\n-----END {kind}PRIVATE KEY-----"
    assert "QUJD" not in redact(text)


def test_pgp_and_json_escaped_private_keys() -> None:
    pgp = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQdGBF\n-----END PGP PRIVATE KEY BLOCK-----"
    assert "lQdGBF" not in redact(pgp)
    escaped = '{"key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQ\\n-----END PRIVATE KEY-----\\n"}'
    assert "MIIEvQ" not in redact(escaped)


def test_cut_off_private_key_is_redacted_to_the_end_of_its_body() -> None:
    text = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nMIIEowIBAAKCAQEA\nabcd"
    out = redact(text)
    assert "MIIE" not in out and "abcd" not in out and "ENCRYPTED" not in out


def test_several_secrets_on_one_line() -> None:
    text = f"url=postgres://u:pw@h token=abc {JWT} Authorization: Bearer zzzzzzzzzz"
    out = redact(text)
    for secret in ("pw@", "abc ", JWT, "zzzzzzzzzz"):
        assert secret not in out
    assert out.startswith("url=postgres://u:***@h token=")


def test_environment_list_from_docker_inspect() -> None:
    env = '["PATH=/usr/bin", "POSTGRES_PASSWORD=hunter2", "GITHUB_TOKEN=abc", "LANG=C"]'
    assert redact(env) == f'["PATH=/usr/bin", "POSTGRES_PASSWORD={R}", "GITHUB_TOKEN={R}", "LANG=C"]'


@pytest.mark.parametrize(
    "text",
    ["a." * 100_000, "-" * 200_000, "=" * 200_000, "a=" * 100_000, "x:" * 100_000, "key" * 70_000, "key=" * 50_000,
     "-----BEGIN RSA PRIVATE KEY-----" * 5000, "http://" * 30_000, 'password="' + "a" * 200_000],
)  # fmt: skip
def test_pathological_inputs_stay_fast(text: str) -> None:
    # A guard against catastrophic backtracking (which would take minutes here), not a speed target.
    started = time.perf_counter()
    redact(text)
    assert time.perf_counter() - started < 20.0


def test_large_ordinary_log_is_unchanged() -> None:
    line = '2024-01-31T10:00:00Z web1 nginx[1]: 10.0.0.1 "GET /api/v1/items?id=5&page=2" 200 user=bob\n'
    text = line * 10_000
    assert redact(text) == text


@pytest.mark.parametrize(
    "name",
    ["DB_PASSWORD", "PASSWORD", "dbPassword", "apiKey", "API_KEY", "GITHUB_TOKEN", "SSH_PRIVATE_KEY", "SENTRY_DSN",
     "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "MYSQLPASSWORD", "CLIENT_SECRET", "REDIS_PASS", "DB_PWD",
     "GOOGLE_APPLICATION_CREDENTIALS", "JWT_SECRET", "ENCRYPTION_KEY", "SECRET_KEY_BASE", "COOKIE_SECRET", "SALT"],
)  # fmt: skip
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    ["KEYBOARD_LAYOUT", "MAX_TOKENS", "TOKENIZERS_PARALLELISM", "SSH_PUBLIC_KEY", "PWD", "OLDPWD", "HOME", "PATH",
     "LANG", "PASSENGER_APP_ENV", "MONKEY_PATCH", "AUTHOR", "HOSTNAME"],
)  # fmt: skip
def test_not_secret_names(name: str) -> None:
    assert not is_secret_name(name)


class _Container(BaseModel):
    name: str
    env: dict[str, str]
    args: list[str]


def test_redact_obj_walks_dicts_lists_and_models() -> None:
    model = _Container(
        name="db",
        env={"POSTGRES_PASSWORD": "hunter2", "POSTGRES_USER": "app", "DATABASE_URL": "postgres://app:pw@db/x"},
        args=["--password=hunter2", "-v"],
    )
    data = {"containers": [model], "meta": ("token=abc", 3, None), "api_key": {"nested": "x", "n": 5, "on": True}}
    assert redact_obj(data) == {
        "containers": [
            {
                "name": "db",
                "env": {"POSTGRES_PASSWORD": R, "POSTGRES_USER": "app", "DATABASE_URL": "postgres://app:***@db/x"},
                "args": [f"--password={R}", "-v"],
            }
        ],
        "meta": (f"token={R}", 3, None),
        "api_key": {"nested": R, "n": R, "on": True},
    }
    assert model.env["POSTGRES_PASSWORD"] == "hunter2"  # the input is not changed


def test_redact_obj_keeps_empty_and_none_under_secret_keys() -> None:
    assert redact_obj({"PASSWORD": "", "TOKEN": None, "SECRET_SET": False}) == {
        "PASSWORD": "",
        "TOKEN": None,
        "SECRET_SET": False,
    }


@pytest.mark.parametrize(("text", "_expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_the_literal_prefilter_lets_every_secret_form_through(text: str, _expected: str) -> None:
    """The cheap pre-check may only say "cannot match" where the full scan finds nothing."""
    from dozor.security.redact import _MAY_MATCH

    assert _MAY_MATCH(text.lower())
    for pad in ("", "x" * 50 + " ", "\n"):
        assert _MAY_MATCH((pad + text + pad).lower())


def test_the_prefilter_agrees_with_the_scan_on_every_line_of_a_mixed_log() -> None:
    from dozor.security.redact import _MAY_MATCH, _SCAN

    lines = [t for t, _ in CASES] + NEAR_MISSES + [
        '{"host": "web1", "status": "ok", "services": [{"name": "api", "restarts": 0}]}',
        "GET /products/12 HTTP/1.1 200 512",
        "2026-01-01T00:00:00Z ERROR upstream connection refused to payments:443",
    ]
    for line in lines:
        if _SCAN.search(line):
            assert _MAY_MATCH(line.lower()), line


def test_non_ascii_text_is_always_scanned() -> None:
    """Case-insensitive matching folds the long s onto 's'; lower-casing does not: no pre-check for it."""
    assert redact("paſſword=hunter2") == f"paſſword={REDACTED}"
    assert redact("DB_PASSWORD=hunter2 ü") == f"DB_PASSWORD={REDACTED} ü"


def test_a_report_without_secret_words_comes_back_as_the_same_object() -> None:
    text = '{"hosts": [{"host": "web1", "status": "ok", "alerts": []}]}' * 100
    assert redact(text) is text
