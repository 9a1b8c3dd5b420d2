"""Container logs, filtered on the host so only matching lines cross the wire.

One constant script, data as positional parameters (never spliced into the script):

    $1 mode (service|container)  $2 project ("" = any)  $3 service or container
    $4 tail  $5 since ("" = none)  $6 error regex ("" = off)  $7 grep regex ("" = off)
    $8 max bytes

A service is resolved to its newest container by compose labels (v1 and v2 alike),
one-off (``compose run``) containers only when nothing else matches.
``docker logs --timestamps`` goes through an awk stage that counts every line and
catches docker's exit status, then ``grep -a -E -i`` (GNU grep), a second counter, and
``tail -c`` so the NEWEST lines are kept when the byte cap is hit. Counters and
docker's status come back on stderr as ``@@key value`` lines.
"""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, Field

from dozor.collectors.base import Collector, CollectorError, ServiceNotFound, check_docker, first_line
from dozor.collectors.status import parse_docker_time
from dozor.transport.base import CommandResult

# Used with `grep -E -i` on the host and re.IGNORECASE in Python: keep to the common subset
# (alternation, groups, \b). Short words need word boundaries so "kill -0" or "timeout=30" in
# config dumps do not count. "errors" is deliberately NOT matched (counters like "0 errors" are
# common); "error", "ERROR:", "error=" are. Exception and Traceback match inside words
# (NullPointerException), and so does a word ENDING in "error" (ValueError; also "terror").
# A later analysis module refines this.
ERROR_REGEX = (
    r"\b(error|err|fatal|panic|panicked|critical|crit|emerg|alert|exception|killed|refused|denied|"
    r"failed|failure|segfault|unhealthy|oom|oomkilled|abort|aborted)\b"
    r"|[a-z]error\b|exception|traceback|out of memory|oom-kill|segmentation fault|no space left|timed out|"
    r"deadline exceeded|connection reset|broken pipe|too many open files"
    # Resource alarms that block clients, logged at warning level without an error word (RabbitMQ).
    r"|resource limit alarm set|publishers will be blocked"
    # Web access lines answered 5xx: common/combined log format ("GET / HTTP/1.1" 502 ...) and the JSON
    # access logs of traefik and caddy. A proxy returning 502s is often the only sign of a dead upstream.
    r'|" 5[0-9]{2} |"(status|downstreamstatus|originstatus)": ?5[0-9]{2}\b'
)

# The same filter for lines already here (the Engine API path, the diagnosis' counts): lowercase the line and
# search a lowercase, case-sensitive copy of the pattern; six times faster than re.IGNORECASE in CPython on log
# lines, and the same answer (the pattern has no escapes whose case matters: a test checks it).
_ERROR_LOWER = re.compile(ERROR_REGEX.lower())


def is_error_line(text: str) -> bool:
    """The line passes the error filter (``ERROR_REGEX``, case-insensitive), as ``grep -E -i`` on the host."""
    return _ERROR_LOWER.search(text.lower()) is not None


