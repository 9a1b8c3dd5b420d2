"""Log events: what one line, or one multi-line group of lines, of a container's log says.

Pure code. ``EventParser`` takes ``(timestamp, line)`` pairs one at a time (the Docker timestamp already
split off by the collector, None when unknown) and gives back ``LogEvent`` objects:

- a JSON object line (``{...}`` that ``json.loads`` accepts; anything else stays text), with the common
  field-name variants of structured loggers (pino/bunyan, zap, zerolog, slog, logrus, Serilog CLEF,
  ECS/Logstash, python-json-logger) and the Traefik and Caddy access logs;
- a logfmt line (``level=warn msg="..." key=value``), recognised per line;
- a combined/common log format access line;
- a text line, with the level it declares near its start (``ERROR``, ``[warn]``, ``level=info``), if any;
- a multi-line group: a Python traceback, a Java stack trace (``\\tat ...``, ``Caused by: ...``,
  ``... N more``), a Go panic or goroutine dump, a Node error with its ``at`` frames and ``{ code: ... }``
  trailer, an Erlang/RabbitMQ report. A group is one event; its deciding line (the last ``Caused by:``,
  the final Python exception line, the ``panic:`` line, the Node ``Error:`` line) is its message.

A group opens only on a line holding one of ``EVENT_WORDS`` (the analyzer's skimmer feeds every such
line), and is bounded in lines and bytes. The parser keeps one pending group; ``open`` says whether the
next line may still belong to it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from urllib.parse import urlsplit

from dozor.analysis.keywords import keyword_regex
from dozor.analysis.scanners import AccessRecord, json_access_record, parse_access_line, parse_access_time

# Normalised levels. Error-ness comes from the level when the event declares one.
ERROR_LEVELS = frozenset(("error", "critical"))
LOW_LEVELS = frozenset(("trace", "debug", "info", "notice"))
_LEVEL_WORDS = {
    **dict.fromkeys(("trace", "trc", "finest", "finer"), "trace"),
    **dict.fromkeys(("debug", "dbug", "debu", "dbg", "verbose", "fine", "config"), "debug"),
    **dict.fromkeys(("info", "information", "informational", "inf", "note", "system"), "info"),
    **dict.fromkeys(("notice", "noti"), "notice"),
    **dict.fromkeys(("warn", "warning", "wrn"), "warning"),
    **dict.fromkeys(("error", "err", "eror", "erro"), "error"),
    **dict.fromkeys(
        ("fatal", "crit", "critical", "alert", "emerg", "emergency", "panic", "dpanic", "severe"), "critical"
    ),
}
# Lower-case words every error-level spelling above contains, and the words that open a multi-line
# group: the analyzer looks for all of them, so its skimmer never skips a line that decides an event.
EVENT_WORDS = frozenset(
    (
        "err",
        "eror",
        "fatal",
        "crit",
        "alert",
        "emerg",
        "panic",
        "severe",
        "exception",
        "throwable",
        "traceback (most recent call last):",
        "goroutine ",
        "report====",
        "caused by: ",
    )
)
_EVENT_WORDS = keyword_regex(EVENT_WORDS)

# A level declared near the start of a text line: an upper-case level word, a bracketed one, level=/lvl=.
# Each alternative starts with a plain character (the boundary before it is a lookbehind), so the engine
# only tries the positions holding one of them.
_UPPER_LEVELS = (
    *("TRACE", "DEBUG", "DBG", "INFO", "INF", "NOTICE", "WARN", "WARNING", "WRN"),
    *("ERROR", "ERR", "FATAL", "CRIT", "CRITICAL", "ALERT", "EMERG", "PANIC", "SEVERE"),
)
_BRACKET_LEVELS = (
    "trace|debug|debu|info|note|notice|noti|system|warn|warning|error|err|erro|fatal|crit|critical|alert|emerg|panic"
)
_TEXT_LEVEL = re.compile(
    "(" + "|".join(f"{w[0]}(?<![\\w.-]{w[0]}){w[1:]}" for w in sorted(_UPPER_LEVELS, key=len, reverse=True)) + ")"
    r"(?![\w-])"
    rf"|\[(?i:({_BRACKET_LEVELS}))\]"
    r"|([lL])(?<![\w.-][lL])(?i:evel|vl)=\"?(\w+)"
)
_LEVEL_WINDOW = 100

# JSON field-name variants, most common first.
_MSG_KEYS = ("msg", "message", "@m", "@mt", "RenderedMessage", "MessageTemplate", "Message")
_LEVEL_KEYS = ("level", "lvl", "severity", "@l", "log.level", "levelname", "Level", "loglevel")
_TIME_KEYS = ("time", "ts", "timestamp", "@t", "@timestamp", "Timestamp", "t")
# Fields whose text is matched with the message (an error, its exception or stack). Only the first
# three make an event without a level an error; a stack alone does not.
_ERROR_KEYS = ("error", "err", "exception", "Exception", "error.message", "exc_info", "@x", "stack_trace", "stack")
_ERRORING_KEYS = frozenset(("error", "err", "exception", "Exception", "error.message"))
_STATUS_KEYS = ("status", "status_code", "response_status")
_PATH_KEYS = ("path", "uri", "url")
_UPSTREAM_KEYS = ("upstream", "upstream_addr")
_DURATION_KEYS = ("duration", "latency", "request_time")
_REQUEST_LINE = re.compile(r"([A-Z]{3,10}) (\S+)")
# Joins the message and the error fields into the text the patterns see: no pattern keyword holds it,
# so a keyword never spans two fields (the analyzer checks).
JOIN = " | "
_TEXT_LIMIT = 4000

# logfmt: key=value pairs only, values bare or double-quoted.
_PAIR = r'[A-Za-z_][\w.@/-]*=(?:"(?:[^"\\]|\\.)*"|[^\s"]*)'
_LOGFMT = re.compile(rf"{_PAIR}(?: +{_PAIR})* *")
_LOGFMT_PAIR = re.compile(r'([A-Za-z_][\w.@/-]*)=(?:"((?:[^"\\]|\\.)*)"|([^\s"]*))')

# Multi-line groups.
MAX_GROUP_LINES = 500
MAX_GROUP_BYTES = 256 * 1024
_TB_HEADER = re.compile(r"^\s*Traceback \(most recent call last\):")
_TB_CHAIN = re.compile(
    r"^(?:During handling of the above exception, another exception occurred:"
    r"|The above exception was the direct cause of the following exception:)\s*$"
)
_TB_FINAL = re.compile(r"^[A-Za-z_][\w.]*(?::\s|:?$)")
_GO_HEADER = re.compile(r"^(?:panic: |fatal error: |goroutine \d+ \[)")
_GO_FRAME = re.compile(
    r"^(?:\s|$|\[signal |goroutine \d+ \[|created by |\[recovered\]|[\w./*()\[\]{}$-]+\(.*\)$)"
)
_JAVA_MORE = re.compile(r"^\.\.\. \d+ (?:more|common frames omitted)")
_EXCEPTION_LINE = re.compile(r"^(?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable)\b(?::|$)")
_NODE_CAUSE = re.compile(r"^\s+\[cause\]: (.*)")
_NODE_CODE = re.compile(r"^\s+code: '([^']*)',?$")
_ERLANG_HEADER = re.compile(r"^=([A-Z]+) REPORT==== .* ===$")
_ERLANG_LEVEL = {"ERROR": "error", "CRASH": "error", "SUPERVISOR": "error", "WARNING": "warning"}
# RabbitMQ (lager, Erlang logger): "2023-02-22 00:01:31.601000+02:00 [error] <0.364.0> ** Generic server".
_ERLANG_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)? \[\w+\] <\d+\.\d+\.\d+> ")


@dataclass(slots=True)
class LogEvent:
    """One log event: a line, or a multi-line group counted once."""

    ts: datetime | None
    """The Docker timestamp of its first line, when known."""
    raw: str
    """Its first line as logged."""
    format: str
    """text, json, logfmt, access, python, stack, go, erlang."""
    message: str
    """The deciding text: the msg field, the last ``Caused by:`` line, the final traceback line, the line."""
    level: str | None = None
    """trace, debug, info, notice, warning, error or critical, when the event declares one (a text line's
    is read on demand: see ``level_of``)."""
    level_read: bool = True
    fields: dict[str, object] = field(default_factory=dict)
    """Named fields of a structured line (JSON top level, logfmt pairs; a Node error's ``code``)."""
    access: AccessRecord | None = None
    """The access-record part, when the event is (also) a web request."""
    access_log: bool = False
    """The line is a web access-log record (combined/common, traefik, caddy), counted as a request; an
    application's JSON line with an access part is analysed the same way but not counted."""
    texts: tuple[str, ...] = ()
    """What the pattern library matches, deciding text first (a structured line: the message joined with
    its error fields, then the whole line)."""
    errorish: bool = False
    """An error field is set (structured lines): an error even without a level or an error word."""
    lines: int = 1
    raw_time: str | float | None = None

    @property
    def time(self) -> datetime | None:
        """The Docker timestamp, else the event's own time field."""
        if self.ts is not None:
            return self.ts
        if self.raw_time is None:
            return None
        return _event_time(self.raw_time)


def _event_time(raw: str | float) -> datetime | None:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        # Epoch seconds (caddy, zap), milliseconds (pino), micro- or nanoseconds.
        for scale in (1, 1e3, 1e6, 1e9):
            if raw < 1e11 * scale:
                try:
                    return datetime.fromtimestamp(raw / scale, UTC)
                except (ValueError, OverflowError, OSError):
                    return None
        return None
    if isinstance(raw, str):
        when = parse_access_time(raw)
        # A time without a zone (logrus' default layout): taken as UTC, so it compares with the others.
        return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when
    return None


def text_level(line: str) -> str | None:
    """The level a text line declares near its start (``ERROR``, ``[warn]``, ``level=info``), or None."""
    m = _TEXT_LEVEL.search(line, 0, _LEVEL_WINDOW)
    if m is None:
        return None
    word = m.group(1) or m.group(2) or m.group(4)
    return _LEVEL_WORDS.get(word.lower())


def _level_value(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):  # pino / bunyan: 10 trace ... 60 fatal
        if value >= 60:
            return "critical"
        if value >= 50:
            return "error"
        if value >= 40:
            return "warning"
        if value >= 30:
            return "info"
        return "debug" if value >= 20 else "trace"
    if isinstance(value, str):
        return _LEVEL_WORDS.get(value.strip().lower())
    return None


def _first_line_of_trace(text: str) -> str:
    """The deciding line of a stack or traceback held in one field."""
    if "\n" not in text:
        return text
    lines = [x for x in text.splitlines() if x.strip()]
    if not lines:
        return ""
    if _TB_HEADER.match(lines[0]):
        return lines[-1].strip()
    causes = [x for x in lines if x.startswith("Caused by: ")]
    return causes[-1] if causes else lines[0].strip()


def _error_text(value: object) -> str:
    if isinstance(value, str):
        return _first_line_of_trace(value)
    if isinstance(value, dict):  # pino's err: {type, message, stack}; ECS error: {type, message}
        message = value.get("message")
        if isinstance(message, str) and message:
            return _first_line_of_trace(message)
        stack = value.get("stack") or value.get("stack_trace")
        return _first_line_of_trace(stack) if isinstance(stack, str) else ""
    return ""


def _status(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 100 <= value <= 599 else None
    if isinstance(value, str) and len(value) == 3 and value.isascii() and value.isdigit():
        number = int(value)
        return number if 100 <= number <= 599 else None
    return None


def _generic_access(data: dict) -> AccessRecord | None:
    """The access part of an application's JSON line: a status and a method or path (top-level keys)."""
    for key in _STATUS_KEYS:
        if key in data:
            status = _status(data[key])
            break
    else:
        return None
    if status is None:
        return None
    method = data.get("method")
    if not isinstance(method, str):
        method = None
    path = None
    for key in _PATH_KEYS:
        value = data.get(key)
        if isinstance(value, str):
            path = value
            break
    else:
        request = data.get("request")
        if isinstance(request, str) and (m := _REQUEST_LINE.match(request)):
            method, path = method or m[1], m[2]
    if method is None and path is None:
        return None
    if path is not None and path.startswith(("http://", "https://")):  # a full URL: its path
        parts = urlsplit(path)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
    upstream = duration = None
    for key in _UPSTREAM_KEYS:
        if data.get(key) not in (None, ""):
            upstream = str(data[key])
            break
    for key in _DURATION_KEYS:
        value = data.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            duration = float(value)
            break
    source = data.get("remote_addr") or data.get("client_ip") or data.get("remote_ip") or ""
    return AccessRecord(
        source=str(source),
        method=method if method is not None else "",  # "": the line does not say (not a malformed request)
        path=path or "",
        status=status,
        upstream=upstream,
        duration=duration,
    )


# Field name -> (role, rank): the lowest-ranked field of a role wins.
_ROLES: dict[str, tuple[str, int]] = {
    **{k: ("msg", i) for i, k in enumerate(_MSG_KEYS)},
    **{k: ("level", i) for i, k in enumerate(_LEVEL_KEYS)},
    **{k: ("error", i) for i, k in enumerate(_ERROR_KEYS)},
    **{k: ("time", i) for i, k in enumerate(_TIME_KEYS)},
}


def _structured(
    ts: datetime | None, line: str, fmt: str, data: dict, access: AccessRecord | None, access_log: bool = False
) -> LogEvent:
    # One pass over the fields (a log line has few): much cheaper than looking up every variant.
    message, message_rank = "", 99
    level_key, level_rank = None, 99
    time_value: object = None
    time_rank = 99
    found_errors: list[tuple[int, str, object]] = []
    for key, value in data.items():
        role = _ROLES.get(key)
        if role is None:
            continue
        kind, rank = role
        if kind == "msg":
            if rank < message_rank and isinstance(value, str) and value:
                message, message_rank = value, rank
        elif kind == "level":
            if rank < level_rank and value is not None:
                level_key, level_rank = key, rank
        elif kind == "error":
            found_errors.append((rank, key, value))
        elif rank < time_rank and isinstance(value, str | int | float) and not isinstance(value, bool):
            time_value, time_rank = value, rank
    if level_key is not None:
        level = _level_value(data[level_key])
    elif isinstance(data.get("log"), dict) and data["log"].get("level") is not None:  # ECS nested
        level = _level_value(data["log"]["level"])
    else:
        level = "info" if "@t" in data and "@l" not in data else None  # Serilog CLEF leaves @l out for Information
    errors: list[str] = []
    errorish = False
    for _, key, value in sorted(found_errors, key=itemgetter(0)):
        text = _error_text(value)
        if text and text not in errors and text != message:
            errors.append(text[:_TEXT_LIMIT])
            errorish = errorish or key in _ERRORING_KEYS
    deciding = JOIN.join([message[:_TEXT_LIMIT], *errors]) if message else JOIN.join(errors)
    if access is not None:
        texts = (deciding,) if deciding else ()  # the record itself is for the HTTP analysis only
    else:
        texts = (deciding, line) if deciding and deciding != line else (line,)
    if time_value is None and isinstance(data.get("t"), dict):  # MongoDB: {"t": {"$date": "..."}}
        time_value = data["t"].get("$date")
    return LogEvent(
        ts=ts,
        raw=line,
        format=fmt,
        message=deciding or line,
        level=level,
        fields=data,
        access=access,
        access_log=access_log,
        texts=texts,
        errorish=errorish,
        raw_time=time_value if isinstance(time_value, str | int | float) and not isinstance(time_value, bool) else None,
    )


# A flat JSON object (string, number, true/false/null values, no escapes): json.loads takes exactly these.
_JSON_STRING = r'"[^"\\\x00-\x1f]*+"'
_JSON_WS = r"[ \t\r\n]*+"
_JSON_VALUE = rf"(?:{_JSON_STRING}|-?+(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?+(?:[eE][-+]?+[0-9]++)?+|true|false|null)"
_FLAT_JSON = re.compile(
    rf'{_JSON_WS}\{{{_JSON_WS}(?:{_JSON_STRING}{_JSON_WS}:{_JSON_WS}{_JSON_VALUE}{_JSON_WS}(?:,{_JSON_WS}(?=")|(?=\}})))*+\}}{_JSON_WS}'
)
_LEVEL_FIELD = re.compile(rf'"level"{_JSON_WS}:{_JSON_WS}(?:"([^"]*)"|(-?[0-9]+)(?![.eE0-9]))')
_OTHER_LEVEL_KEYS = tuple(f'"{k}"' for k in _LEVEL_KEYS if k != "level")


def declares_quiet_level(line: str) -> bool:
    """True when ``line`` is a flat JSON object whose only level field, ``level``, is below error: its
    event is then no error whatever its words (``"error_count":0`` in an info line). Cheap: no decoding."""
    if line.count('"level"') != 1 or any(key in line for key in _OTHER_LEVEL_KEYS):
        return False
    m = _LEVEL_FIELD.search(line)
    if m is None or _FLAT_JSON.fullmatch(line) is None:
        return False
    level = _level_value(m[1] if m[1] is not None else int(m[2]))
    return level is not None and level not in ERROR_LEVELS


def parse_json_line(ts: datetime | None, line: str) -> LogEvent | None:
    """The event of a JSON object line; None when the line is not one (it then stays text)."""
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    try:
        access = json_access_record(data)
    except (ValueError, TypeError, AttributeError):  # a non-numeric status: not an access record
        access = None
    if access is not None:
        return _structured(ts, line, "json", data, access, access_log=True)
    return _structured(ts, line, "json", data, _generic_access(data))


def parse_logfmt_line(ts: datetime | None, line: str) -> LogEvent | None:
    """The event of a logfmt line (``key=value`` pairs only); None when the line is not one."""
    if _LOGFMT.fullmatch(line) is None:
        return None
    data: dict[str, object] = {}
    for key, quoted, bare in _LOGFMT_PAIR.findall(line):
        # Escapes stay as logged: every text the patterns see is then part of the line, as the skimmer
        # (which looks for keywords in whole lines) assumes.
        data[key] = quoted or bare
    if not any(k in data for k in ("msg", "message", "level", "lvl")):
        return None
    return _structured(ts, line, "logfmt", data, None)


def parse_line(ts: datetime | None, line: str) -> LogEvent:
    """The event of one line on its own (no grouping): JSON, logfmt, access record or text."""
    if line[:1] == "{":
        event = parse_json_line(ts, line)
        if event is not None:
            return event
    if '] "' in line:
        record = parse_access_line(line)
        if record is not None:
            return LogEvent(ts=ts, raw=line, format="access", message=line, access=record, access_log=True)
    if "=" in line and line[:1].isalpha():
        event = parse_logfmt_line(ts, line)
        if event is not None:
            return event
    return LogEvent(ts=ts, raw=line, format="text", message=line, level_read=False, texts=(line,))


def level_of(event: LogEvent) -> str | None:
    """The event's level, reading a text line's on first use."""
    if not event.level_read:
        event.level, event.level_read = text_level(event.raw), True
    return event.level


class _Group:
    """A multi-line group being collected."""

    __slots__ = ("bytes", "causes", "exception", "exception_ts", "first", "kind", "lines", "parts", "prefix", "trailer")

    def __init__(self, kind: str, first: LogEvent, prefix: str = "") -> None:
        self.kind = kind
        self.first = first
        self.lines = 1
        self.bytes = len(first.raw)
        self.causes: list[str] = []  # Java "Caused by:" / Node "[cause]:" lines, last one decides
        self.exception: str | None = None  # a Java exception line right under a log line
        self.exception_ts: datetime | None = None
        self.parts: list[str] = [first.raw]  # Erlang reports: the text, bounded
        self.prefix = prefix
        self.trailer = False  # inside a Node error's { ... } trailer

    def accepts(self, line: str) -> bool:
        """True when ``line`` continues the group (nothing changes)."""
        if self.kind == "go":
            return _GO_FRAME.match(line) is not None and _TB_HEADER.match(line) is None
        if self.kind == "erlang":
            return bool(line.strip()) and _ERLANG_HEADER.match(line) is None and _TB_HEADER.match(line) is None
        if self.prefix:  # RabbitMQ: the same prefix and an indented or "** " rest, or a bare "** " line
            if line.startswith(self.prefix):
                return line[len(self.prefix) : len(self.prefix) + 1] in (" ", "*")
            return line.startswith("** ")
        if self.lines == 1:
            return _starts_stack(line)
        if line[:1] in (" ", "\t"):
            return _TB_HEADER.match(line) is None
        return line.startswith("Caused by: ") or _JAVA_MORE.match(line) is not None or (
            self.trailer and line in ("}", "]")
        )

    def take(self, line: str, ts: datetime | None) -> None:
        """Fold ``line`` (which ``accepts`` said continues the group) into it."""
        self.lines += 1
        self.bytes += len(line)
        if self.kind == "erlang" or self.prefix:
            rest = line[len(self.prefix) :] if self.prefix and line.startswith(self.prefix) else line
            if sum(map(len, self.parts)) < _TEXT_LIMIT:
                self.parts.append(rest.strip())
        elif self.kind == "stack":
            if line[:1] in (" ", "\t"):
                if (m := _NODE_CAUSE.match(line)) is not None:
                    self.causes.append(m[1])
                elif (m := _NODE_CODE.match(line)) is not None:
                    self.first.fields.setdefault("code", m[1])
                if line.endswith("{"):
                    self.trailer = True
            elif line.startswith("Caused by: "):
                self.causes.append(line)
            elif self.trailer and line in ("}", "]"):
                self.trailer = line != "}"
            elif self.lines == 2 and _EXCEPTION_LINE.match(line):
                self.exception, self.exception_ts = line, ts

    def full(self) -> bool:
        return self.lines >= MAX_GROUP_LINES or self.bytes >= MAX_GROUP_BYTES

    def events(self) -> list[LogEvent]:
        """The group's event; a log line and an exception line with no frames under them stay two."""
        if self.exception is not None and self.lines == 2:
            return [self.first, parse_line(self.exception_ts, self.exception)]
        return [self.event()]

    def event(self) -> LogEvent:
        ev = self.first
        ev.lines = self.lines
        if self.kind in ("erlang", "rabbit"):
            ev.format = "erlang"
            ev.message = " ".join(self.parts)[:_TEXT_LIMIT]
            ev.texts = (ev.message,)
        elif self.kind == "go":
            ev.format = "go"
        elif self.lines > 1:
            ev.format = "stack"
            texts = [x for x in (self.causes[-1] if self.causes else None, self.exception, ev.raw) if x]
            ev.message = texts[0]
            ev.texts = tuple(texts)
        return ev


class _Traceback:
    """A Python traceback being collected (chained exceptions stay one event)."""

    __slots__ = ("chained", "final", "first", "lines")

    def __init__(self, first: LogEvent) -> None:
        self.first = first
        self.final: str | None = None
        self.chained = False
        self.lines = 1

    def accepts(self, line: str) -> bool:
        """True when ``line`` continues the traceback (a chained one's next header included)."""
        if _TB_HEADER.match(line):
            return self.chained
        if line[:1] in (" ", "\t") or not line.strip() or _TB_CHAIN.match(line):
            return True
        return self.final is None and _TB_FINAL.match(line) is not None

    def take(self, line: str, ts: datetime | None) -> None:
        """Fold ``line`` (which ``accepts`` said continues the traceback) into it."""
        self.lines += 1
        if _TB_HEADER.match(line):
            self.final, self.chained = None, False
        elif _TB_CHAIN.match(line):
            self.chained = True
        elif line[:1] not in (" ", "\t") and line.strip():
            self.final = line

    def full(self) -> bool:
        return self.lines >= MAX_GROUP_LINES

    def events(self) -> list[LogEvent]:
        return [self.event()]

    def event(self) -> LogEvent:
        ev = self.first
        ev.lines = self.lines
        ev.format = "python"
        ev.message = self.final or ev.raw
        ev.texts = (self.final,) if self.final else ()
        return ev


class EventParser:
    """Turns lines into events, folding multi-line groups (see the module docstring)."""

    def __init__(self) -> None:
        self._group: _Group | _Traceback | None = None
        # A line that may head a stack trace: most never do, so its group is only made when a frame follows.
        self._pending: LogEvent | None = None

    @property
    def open(self) -> bool:
        """True while a group is pending: the next line may belong to it."""
        return self._group is not None or self._pending is not None

    def continues(self, line: str) -> bool:
        """True when ``line`` would extend the pending group (nothing changes)."""
        if self._pending is not None:
            return _starts_stack(line) and _opens(self._pending.raw)
        return self._group is not None and self._group.accepts(line)

    def push(self, ts: datetime | None, line: str, opens: bool | None = None) -> list[LogEvent]:
        """The events ``line`` completes (none while it extends a group). ``opens``: whether the line
        holds one of ``EVENT_WORDS`` (None: look)."""
        out: list[LogEvent] = []
        if self._pending is not None:
            if _starts_stack(line) and _opens(self._pending.raw):
                self._group, self._pending = _Group("stack", self._pending), None
            else:
                out.append(self._pending)
                self._pending = None
        group = self._group
        if group is not None:
            if group.accepts(line):
                group.take(line, ts)
                if group.full():
                    out.extend(self.close())
                return out
            out.extend(self.close())
        if _TB_HEADER.match(line):
            self._group = _Traceback(LogEvent(ts=ts, raw=line, format="python", message=line))
            return out
        event = parse_line(ts, line)
        if event.format != "text" or not line or opens is False:
            out.append(event)
            return out
        header = _GO_HEADER.match(line) or _ERLANG_HEADER.match(line) or _ERLANG_PREFIX.match(line)
        if header is None:
            # Whether it holds an opening word is only asked when a frame follows (rarely).
            self._pending = event
        elif opens or (opens is None and _opens(line)):
            if line[0] == "=":
                event.level, event.level_read = _ERLANG_LEVEL.get(header[1], "info"), True
                self._group = _Group("erlang", event)
            elif line[0].isdigit():
                self._group = _Group("rabbit", event, prefix=header[0])
            else:
                self._group = _Group("go", event)
        else:
            out.append(event)
        return out

    def close(self) -> list[LogEvent]:
        """End the pending group, if any, and return its events."""
        if self._pending is not None:
            event, self._pending = self._pending, None
            return [event]
        group, self._group = self._group, None
        return group.events() if group is not None else []


def _opens(line: str) -> bool:
    """True when ``line`` holds one of ``EVENT_WORDS``: only such a line heads a multi-line group."""
    return _EVENT_WORDS.search(line.lower()) is not None


def _starts_stack(line: str) -> bool:
    """True when ``line`` continues a line that may head a stack trace (``_Group.accepts`` of a fresh one)."""
    first = line[:1]
    if first in (" ", "\t"):
        return _TB_HEADER.match(line) is None
    if first == "C":
        return line.startswith("Caused by: ")
    if first == ".":
        return _JAVA_MORE.match(line) is not None
    return ("Exception" in line or "Error" in line or "Throwable" in line) and _EXCEPTION_LINE.match(line) is not None


def parse_events(pairs: list[tuple[datetime | None, str]]) -> list[LogEvent]:
    """Every event of ``(timestamp, line)`` pairs, multi-line groups folded."""
    parser = EventParser()
    out: list[LogEvent] = []
    for ts, line in pairs:
        out.extend(parser.push(ts, line.rstrip("\r\n")))
    out.extend(parser.close())
    for event in out:
        level_of(event)
    return out
