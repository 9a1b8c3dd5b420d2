"""Recent log tails of many containers in ONE remote process, filtered and capped on the host.

The CLI path of the diagnosis's log reading (the Engine API path is ``dozor.engine.logs``). One constant
script, data as positional parameters (never spliced into the script)::

    $1 tail  $2 window ("" = none, else a docker --since duration)  $3 error regex ("" = every line)
    $4 max bytes per container  $5 max bytes for the whole host
    then per container: id, mode (w: only lines newer than the window; a: the whole tail; k: as w; a and k
    also print the last 3 lines unfiltered as ``@@@dozor-last`` lines: what a stopped or restarted container
    printed last)

Per container, ``docker logs --timestamps`` goes through an awk stage that counts the lines and catches
docker's exit status, ``grep -a -E -i`` (when a regex is given), and a second awk stage that keeps the
NEWEST whole lines within the container's share of the byte budget (``min(per container, host left)``).
Every output line of ``docker logs --timestamps`` starts with a timestamp, so the separator lines
``@@@dozor-tail ID`` / ``@@@dozor-stat ...`` / ``@@@dozor-err ...`` cannot be confused with log text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, Field

from dozor.collectors.base import CollectorError, check_docker, first_line
from dozor.collectors.logs import LogLine, normalize_since, parse_log_line
from dozor.transport.base import CommandResult

TAILS_SCRIPT = r"""tail=$1 window=$2 errpat=$3 max=$4 budget=$5; shift 5
export LC_ALL=C
f1() { if [ -n "$errpat" ]; then grep -a -E -i -e "$errpat" -e '^@@@dozor-'; else cat; fi; }
while [ $# -ge 2 ]; do
  id=$1 mode=$2; shift 2
  printf '@@@dozor-tail %s\n' "$id"
  if [ "$budget" -le 0 ]; then printf '@@@dozor-stat %s skipped\n' "$id"; continue; fi
  cap=$max; if [ "$budget" -lt "$cap" ]; then cap=$budget; fi
  since=; if [ "$mode" != a ] && [ -n "$window" ]; then since="--since=$window"; fi
  keep=0; if [ "$mode" != w ]; then keep=3; fi
  out=$({ docker logs --timestamps --tail "$tail" $since "$id" 2>&1; echo "@@@dozor-rc $?"; } |
    awk -v keep="$keep" '{ if (NR > 1) { print prev; n++; e = prev; if (keep) r[n % keep] = prev } prev = $0 }
      END { rc = "?"
        if (match(prev, /@@@dozor-rc [0-9]+$/)) { rc = substr(prev, RSTART + 12); prev = substr(prev, 1, RSTART - 1) }
        if (prev != "") { print prev; n++; e = prev; if (keep) r[n % keep] = prev }
        if (rc != "0" && e != "") print "@@@dozor-err " e
        for (i = n - keep + 1; keep && i <= n; i++) if (i > 0) print "@@@dozor-last " r[i % keep]
        print "@@@dozor-total " n + 0 " " rc }' |
    f1 |
    awk -v cap="$cap" 'BEGIN { first = 0; n = 0; m = 0 }
      /^@@@dozor-/ { meta[m++] = $0; next }
      { buf[n++] = $0; bytes += length($0) + 1; seen++
        while (bytes > cap && first < n) { bytes -= length(buf[first]) + 1; delete buf[first]; first++; cut = 1 } }
      END { for (i = first; i < n; i++) print buf[i]; for (i = 0; i < m; i++) print meta[i]
        print "@@@dozor-kept " seen + 0 " " bytes + 0 " " cut + 0 }')
  printf '%s\n' "$out"
  used=${out##*@@@dozor-kept }; used=${used#* }; used=${used%% *}
  case $used in ''|*[!0-9]*) used=0 ;; esac
  budget=$((budget - used))
done
"""

ID_RE = re.compile(r"^[0-9a-f]{12,64}$")
MAX_TAIL = 100_000
MIN_BYTES = 1024
MAX_BYTES = 64 * 1024 * 1024


class ContainerTail(BaseModel):
    """The recent log tail of one container as the diagnosis reads it."""

    container_id: str
    lines: list[LogLine] = Field(default_factory=list)
    total_lines: int | None = Field(default=None, description="Lines docker returned, before filtering.")
    matched_lines: int | None = Field(default=None, description="Lines that passed the filter, before the cap.")
    bytes_read: int = Field(default=0, description="Bytes of log text received for this container.")
    truncated: bool = Field(default=False, description="A byte cap (container or host) cut older lines off.")
    skipped: bool = Field(default=False, description="Not read: the host's byte budget was spent.")
    error: str | None = None
    last: list[LogLine] = Field(default_factory=list, description="A stopped container's last lines before any "
                                "filter (what it printed before it exited, error word or not).")


def tails_argv(
    containers: Sequence[tuple[str, bool] | tuple[str, bool, bool]],
    *,
    tail: int,
    window: str | None,
    errors_regex: str | None,
    max_bytes: int,
    host_max_bytes: int,
) -> list[str]:
    """The one command reading every container's tail; ``containers``: (id, windowed[, keep_last]).

    ``windowed`` containers (running ones) only give lines newer than ``window``; the others (stopped,
    crashed) their whole last ``tail`` lines. Raises ``ValueError`` on any invalid input.
    """
    if isinstance(tail, bool) or not isinstance(tail, int) or not 1 <= tail <= MAX_TAIL:
        raise ValueError(f"tail must be an integer in 1..{MAX_TAIL}")
    for label, value in (("max_bytes", max_bytes), ("host_max_bytes", host_max_bytes)):
        if isinstance(value, bool) or not isinstance(value, int) or not MIN_BYTES <= value <= MAX_BYTES:
            raise ValueError(f"{label} must be an integer in {MIN_BYTES}..{MAX_BYTES}")
    argv = ["sh", "-c", TAILS_SCRIPT, "dozor-tails", str(tail), normalize_since(window) if window else "",
            errors_regex or "", str(max_bytes), str(host_max_bytes)]
    for cid, windowed, *keep in containers:
        if not ID_RE.match(cid):
            raise ValueError(f"container id {cid!r} is not a hex id")
        argv += [cid, ("k" if keep and keep[0] else "w") if windowed else "a"]
    return argv


def _int(v: str) -> int | None:
    return int(v) if v.isdigit() else None


def parse_tails(result: CommandResult) -> dict[str, ContainerTail]:
    """Split the script's output per container (container id as given -> its tail)."""
    check_docker(result)
    out: dict[str, ContainerTail] = {}
    cur: ContainerTail | None = None
    body: list[str] = []
    errs: list[str] = []
    last: list[str] = []

    def close() -> None:
        if cur is None:
            return
        cur.lines = [parse_log_line(x) for x in body]
        cur.last = [parse_log_line(x) for x in last]
        cur.bytes_read = sum(len(x.encode("utf-8", "surrogateescape")) + 1 for x in body)
        out[cur.container_id] = cur

    for line in result.stdout.splitlines():
        if line.startswith("@@@dozor-"):
            key, _, value = line[9:].partition(" ")
            if key == "tail":
                close()
                cur, body, errs, last = ContainerTail(container_id=value.strip()), [], [], []
            elif cur is None:
                continue
            elif key == "err":
                errs.append(value)
            elif key == "last":
                last.append(value)
            elif key == "total":
                n, _, rc = value.partition(" ")
                cur.total_lines = _int(n)
                if rc.strip() != "0":
                    cur.error = f"docker logs failed (exit {rc.strip()}): {errs[-1] if errs else '?'}"
            elif key == "kept":
                matched, _, rest = value.partition(" ")
                cur.matched_lines = _int(matched)
                cur.truncated = rest.split(" ")[-1:] == ["1"]
            elif key == "stat" and value.endswith(" skipped"):
                cur.skipped = True
            continue
        if cur is not None:
            body.append(line)
    close()
    if not out and result.exit_status not in (0, None):
        raise CollectorError(f"log tails command failed (exit {result.exit_status}): "
                             + first_line(result.stderr or result.stdout))
    for tail in out.values():
        if tail.error is not None:
            tail.lines, tail.last = [], []  # docker's own error text, not the container's log
    return out


__all__ = ["TAILS_SCRIPT", "ContainerTail", "parse_tails", "tails_argv"]
