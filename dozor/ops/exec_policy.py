"""Validated read-only exec: the only commands ``dozor exec`` will run on a host.

``validate_command`` accepts a command string or an argv and returns the argv to run,
or raises ``CommandRefused`` naming the rule that refused it. Every token has to be
explained by ``ALLOWLIST`` (program → subcommand → options and positionals, each value
checked by a validator); anything not listed is refused, so the allowlist is the whole
policy. The checks are done on text only: no I/O, no path resolution.

Rules, in the order they are applied:

    type         not a string or a sequence of strings
    empty        nothing to run, or an empty argument
    length       command, argument or argument count too large
    control      C0/C1 control characters, NUL, CR, LF, TAB, DEL
    metachar     shell metacharacters, even quoted: ; & | < > $ ` ( ) { } * ? [ ] ! ~ # \\
    non-ascii    invisible, spacing or punctuation code points beyond ASCII; any non-ASCII
                 outside a grep pattern (lookalike program names, paths, units)
    syntax       the string does not split (unbalanced quotes)
    program      program not on the allowlist (also paths such as /usr/bin/docker)
    subcommand   subcommand missing or not on the allowlist
    option       option not on the allowlist (-f, --follow, --output=, -exec, --config, ...)
    missing-value an option that needs a value has none
    leading-dash a name or path that starts with '-'
    value        a value that does not match its validator
    bound        a number outside its bounds (--tail, -n, --lines)
    path         a path that is not absolute, not normalised or outside the log roots
    arguments    too few or too many positional arguments
    required     a mandatory option is missing (docker events --since/--until, ss -l, ...)

Decisions worth knowing:

* Quotes are allowed in a command string only to group words (a grep pattern with a
  space); every metacharacter is refused even inside quotes, because the argv may still
  travel through a remote shell.
* ``systemctl`` and ``journalctl`` always get ``--no-pager``; ``docker stats`` always
  gets ``--no-stream``. These are appended when missing, so the command terminates.
* ``docker events`` needs both ``--since`` and ``--until`` (refused otherwise).
* ``docker compose config`` prints interpolated environment values, i.e. secrets, so it
  is only allowed with ``--services``, ``--volumes``, ``--images``, ``--profiles`` or
  ``-q``; the full rendering is refused.
* ``--format`` takes only ``json`` or ``table``: Go templates need braces.
* journalctl relative times without a sign (``--since 1h``) are rewritten to the past
  (``-1h``), which is what docker means by the same text.
* ``cat``/``tail``/``head``/``grep`` read only ``/var/log/...`` and docker's
  ``/var/lib/docker/containers/<id>/<id>-json.log``. A symlink inside those roots cannot
  be seen at the string level; the remote user's permissions are the last line.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from dozor.errors import CommandRefused  # re-exported: defined with the other errors

MAX_COMMAND_CHARS = 2048
MAX_TOKEN_CHARS = 512
MAX_TOKENS = 64
MAX_LINES = 10_000
MAX_PATTERN_CHARS = 200

_METACHARS = frozenset(";&|<>$`(){}*?[]!~#\\")
_QUOTES = frozenset("'\"")


# --- value validators -------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """A positional or option value: a label for the docs and a check.

    ``check`` returns the value to put in the argv (possibly normalised) or raises
    ``CommandRefused``. Only values with ``unicode=True`` may contain non-ASCII letters.
    """

    label: str
    check: Callable[[str], str]
    unicode: bool = False


def _pattern(label: str, regex: str, what: str, *, dash_ok: bool = False) -> Value:
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if value.startswith("-") and not dash_ok:
            raise CommandRefused("leading-dash", f"{what} {value!r} must not start with '-'")
        if not compiled.fullmatch(value):
            raise CommandRefused("value", f"{value!r} is not a valid {what}")
        return value

    return Value(label, check)


def _number(lo: int, hi: int, label: str = "N") -> Value:
    def check(value: str) -> str:
        if not re.fullmatch(r"[0-9]{1,7}", value):
            raise CommandRefused("value", f"{value!r} is not a plain number")
        if not lo <= int(value) <= hi:
            raise CommandRefused("bound", f"{value} is outside {lo}..{hi}")
        return value

    return Value(f"{label}({lo}..{hi})", check)


def _choice(*choices: str) -> Value:
    def check(value: str) -> str:
        if value not in choices:
            raise CommandRefused("value", f"{value!r} is not one of {', '.join(choices)}")
        return value

    return Value("|".join(choices), check)


_DOCKER_DURATION = re.compile(r"(?:[0-9]{1,6}(?:\.[0-9]{1,6})?(?:ns|us|ms|s|m|h))+")
_DOCKER_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
    r"|[0-9]{1,10}(?:\.[0-9]{1,9})?"
)


def _docker_time_check(value: str) -> str:
    if _DOCKER_DURATION.fullmatch(value) or _DOCKER_TIMESTAMP.fullmatch(value):
        return value
    raise CommandRefused("value", f"{value!r} is not a docker duration (10m, 1h30m) or timestamp")


_JOURNAL_UNITS = (
    "us|ms|seconds|second|sec|s|minutes|minute|min|m|hours|hour|hr|h|days|day|d"
    "|weeks|week|w|months|month|M|years|year|y"
)
_JOURNAL_RELATIVE = re.compile(
    rf"(?P<sign>[+-])?[0-9]{{1,6}} ?(?:{_JOURNAL_UNITS})"
    rf"(?: ?[0-9]{{1,6}} ?(?:{_JOURNAL_UNITS})){{0,3}}(?P<ago> ago)?"
)
_JOURNAL_ABSOLUTE = re.compile(
    r"now|today|yesterday|tomorrow|@[0-9]{1,10}"
    r"|[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2})?)?"
)


def _journal_time_check(value: str) -> str:
    if _JOURNAL_ABSOLUTE.fullmatch(value):
        return value
    m = _JOURNAL_RELATIVE.fullmatch(value)
    if m:
        # "1h" alone is not a systemd time; docker users mean "1h ago".
        return value if m["sign"] or m["ago"] else "-" + value
    raise CommandRefused("value", f"{value!r} is not a journal time (-1h, 2024-01-31 10:00, yesterday)")


_FILTER_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/@=-]{0,127}")


def _filter(*keys: str) -> Value:
    def check(value: str) -> str:
        key, eq, rest = value.partition("=")
        if not eq or key not in keys:
            raise CommandRefused("value", f"filter {value!r} must be KEY=VALUE with KEY one of {', '.join(keys)}")
        if not _FILTER_VALUE.fullmatch(rest):
            raise CommandRefused("value", f"filter value {rest!r} has unsupported characters")
        return value

    return Value("KEY=VALUE", check)


_PATH_CHARS = re.compile(r"(?:/[A-Za-z0-9_.@+,=:-]+)+")
_DOCKER_JSON_LOG = re.compile(r"/var/lib/docker/containers/([0-9a-f]{64})/\1-json\.log(?:\.[0-9]{1,3})?")


def _absolute_path(value: str) -> str:
    if value.startswith("-"):
        raise CommandRefused("leading-dash", f"path {value!r} must not start with '-'")
    if not value.startswith("/"):
        raise CommandRefused("path", f"{value!r} is not an absolute path")
    if not _PATH_CHARS.fullmatch(value):
        raise CommandRefused("path", f"{value!r} has unsupported characters or empty components")
    if ".." in value.split("/") or "." in value.split("/") or posixpath.normpath(value) != value:
        raise CommandRefused("path", f"{value!r} is not normalised ('.' or '..' components)")
    return value


def _log_path_check(value: str) -> str:
    _absolute_path(value)
    if value.startswith("/var/log/") or _DOCKER_JSON_LOG.fullmatch(value):
        return value
    raise CommandRefused(
        "path", f"{value!r} is outside the log roots (/var/log/, /var/lib/docker/containers/<id>/<id>-json.log)"
    )


_GREP_PATTERN = re.compile(r"[\w .:/=,@+^-]+")


def _grep_pattern_check(value: str) -> str:
    if value.startswith("-"):
        raise CommandRefused("leading-dash", f"pattern {value!r} must not start with '-'")
    if len(value) > MAX_PATTERN_CHARS:
        raise CommandRefused("length", f"pattern is longer than {MAX_PATTERN_CHARS} characters")
    if not value.strip() or not _GREP_PATTERN.fullmatch(value):
        raise CommandRefused("value", f"pattern {value!r} may hold only letters, digits, spaces and . : / = , @ + ^ -")
    return value


CONTAINER = _pattern("CONTAINER", r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}", "container name or id")
SERVICE = _pattern("SERVICE", r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}", "compose service name")
PROJECT = _pattern("PROJECT", r"[a-z0-9][a-z0-9_-]{0,127}", "compose project name")
IMAGE = _pattern("IMAGE", r"[a-z0-9][a-z0-9._/-]{0,254}(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?", "image reference")
UNIT = _pattern("UNIT", r"[A-Za-z0-9][A-Za-z0-9_.@:-]{0,255}", "systemd unit name")
USER = _pattern("USER", r"[a-z_][a-z0-9_-]{0,31}", "user name")
DOCKER_TIME = Value("TIME", _docker_time_check)
JOURNAL_TIME = Value("TIME", _journal_time_check)
LOGFILE = Value("LOGFILE", _log_path_check)
MOUNT = Value("PATH", _absolute_path)
GREP_PATTERN = Value("PATTERN", _grep_pattern_check, unicode=True)
LINES = _number(0, MAX_LINES)
FORMAT = _choice("json", "table")


# --- the allowlist as data ----------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """An allowed option: its spellings (first is canonical) and its value, if any."""

    names: tuple[str, ...]
    value: Value | None = None

    @property
    def canonical(self) -> str:
        """The name used in ``required`` and ``append``."""
        return self.names[0]


@dataclass(frozen=True)
class Command:
    """A runnable leaf: options, leading positionals, then a run of ``rest`` positionals.

    ``required`` lists groups of canonical option names; one of each group must appear.
    ``append`` lists flags added at the end when they are not already present.
    """

    summary: str
    options: tuple[Option, ...] = ()
    args: tuple[Value, ...] = ()
    rest: Value | None = None
    min_rest: int = 0
    max_rest: int = 0
    required: tuple[tuple[str, ...], ...] = ()
    append: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    """A program or subcommand that needs a further subcommand; ``options`` go before it."""

    summary: str
    subcommands: Mapping[str, Command | Group]
    options: tuple[Option, ...] = ()


def _flags(*names: str) -> tuple[Option, ...]:
    return tuple(Option(tuple(n.split("/"))) for n in names)


def _opt(names: str, value: Value) -> Option:
    return Option(tuple(names.split("/")), value)


_PS_FILTER = _filter(
    "name",
    "id",
    "label",
    "status",
    "health",
    "ancestor",
    "network",
    "publish",
    "expose",
    "volume",
    "exited",
    "before",
    "since",
    "is-task",
)
# ps -o is an output format, not a file; sort keys legitimately start with '-'.
_PS_FORMAT = _pattern("FORMAT", r"[A-Za-z%][A-Za-z0-9%_:,=+]{0,255}", "ps output format")
_PS_SORT = _pattern("KEYS", r"[+-]?[A-Za-z%_]+(?:,[+-]?[A-Za-z%_]+){0,15}", "ps sort key", dash_ok=True)
_PIDS = _pattern("PIDS", r"[0-9]{1,10}(?:,[0-9]{1,10}){0,63}", "pid list")
_IMAGE_FILTER = _filter("dangling", "label", "before", "since", "reference")
_EVENT_FILTER = _filter("container", "event", "image", "label", "network", "type", "volume", "daemon", "scope")

_DOCKER_LOG_OPTIONS = (
    _opt("--tail/-n", LINES),
    _opt("--since", DOCKER_TIME),
    _opt("--until", DOCKER_TIME),
    *_flags("--timestamps/-t"),
)

_COMPOSE = Group(
    "Docker Compose, read-only subcommands.",
    options=(_opt("--project-name/-p", PROJECT),),
    subcommands={
        "ps": Command(
            "List the project's containers.",
            options=(
                *_flags("--all/-a", "--quiet/-q", "--services"),
                _opt("--format", FORMAT),
                _opt("--status", _choice("paused", "restarting", "removing", "running", "dead", "created", "exited")),
            ),
            rest=SERVICE,
            max_rest=32,
        ),
        "logs": Command(
            "Recent log lines of the project's services (never follows).",
            options=(*_DOCKER_LOG_OPTIONS, *_flags("--no-color", "--no-log-prefix")),
            rest=SERVICE,
            max_rest=32,
        ),
        "config": Command(
            "Names from the resolved config; the full rendering is refused because it prints secrets.",
            options=_flags("--services", "--volumes", "--images", "--profiles", "--quiet/-q"),
            required=(("--services", "--volumes", "--images", "--profiles", "--quiet"),),
        ),
        "images": Command(
            "Images used by the project's containers.",
            options=(*_flags("--quiet/-q"), _opt("--format", FORMAT)),
            rest=SERVICE,
            max_rest=32,
        ),
    },
)

_DOCKER = Group(
    "Docker engine, read-only subcommands.",
    subcommands={
        "ps": Command(
            "List containers.",
            options=(
                *_flags("--all/-a", "--quiet/-q", "--no-trunc", "--size/-s", "--latest/-l"),
                _opt("--last/-n", _number(1, 1000)),
                _opt("--filter/-f", _PS_FILTER),
                _opt("--format", FORMAT),
            ),
        ),
        "logs": Command(
            "Recent log lines of one container (never follows).",
            options=(*_DOCKER_LOG_OPTIONS, *_flags("--details")),
            args=(CONTAINER,),
        ),
        "inspect": Command(
            "Low-level JSON of containers, images, volumes or networks (no --format templates).",
            options=(*_flags("--size/-s"), _opt("--type", _choice("container", "image", "volume", "network"))),
            rest=CONTAINER,
            min_rest=1,
            max_rest=16,
        ),
        "stats": Command(
            "One snapshot of container resource usage.",
            options=(*_flags("--no-stream", "--all/-a", "--no-trunc"), _opt("--format", FORMAT)),
            rest=CONTAINER,
            max_rest=32,
            append=("--no-stream",),
        ),
        "top": Command("Processes of one container.", args=(CONTAINER,)),
        "images": Command(
            "List images.",
            options=(
                *_flags("--all/-a", "--quiet/-q", "--no-trunc", "--digests"),
                _opt("--filter/-f", _IMAGE_FILTER),
                _opt("--format", FORMAT),
            ),
            rest=IMAGE,
            max_rest=1,
        ),
        "info": Command("Engine-wide information.", options=(_opt("--format/-f", _choice("json")),)),
        "version": Command("Client and engine versions.", options=(_opt("--format/-f", _choice("json")),)),
        "events": Command(
            "Engine events in a closed time window (--since and --until are both required).",
            options=(
                _opt("--since", DOCKER_TIME),
                _opt("--until", DOCKER_TIME),
                _opt("--filter/-f", _EVENT_FILTER),
                _opt("--format", _choice("json")),
            ),
            required=(("--since",), ("--until",)),
        ),
        "compose": _COMPOSE,
    },
)

_SYSTEMCTL_COMMON = (*_flags("--no-pager", "--full/-l", "--all/-a", "--plain", "--no-legend"),)
_SYSTEMCTL_QUERY = Command(
    "Query unit state.",
    options=(*_SYSTEMCTL_COMMON, *_flags("--quiet/-q")),
    rest=UNIT,
    min_rest=1,
    max_rest=32,
    append=("--no-pager",),
)
_UNIT_TYPES = _choice("service", "socket", "target", "timer", "mount", "path", "slice", "scope", "device", "swap")
_UNIT_STATES = _choice("active", "inactive", "failed", "running", "exited", "dead", "activating", "loaded")

ALLOWLIST: Mapping[str, Command | Group] = {
    "docker": _DOCKER,
    "docker-compose": _COMPOSE,
    "df": Command(
        "Disk usage per filesystem.",
        options=(
            *_flags(
                "--human-readable/-h",
                "--si/-H",
                "--portability/-P",
                "-k",
                "--inodes/-i",
                "--print-type/-T",
                "--local/-l",
                "--all/-a",
                "--total",
            ),
            _opt("--type/-t", _pattern("FSTYPE", r"[a-z0-9][a-z0-9._]{0,31}", "filesystem type")),
            _opt("--exclude-type/-x", _pattern("FSTYPE", r"[a-z0-9][a-z0-9._]{0,31}", "filesystem type")),
        ),
        rest=MOUNT,
        max_rest=8,
    ),
    "free": Command(
        "Memory usage.",
        options=_flags("--bytes/-b", "--kibi/-k", "--mebi/-m", "--gibi/-g", "--human/-h", "--total/-t", "--si", "-l"),
    ),
    "uptime": Command("Time since boot and load.", options=_flags("--pretty/-p", "--since/-s")),
    "uname": Command("Kernel and machine.", options=_flags("-a", "-s", "-n", "-r", "-v", "-m", "-p", "-i", "-o")),
    "hostname": Command(
        "Host name (no arguments: with one it would set the name).",
        options=_flags("--fqdn/-f", "--short/-s", "--ip-address/-i", "--all-ip-addresses/-I", "--domain/-d"),
    ),
    "ps": Command(
        "Process list.",
        options=(
            *_flags("-e", "-A", "-f", "-F", "-l", "-H", "--forest", "--no-headers"),
            _opt("-o/-O", _PS_FORMAT),
            _opt("--sort", _PS_SORT),
            _opt("--pid/-p", _PIDS),
            _opt("--user/-u", USER),
            _opt("-C", _pattern("NAME", r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}", "command name")),
        ),
        rest=_choice("aux", "axu", "ax", "auxf", "auxww", "axjf"),
        max_rest=1,
    ),
    "ss": Command(
        "Listening sockets only (-l is required; no filters, no -K, no -D).",
        options=_flags(
            "--listening/-l",
            "--tcp/-t",
            "--udp/-u",
            "--numeric/-n",
            "--processes/-p",
            "--extended/-e",
            "-x",
            "--ipv4/-4",
            "--ipv6/-6",
            "--no-header/-H",
        ),
        required=(("--listening",),),
    ),
    "netstat": Command(
        "Listening sockets only (-l is required).",
        options=_flags("--listening/-l", "--tcp/-t", "--udp/-u", "--numeric/-n", "--program/-p", "--extend/-e"),
        required=(("--listening",),),
    ),
    "systemctl": Group(
        "systemd unit state (read-only verbs, --no-pager always added).",
        options=_SYSTEMCTL_COMMON,
        subcommands={
            "status": Command(
                "Unit status with its last journal lines.",
                options=(*_SYSTEMCTL_COMMON, _opt("--lines/-n", _number(0, 1000))),
                rest=UNIT,
                max_rest=32,
                append=("--no-pager",),
            ),
            "is-active": _SYSTEMCTL_QUERY,
            "is-enabled": _SYSTEMCTL_QUERY,
            "is-failed": _SYSTEMCTL_QUERY,
            "list-units": Command(
                "Loaded units.",
                options=(
                    *_SYSTEMCTL_COMMON,
                    *_flags("--failed"),
                    _opt("--type/-t", _UNIT_TYPES),
                    _opt("--state", _UNIT_STATES),
                ),
                rest=UNIT,
                max_rest=32,
                append=("--no-pager",),
            ),
            "list-timers": Command("Timers and their next run.", options=_SYSTEMCTL_COMMON, append=("--no-pager",)),
        },
    ),
    "journalctl": Command(
        "Journal entries, bounded and never followed (--no-pager always added).",
        options=(
            _opt("--unit/-u", UNIT),
            _opt("--identifier/-t", _pattern("ID", r"[A-Za-z0-9][A-Za-z0-9_.@:-]{0,63}", "syslog identifier")),
            _opt("--since/-S", JOURNAL_TIME),
            _opt("--until/-U", JOURNAL_TIME),
            _opt("--lines/-n", _number(1, MAX_LINES)),
            _opt(
                "--priority/-p",
                _pattern(
                    "PRIORITY",
                    r"(?:[0-7]|emerg|alert|crit|err|warning|notice|info|debug)"
                    r"(?:\.\.(?:[0-7]|emerg|alert|crit|err|warning|notice|info|debug))?",
                    "priority",
                ),
            ),
            _opt(
                "--output/-o",
                _choice(
                    "short",
                    "short-iso",
                    "short-iso-precise",
                    "short-precise",
                    "short-monotonic",
                    "short-unix",
                    "cat",
                    "json",
                    "json-pretty",
                    "verbose",
                    "with-unit",
                ),
            ),
            _opt("--grep/-g", GREP_PATTERN),
            *_flags(
                "--no-pager",
                "--reverse/-r",
                "--dmesg/-k",
                "--boot/-b",
                "--quiet/-q",
                "--catalog/-x",
                "--no-hostname",
                "--utc",
            ),
        ),
        append=("--no-pager",),
    ),
    "cat": Command(
        "Whole log files under the log roots.",
        options=_flags(
            "--number/-n",
            "--number-nonblank/-b",
            "--squeeze-blank/-s",
            "--show-all/-A",
            "--show-nonprinting/-v",
            "-E",
            "-T",
        ),
        rest=LOGFILE,
        min_rest=1,
        max_rest=8,
    ),
    "tail": Command(
        "Last lines of log files (never follows).",
        options=(_opt("--lines/-n", LINES), *_flags("--quiet/-q", "--verbose/-v")),
        rest=LOGFILE,
        min_rest=1,
        max_rest=8,
    ),
    "head": Command(
        "First lines of log files.",
        options=(_opt("--lines/-n", LINES), *_flags("--quiet/-q", "--verbose/-v")),
        rest=LOGFILE,
        min_rest=1,
        max_rest=8,
    ),
    "grep": Command(
        "Search log files for a plain pattern.",
        options=_flags("-i", "-n", "-c", "-E", "-F", "-v"),
        args=(GREP_PATTERN,),
        rest=LOGFILE,
        min_rest=1,
        max_rest=8,
    ),
}


# --- validation ---------------------------------------------------------------------


def _check_chars(text: str, *, allow_quotes: bool) -> None:
    for ch in text:
        code = ord(ch)
        if code < 0x20 or 0x7F <= code <= 0x9F:
            raise CommandRefused("control", f"control character {ch!r} is not allowed")
        if ch in _METACHARS:
            raise CommandRefused("metachar", f"{ch!r} is not allowed")
        if ch in _QUOTES and not allow_quotes:
            raise CommandRefused("metachar", f"{ch!r} is not allowed inside an argument")
        if code > 0x7E and not ch.isalnum():
            raise CommandRefused("non-ascii", f"code point U+{code:04X} is not allowed")


def _tokens(command: str | Sequence[str]) -> list[str]:
    if isinstance(command, str):
        if len(command) > MAX_COMMAND_CHARS:
            raise CommandRefused("length", f"command is longer than {MAX_COMMAND_CHARS} characters")
        _check_chars(command, allow_quotes=True)
        try:
            tokens = shlex.split(command)
        except ValueError as exc:
            raise CommandRefused("syntax", str(exc)) from None
    elif isinstance(command, Sequence) and not isinstance(command, (bytes, bytearray)):
        tokens = list(command)
        if not all(isinstance(t, str) for t in tokens):
            raise CommandRefused("type", "every argument must be a string")
        if sum(len(t) for t in tokens) > MAX_COMMAND_CHARS:
            raise CommandRefused("length", f"command is longer than {MAX_COMMAND_CHARS} characters")
    else:
        raise CommandRefused("type", f"expected a string or a list of strings, got {type(command).__name__}")
    if not tokens:
        raise CommandRefused("empty", "nothing to run")
    if len(tokens) > MAX_TOKENS:
        raise CommandRefused("length", f"more than {MAX_TOKENS} arguments")
    for token in tokens:
        if not token:
            raise CommandRefused("empty", "empty argument")
        if len(token) > MAX_TOKEN_CHARS:
            raise CommandRefused("length", f"an argument is longer than {MAX_TOKEN_CHARS} characters")
        _check_chars(token, allow_quotes=False)
    return tokens


def _check_value(value: Value, token: str) -> str:
    if not value.unicode and not token.isascii():
        raise CommandRefused("non-ascii", f"{token!r} must be ASCII")
    return value.check(token)


class _Parser:
    """Walks the tokens against the spec; ``seen`` is shared by a group and its leaf."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 1
        self.out = [tokens[0]]
        self.seen: set[str] = set()

    def _next(self) -> str | None:
        if self.pos >= len(self.tokens):
            return None
        self.pos += 1
        return self.tokens[self.pos - 1]

    def _value_for(self, opt: Option, where: str) -> str:
        token = self._next()
        if token is None:
            raise CommandRefused("missing-value", f"{opt.canonical} needs a value ({where})")
        assert opt.value is not None
        return _check_value(opt.value, token)

    def option(self, token: str, options: tuple[Option, ...], where: str) -> None:
        by_name = {name: opt for opt in options for name in opt.names}
        allowed = ", ".join("/".join(o.names) for o in options) or "none"
        if token == "--":
            raise CommandRefused("option", f"'--' is not allowed ({where})")
        if token.startswith("--"):
            name, eq, inline = token.partition("=")
            opt = by_name.get(name)
            if opt is None:
                raise CommandRefused("option", f"{name!r} is not allowed for {where} (allowed: {allowed})")
            self.seen.add(opt.canonical)
            if opt.value is None:
                if eq:
                    raise CommandRefused("option", f"{name} takes no value ({where})")
                self.out.append(token)
            elif eq:
                self.out.append(f"{name}={_check_value(opt.value, inline)}")
            else:
                self.out += [name, self._value_for(opt, where)]
            return
        for i in range(1, len(token)):
            opt = by_name.get("-" + token[i])
            if opt is None:
                raise CommandRefused(
                    "option", f"'-{token[i]}' (in {token!r}) is not allowed for {where} (allowed: {allowed})"
                )
            self.seen.add(opt.canonical)
            if opt.value is None:
                continue
            inline = token[i + 1 :]
            if inline:
                self.out.append(token[: i + 1] + _check_value(opt.value, inline))
            else:
                self.out += [token, self._value_for(opt, where)]
            return
        self.out.append(token)

    def run(self, spec: Command | Group, where: str) -> None:
        if isinstance(spec, Group):
            self.group(spec, where)
        else:
            self.leaf(spec, where)

    def group(self, spec: Group, where: str) -> None:
        while True:
            token = self._next()
            names = ", ".join(spec.subcommands)
            if token is None:
                raise CommandRefused("subcommand", f"{where} needs a subcommand: {names}")
            if token.startswith("-") and len(token) > 1:
                self.option(token, spec.options, where)
                continue
            sub = spec.subcommands.get(token)
            if sub is None:
                raise CommandRefused("subcommand", f"{token!r} is not allowed for {where} (allowed: {names})")
            self.out.append(token)
            self.run(sub, f"{where} {token}")
            return

    def leaf(self, spec: Command, where: str) -> None:
        positionals: list[str] = []
        while (token := self._next()) is not None:
            if token.startswith("-") and len(token) > 1:
                self.option(token, spec.options, where)
                continue
            index = len(positionals)
            value = spec.args[index] if index < len(spec.args) else spec.rest
            if value is None or index >= len(spec.args) + spec.max_rest:
                raise CommandRefused("arguments", f"unexpected argument {token!r} for {where}")
            checked = _check_value(value, token)
            positionals.append(checked)
            self.out.append(checked)
        if len(positionals) < len(spec.args) + spec.min_rest:
            wanted = " ".join(v.label for v in spec.args) + (f" {spec.rest.label}..." if spec.min_rest else "")
            raise CommandRefused("arguments", f"{where} needs {wanted.strip()}")
        for group in spec.required:
            if not self.seen.intersection(group):
                raise CommandRefused("required", f"{where} needs {' or '.join(group)}")
        for flag in spec.append:
            if flag not in self.seen:
                self.out.append(flag)


