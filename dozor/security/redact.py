"""Secret redaction for everything dozor shows to a person or an LLM.

``redact`` replaces the secret part of a string and keeps the context around it: the key
name, the URL user, the auth scheme. It scans once, left to right, with one precompiled
pattern; what the pattern finds is refined by small Python checks (is this key a secret?).

Forms covered: ``key=value``, ``key: value``, ``"key": "value"``, ``--key value``,
``--key=value`` for secret-looking keys (``DB_PASSWORD``, ``api_key``, ``client-secret``,
``aws_secret_access_key``...), passwords in URLs, ``Authorization``/``Cookie`` headers and
bare ``Bearer`` tokens, ``IDENTIFIED BY '...'``, private-key blocks (also cut-off ones), and
well-known token shapes (AWS key ids, GitHub, GitLab, Slack, Google, npm, Stripe, ``sk-``
keys, JWTs).

Decisions: a key is secret when it *ends* with a secret word, optionally followed by a digit
or a suffix such as ``_base``: ``password_policy=strict``, ``token_count=5`` and
``passwords: 0 rotated`` survive, ``SECRET_KEY_BASE`` and ``DB_PASSWORD2`` do not. With ``:``
(YAML, headers, prose) an unquoted value is redacted to the end of the line, because values
with spaces are common there. Empty values, ``null`` and bare variable references such as
``${DB_PASSWORD}`` are kept: they are not secrets and they help debugging.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from dozor.analysis.keywords import literal_check

REDACTED = "[REDACTED]"
URL_PASSWORD = "***"

_KEY_WORDS = (
    "passw(?:or)?d|passphrase|pwd|[_.-]pass|secret|token|apikey|credentials?|creds|signature|cookie|dsn"
    "|session[_.-]?id|(?:api|access|secret|private|encryption|signing|master|auth|client|account|app|service"
    "|license|session|storage|shared|consumer|sas)[_.-]?key"
)
_SECRET_KEY = re.compile(
    rf"(?:{_KEY_WORDS})(?:[_.-]?[0-9]{{1,3}}|[_.-](?:base|value|b64|hex|plain|raw|enc|encrypted))?$", re.IGNORECASE
)

_TOKENS = (
    r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA|ABIA|ACCA)[0-9A-Z]{16}\b",
    r"\bgh[pousr]_[A-Za-z0-9]{20,255}\b",
    r"\bgithub_pat_[A-Za-z0-9_]{20,255}\b",
    r"\bglpat-[A-Za-z0-9_-]{20,}",
    r"\bxox[abposr]-[A-Za-z0-9-]{10,}",
    r"\bxapp-[A-Za-z0-9-]{10,}",
    r"\bAIza[0-9A-Za-z_-]{35}",
    r"\bnpm_[A-Za-z0-9]{36}\b",
    r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}",
    r"\bsk-[A-Za-z0-9_-]{20,}",
    r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
)

# Alternatives are tried in order at each position; the secret-word rule comes last so that a
# recognisable token or URL is handled by its own, more precise rule. Each alternative is gated
# by a lookahead on its first character, and the whole scan by their union: this keeps the scan
# about five times faster on ordinary logs than the bare alternation.
_SCAN = re.compile(
    r"(?=[-:aApPcCsSbBiIgxnretTkKdD])(?:"
    + "|".join(
        (
            r"(?=-)(?P<pkey>-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----)",
            r"(?=:)(?P<url>://[^\s:/@?#\"']*:)(?=[^\s/?#]*@)",
            r"(?=[aApP])(?P<auth>(?i:\b(?:proxy-)?authorization)\\?[\"']?[ \t]*[:=][ \t]*\\?[\"']?)",
            r"(?=[cCsS])(?P<cookie>(?i:\b(?:set-)?cookie)[ \t]*:[ \t]*)",
            r"(?=[bB])(?P<bearer>(?i:\bbearer)[ \t]+)(?=[A-Za-z0-9._~+/=-]{8,})",
            r"(?=[iI])(?P<sql>(?i:\bidentified[ \t]+by)[ \t]+)",
            "(?=[Agxnrse])(?P<token>" + "|".join(_TOKENS) + ")",
            r"(?=[pstkcdPSTKCD])(?P<kw>(?i:passw(?:or)?d|passphrase|pwd|pass|secret|token|key|credential|creds"
            r"|signature|cookie|dsn|session[_.-]?id))",
        )
    )
    + ")"
)

_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_MAX_KEY = 80
_SEP = re.compile(r"""\\?["']?(?P<sep>[ \t]*(?:=>|:=|=|:)[ \t]*)""")
_DASH_SEP = re.compile(r"[ \t]+")
_VALUE_EQ = re.compile(r"""\\"(?:[^"\\\n]|\\[^"\n])*\\"|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[^\s"'&,;}]+""")
_VALUE_COLON = re.compile(r"""\\"(?:[^"\\\n]|\\[^"\n])*\\"|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[^\s,}][^\n,}]*""")
_VALUE_WORD = re.compile(r"""\\"(?:[^"\\\n]|\\[^"\n])*\\"|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[^\s"']+""")
_URL_PASSWORD = re.compile(r"[^\s/?#]*@")
_AUTH_VALUE = re.compile(
    r"(?i:(?:bearer|basic|digest|token|negotiate|ntlm|aws4-hmac-sha256|apikey|sso-key)[ \t]+)?(?P<cred>[^\n\"'\\]+)"
)
_TO_EOL = re.compile(r"[^\r\n]+")
_BEARER_VALUE = re.compile(r"[A-Za-z0-9._~+/=-]+")
_PKEY_END = re.compile(r"-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----")
# A cut-off key block: base64 lines, "Proc-Type: ..." headers and blank lines.
_PKEY_BODY = re.compile(r"(?:[ \t]*(?:[A-Za-z0-9+/=\\]+|[A-Za-z-]+:[^\n]*)?\r?\n)*[A-Za-z0-9+/=\\]*")
_KEEP_VALUE = re.compile(
    r"""(?i)["']{2}|(?:\\?["'])?(?:null|none|nil|~|\*+|\[REDACTED\]|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)(?:\\?["'])?"""
)