LOGS_SCRIPT = r"""mode=$1 project=$2 target=$3 tail=$4 since=$5 errpat=$6 pat=$7 max=$8
if [ "$mode" = service ]; then
  fmt='{{.ID}} {{.Label "com.docker.compose.project"}} {{.Names}} {{.Label "com.docker.compose.oneoff"}}'
  if [ -n "$project" ]; then
    rows=$(docker ps -a --filter "label=com.docker.compose.project=$project" \
      --filter "label=com.docker.compose.service=$target" --format "$fmt") || exit $?
  else
    rows=$(docker ps -a --filter "label=com.docker.compose.service=$target" --format "$fmt") || exit $?
  fi
  # one-off containers (compose run) only when nothing else carries the labels
  up=$(printf '%s\n' "$rows" | awk '$4 != "True"'); if [ -n "$up" ]; then rows=$up; fi
  if [ -z "$rows" ]; then printf '@@nomatch %s %s\n' "$target" "$project"; exit 0; fi
  n=$(printf '%s\n' "$rows" | wc -l)
  np=$(printf '%s\n' "$rows" | awk '{print $2}' | sort -u | wc -l)
  if [ -z "$project" ] && [ "$np" -gt 1 ]; then
    printf '%s\n' "$rows" | sed 's/^/@@candidate /'; printf '@@ambiguous %s\n' "$target"; exit 0
  fi
  set -- $(printf '%s\n' "$rows" | head -n 1)
  id=$1; name=$3
else
  n=1; id=$target; name=$target
fi
if [ -n "$errpat$pat" ]; then filt=1; else filt=0; fi
printf '@@container %s %s\n@@matched_containers %s\n@@max %s\n@@filter %s\n' "$id" "$name" "$n" "$max" "$filt"
set -- --timestamps --tail "$tail"
if [ -n "$since" ]; then set -- "$@" --since "$since"; fi
set -- "$@" "$id"
f1() { if [ -n "$errpat" ]; then grep -a -E -i -e "$errpat"; else cat; fi; }
f2() { if [ -n "$pat" ]; then grep -a -E -i -e "$pat"; else cat; fi; }
{ docker logs "$@" 2>&1; echo "@@rc $?"; } |
awk '{ if (NR > 1) { print prev; n++; e1 = e2; e2 = e3; e3 = prev } prev = $0 }
END { rc = "?"
  if (match(prev, /@@rc [0-9]+$/)) { rc = substr(prev, RSTART + 5); prev = substr(prev, 1, RSTART - 1) }
  if (prev != "") { print prev; n++ }
  print "@@total " n + 0 > "/dev/stderr"; print "@@logrc " rc > "/dev/stderr"
  if (rc != "0") { if (e1 != "") print "@@err " e1 > "/dev/stderr"; if (e2 != "") print "@@err " e2 > "/dev/stderr"
    if (e3 != "") print "@@err " e3 > "/dev/stderr" } }' |
f1 | f2 | awk '{ print; n++ } END { print "@@filtered " n + 0 > "/dev/stderr" }' |
tail -c $((max + 1))
"""

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_SINCE_REL = re.compile(r"^(?:\d+h)?(?:\d+m)?(?:\d+s)?$")
_SINCE_DAYS = re.compile(r"^(\d+)d$")
_SINCE_ABS = re.compile(r"^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$")

MAX_TAIL = 100_000
DEFAULT_MAX_BYTES = 1_000_000
MAX_MAX_BYTES = 16 * 1024 * 1024


class LogLine(BaseModel):
    """One log entry. ``stream`` is None: stdout and stderr are merged on the host."""

    timestamp: datetime | None
    stream: str | None = None
    text: str


class LogResult(BaseModel):
    """The lines that came back plus what happened on the host to produce them."""

    container_id: str | None = None
    container_name: str | None = None
    matched_containers: int = Field(default=1, description="Containers carrying the service labels; newest used.")
    lines: list[LogLine] = Field(default_factory=list)
    total_lines: int | None = Field(default=None, description="Lines docker returned (≤ tail), before filtering.")
    matched_lines: int | None = Field(default=None, description="Lines that passed the filters, before the cap.")
    filtered: bool = Field(default=False, description="errors_only or grep was applied on the host.")
    truncated: bool = Field(default=False, description="The byte cap cut older lines off.")


def normalize_since(since: str) -> str:
    """Validate ``since`` (``10m``, ``2h``, ``1h30m``, ``1d``, RFC 3339 or a date) and render it for docker.

    Docker's relative form is a Go duration, which has no days: ``1d`` becomes ``24h``.
    """
    s = since.strip()
    m = _SINCE_DAYS.match(s)
    if m:
        return f"{int(m.group(1)) * 24}h"
    if s and _SINCE_REL.match(s):
        return s
    if _SINCE_ABS.match(s):
        if parse_docker_time(s if "T" in s else s + "T00:00:00Z") is None:
            raise ValueError(f"since: {since!r} is not a usable time")
        return s
    raise ValueError(f"since: {since!r} is not a duration (10m, 2h, 1d) nor an RFC 3339 timestamp")


def validate_regex(pattern: str) -> str:
    """A pattern usable with both Python ``re`` and ``grep -E``: compiles, one line, no NUL, ≤ 500 chars."""
    if not pattern or "\x00" in pattern or "\n" in pattern or "\r" in pattern or len(pattern) > 500:
        raise ValueError("grep pattern must be 1..500 characters on one line, without NUL")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"grep pattern does not compile: {exc}") from exc
    return pattern