def validate_command(command: str | Sequence[str]) -> list[str]:
    """Return the argv to run for ``command``, or raise ``CommandRefused``.

    A string is checked character by character first and only then split with
    ``shlex.split``; a sequence is taken as the argv and checked the same way.
    The result may differ from the input only by appended flags (``--no-pager``,
    ``--no-stream``) and journal times made explicit (``1h`` → ``-1h``).
    """
    tokens = _tokens(command)
    program = tokens[0]
    if not program.isascii():
        raise CommandRefused("non-ascii", f"program name {program!r} is not ASCII")
    spec = ALLOWLIST.get(program)
    if spec is None:
        raise CommandRefused("program", f"{program!r} is not allowed (allowed: {', '.join(ALLOWLIST)})")
    parser = _Parser(tokens)
    parser.run(spec, program)
    return parser.out


# --- documentation ------------------------------------------------------------------


def _describe_options(options: tuple[Option, ...]) -> str:
    return ", ".join("/".join(o.names) + (f" {o.value.label}" if o.value else "") for o in options)


def _describe(spec: Command | Group, prefix: str, lines: list[str]) -> None:
    if isinstance(spec, Group):
        if spec.options:
            prefix += f" [{_describe_options(spec.options)}]"
        for name, sub in spec.subcommands.items():
            _describe(sub, f"{prefix} {name}", lines)
        return
    usage = [v.label for v in spec.args]
    if spec.rest is not None and spec.max_rest:
        rest = f"{spec.rest.label}..." if spec.max_rest > 1 else spec.rest.label
        usage.append(rest if spec.min_rest else f"[{rest}]")
    lines.append(" ".join([prefix, *usage]))
    lines.append(f"    {spec.summary}")
    if spec.options:
        lines.append(f"    options: {_describe_options(spec.options)}")
    for group in spec.required:
        lines.append(f"    requires: {' or '.join(group)}")
    if spec.append:
        lines.append(f"    always adds: {' '.join(spec.append)}")


def describe_allowlist() -> str:
    """The allowlist as text for ``dozor exec --list`` and the docs."""
    lines = [
        "Read-only commands accepted by dozor exec. Anything else is refused;",
        "shell metacharacters are refused everywhere, even quoted.",
        "",
    ]
    for program, spec in ALLOWLIST.items():
        _describe(spec, program, lines)
    return "\n".join(lines) + "\n"