# A file path named where a secret is read from, with the error about it ("read secret: open
# /run/secrets/db_password: no such file or directory"): the path is not the secret and says what is wrong.
# Under a usual root directory and two segments at least, so a password that merely starts with "/" (a
# base64 one can) is still redacted.
_KEEP_PATH = re.compile(
    r"(?:(?:open|read|stat|lstat|load(?:ing)?|reading)\s+)?\\?[\"']?"
    r"/(?:run|etc|var|home|opt|srv|usr|tmp|data|app|secrets?|certs?|config|mnt|root)(?:/[\w.@-]+)+\\?[\"']?"
    r"(?::\s*(?:no such file or directory|permission denied|is a directory|not a directory"
    r"|read-only file system)\.?)?",
    re.IGNORECASE,
)


def _redact_value(value: str) -> str:
    """Replace a value, keeping its quotes (plain or JSON-escaped)."""
    if _KEEP_VALUE.fullmatch(value.strip()) or _KEEP_PATH.fullmatch(value.strip()):
        return value
    for quote in ('\\"', '"', "'"):
        if len(value) >= 2 * len(quote) and value.startswith(quote) and value.endswith(quote):
            return f"{quote}{REDACTED}{quote}"
    return REDACTED


def _key_end(text: str, start: int, end: int) -> int:
    """End of the key-like run that contains the word at ``start:end``."""
    while end < len(text) and end - start < _MAX_KEY and text[end] in _KEY_CHARS:
        end += 1
    return end


def _secret_value(text: str, start: int, end: int, key_end: int) -> tuple[int, int] | None:
    """Span of the value when the secret word at ``start:end`` sits in a secret key followed by one."""
    key_start = start
    while key_start > 0 and start - key_start < _MAX_KEY and text[key_start - 1] in _KEY_CHARS:
        key_start -= 1
    key = text[key_start:key_end]
    if not _SECRET_KEY.search(key):
        return None
    value_re = None
    if sep := _SEP.match(text, key_end):
        value_re = _VALUE_COLON if sep["sep"].strip() == ":" else _VALUE_EQ
    elif key.startswith("-") and (sep := _DASH_SEP.match(text, key_end)):
        value_re = _VALUE_WORD
    if sep is None or value_re is None:
        return None
    value = value_re.match(text, sep.end())
    if value is None:
        return None
    return value.start(), value.start() + len(value.group().rstrip())


# False only when _SCAN cannot match an ASCII text: the literals its alternatives need, tested with
# ``in`` on the lower-cased text (a 270 kB report: 8 ms instead of the scan's 45 ms). Non-ASCII text
# is always scanned: case-insensitive matching folds some non-ASCII letters (the long s, the Kelvin
# sign) onto ASCII ones, which lower-casing does not.
_MAY_MATCH = literal_check(_SCAN.pattern)