def logs_argv(
    service: str | None = None,
    *,
    project: str | None = None,
    container: str | None = None,
    tail: int = 200,
    since: str | None = None,
    errors_only: bool = False,
    grep: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[str]:
    """Build the logs command for a compose ``service`` (optionally in ``project``) or a ``container``.

    Raises ``ValueError`` on any invalid input; nothing reaches the shell unvalidated.
    """
    if (service is None) == (container is None):
        raise ValueError("give exactly one of service or container")
    target = service if service is not None else container
    assert target is not None
    for label, value in (("service" if service is not None else "container", target), ("project", project)):
        if value is not None and not NAME_RE.match(value):
            raise ValueError(f"{label} {value!r} must match {NAME_RE.pattern}")
    if container is not None and project is not None:
        raise ValueError("project only applies to a service selector")
    if isinstance(tail, bool) or not isinstance(tail, int) or not 1 <= tail <= MAX_TAIL:
        raise ValueError(f"tail must be an integer in 1..{MAX_TAIL}")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or not 1024 <= max_bytes <= MAX_MAX_BYTES:
        raise ValueError(f"max_bytes must be an integer in 1024..{MAX_MAX_BYTES}")
    return [
        "sh", "-c", LOGS_SCRIPT, "dozor-logs",
        "service" if service is not None else "container",
        project or "",
        target,
        str(tail),
        normalize_since(since) if since else "",
        ERROR_REGEX if errors_only else "",
        validate_regex(grep) if grep else "",
        str(max_bytes),
    ]


_TS_RE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) ?(.*)$", re.S)


def parse_log_line(line: str) -> LogLine:
    """Split docker's ``--timestamps`` prefix (``2026-11-27T05:13:18.123456789Z text``)."""
    line = line.rstrip("\r")
    m = _TS_RE.match(line)
    if m:
        try:
            return LogLine(timestamp=parse_docker_time(m.group(1)), text=m.group(2).rstrip("\r"))
        except CollectorError:
            pass
    return LogLine(timestamp=None, text=line)


def _markers(text: str) -> tuple[dict[str, str], list[str]]:
    marks: dict[str, str] = {}
    errs: list[str] = []
    for line in text.splitlines():
        if line.startswith("@@err "):
            errs.append(line[6:])
        elif line.startswith("@@"):
            key, _, value = line[2:].partition(" ")
            marks[key] = value
    return marks, errs


def _int(v: str | None) -> int | None:
    return int(v) if v is not None and v.strip().isdigit() else None


def parse_logs(result: CommandResult) -> LogResult:
    """Parse the logs script's output; no container / ambiguity / docker failure raise ``CollectorError``."""
    check_docker(result)
    head: dict[str, str] = {}
    candidates: list[str] = []
    body: list[str] = []
    in_head = True
    for line in result.stdout.splitlines(keepends=True):
        if in_head and line.startswith("@@"):
            key, _, value = line[2:].rstrip("\n").partition(" ")
            if key == "candidate":
                candidates.append(value)
            else:
                head[key] = value
            continue
        in_head = False
        body.append(line)

    if "nomatch" in head:
        target, _, project = head["nomatch"].partition(" ")
        where = f" in project {project}" if project else ""
        raise ServiceNotFound(f"no container for service {target}{where}")
    if "ambiguous" in head:
        projects = sorted({c.split()[1] for c in candidates if len(c.split()) > 1})
        raise CollectorError(f"service {head['ambiguous']} exists in several projects ({', '.join(projects)}); "
                             "name the project")
    if "container" not in head:
        raise CollectorError(f"logs command failed (exit {result.exit_status}): "
                             + first_line(result.stderr or result.stdout))

    marks, errs = _markers(result.stderr)
    if marks.get("logrc", "0") != "0":
        detail = errs[-1] if errs else first_line(result.stderr)
        raise CollectorError(f"docker logs failed (exit {marks.get('logrc')}): {detail}")

    cid, _, cname = head["container"].partition(" ")
    max_bytes = _int(head.get("max"))
    raw = "".join(body)
    truncated = max_bytes is not None and len(raw.encode("utf-8", "surrogateescape")) > max_bytes
    lines = raw.splitlines()
    if truncated and lines:
        lines = lines[1:]  # the first line was cut mid-way by tail -c
    total = _int(marks.get("total"))
    matched = _int(marks.get("filtered"))
    return LogResult(
        container_id=cid or None,
        container_name=cname or cid or None,
        matched_containers=_int(head.get("matched_containers")) or 1,
        lines=[parse_log_line(x) for x in lines],
        total_lines=total,
        matched_lines=matched if matched is not None else total,
        filtered=head.get("filter") == "1",
        truncated=truncated,
    )


LOGS: Collector[LogResult] = Collector(
    name="logs",
    argv=logs_argv,
    parse=parse_logs,
    description="docker logs --timestamps of a compose service or container, filtered and capped on the host.",
)

__all__ = [
    "ERROR_REGEX",
    "LOGS",
    "LogLine",
    "LogResult",
    "is_error_line",
    "logs_argv",
    "normalize_since",
    "parse_log_line",
    "parse_logs",
    "validate_regex",
]