def redact(text: str) -> str:
    """Return ``text`` with secrets replaced by ``[REDACTED]`` (URL passwords by ``***``)."""
    if text.isascii() and not _MAY_MATCH(text.lower()):
        return text
    out: list[str] = []
    pos = 0
    checked_until = 0  # secret words before this offset belong to a key already found not secret
    no_key_end_after = len(text) + 1
    while (m := _SCAN.search(text, pos)) is not None:
        start, end = m.span()
        kind = m.lastgroup
        if kind == "kw":
            value = None
            if start >= checked_until:
                key_end = _key_end(text, start, end)
                value = _secret_value(text, start, end, key_end)
                checked_until = key_end
            if value is None:
                out.append(text[pos:end])
                pos = end
                continue
            value_start, value_end = value
            out.append(text[pos:value_start])
            out.append(_redact_value(text[value_start:value_end]))
            pos = value_end
            continue
        out.append(text[pos:start])
        pos = end
        if kind == "token":
            out.append(REDACTED)
            continue
        out.append(m.group())
        if kind == "url":
            password = _URL_PASSWORD.match(text, end)
            if password is not None and password.group() != "@":
                out.append(URL_PASSWORD + "@")
                pos = password.end()
        elif kind == "pkey":
            # Once no END line follows some offset, none follows any later one.
            closing = _PKEY_END.search(text, end) if end < no_key_end_after else None
            if closing is not None:
                out.append(REDACTED + closing.group())
                pos = closing.end()
            else:
                no_key_end_after = end
                out.append(REDACTED)
                pos = _PKEY_BODY.match(text, end).end()  # type: ignore[union-attr]
        else:
            value_re = {"auth": _AUTH_VALUE, "cookie": _TO_EOL, "bearer": _BEARER_VALUE, "sql": _VALUE_WORD}[kind or ""]
            value = value_re.match(text, end)
            if value is not None:
                cred_start = value.start("cred") if kind == "auth" else value.start()
                out.append(text[end:cred_start])
                out.append(_redact_value(text[cred_start : value.end()]) if kind == "sql" else REDACTED)
                pos = value.end()
    out.append(text[pos:])
    return "".join(out)


_NAME_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_SECRET_PARTS = frozenset(
    {
        "PASSWORD", "PASSWORDS", "PASSWD", "PASS", "PWD", "PASSPHRASE", "SECRET", "SECRETS", "TOKEN", "KEY",
        "KEYS", "APIKEY", "CREDENTIAL", "CREDENTIALS", "CREDS", "PRIVATE", "COOKIE", "SIGNATURE", "SALT", "DSN",
        "PEPPER", "OTP", "TOTP",
    }
)  # fmt: skip
_SECRET_INFIXES = (
    "PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "APIKEY", "ACCESSKEY", "PRIVATEKEY", "CREDENTIAL", "AUTHTOKEN",
)  # fmt: skip
# Shell bookkeeping, not secrets, although the names look like it.
_NOT_SECRET_NAMES = frozenset({"PWD", "OLDPWD"})


def is_secret_name(name: str) -> bool:
    """True when an environment variable or field named ``name`` probably holds a secret.

    ``DB_PASSWORD``, ``apiKey``, ``GITHUB_TOKEN``, ``SSH_PRIVATE_KEY``, ``SENTRY_DSN`` are;
    ``KEYBOARD_LAYOUT``, ``MAX_TOKENS``, ``SSH_PUBLIC_KEY``, ``PWD`` are not.
    """
    upper = name.upper()
    if upper in _NOT_SECRET_NAMES:
        return False
    parts = {w.upper() for w in _NAME_WORDS.findall(name)}
    compact = re.sub(r"[^A-Z0-9]", "", upper)
    secret_parts = parts & _SECRET_PARTS
    if "PUBLIC" in parts and secret_parts <= {"KEY", "KEYS"}:
        return False
    return bool(secret_parts) or any(infix in compact for infix in _SECRET_INFIXES)


def _redact_all(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {k: _redact_all(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_redact_all(v) for v in obj]
    if obj is None or isinstance(obj, bool) or obj == "":
        return obj
    return REDACTED


def redact_obj(obj: Any) -> Any:
    """Redact every string inside dicts, lists, tuples and pydantic models (dumped to JSON data).

    Values under a secret-looking key (``is_secret_name``) are replaced whole, except
    ``None``, booleans and empty strings. Returns new containers; the input is not changed.
    """
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, BaseModel):
        return redact_obj(obj.model_dump(mode="json"))
    if isinstance(obj, Mapping):
        return {
            k: _redact_all(v) if isinstance(k, str) and is_secret_name(k) else redact_obj(v) for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [redact_obj(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(redact_obj(v) for v in obj)
    return obj
