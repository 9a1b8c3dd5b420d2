"""The recent log tails of many containers of one host, for the diagnosis: Engine API or one remote script.

Engine API (the default when the socket is reachable): one ``GET /containers/{id}/logs`` per container,
all pipelined on ONE socket stream, no remote process. Answers are decoded (``dozor.engine.logs``), and
the errors-only filter and the byte caps are applied here, exactly as the CLI path applies them on the
host: the same ``ERROR_REGEX``, the newest whole lines kept within ``min(max_bytes, host budget left)``.

CLI (``engine_api = false``, or the socket cannot be opened): ONE ``sh -c`` for every container
(``dozor.collectors.log_tails``), filtered and capped on the host.

Running containers give the lines of the last ``window`` (at most ``lines``); stopped, restarting and
crashed ones their last ``lines`` whatever their age (the log that explains a crash is often old).
The Engine API's ``since`` is an absolute time taken from this machine's clock (the API has no relative
form), the CLI's is relative (``docker logs --since 15m`` on the host).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta

from dozor.collectors.log_tails import ContainerTail, parse_tails, tails_argv
from dozor.collectors.logs import ERROR_REGEX, is_error_line, parse_log_line
from dozor.collectors.status import ContainerState, ContainerStatus
from dozor.engine import queries
from dozor.engine.client import EngineClient
from dozor.engine.logs import decode_logs, logs_target
from dozor.runner.docker import _answer
from dozor.runner.fanout import HostContext

DEFAULT_LINES = 200
DEFAULT_WINDOW = timedelta(minutes=15)
DEFAULT_MAX_BYTES = 64 * 1024
DEFAULT_HOST_MAX_BYTES = 1024 * 1024
LAST_LINES = 3
"""A stopped container's last lines kept unfiltered (as the CLI script's ``keep``)."""


def _window_arg(window: timedelta | None) -> str | None:
    if window is None or window.total_seconds() <= 0:
        return None
    return f"{max(1, int(window.total_seconds()))}s"


def windowed(c: ContainerStatus) -> bool:
    """Read within the window: a running container (a stopped one keeps its last lines whatever their age)."""
    return c.state is ContainerState.RUNNING


def keeps_last(c: ContainerStatus) -> bool:
    """Its last lines are kept unfiltered: a stopped container, or one that restarted (a crash loop between two
    deaths is running, and what it prints before dying is the same each time)."""
    return c.state is not ContainerState.RUNNING or c.restart_count > 0


def cap_lines(texts: list[str], cap: int) -> tuple[list[str], int, bool]:
    """The newest whole lines of ``texts`` within ``cap`` bytes (a newline counted per line):
    (kept lines, their bytes, whether older lines were dropped)."""
    kept: list[str] = []
    used = 0
    for text in reversed(texts):
        size = len(text.encode("utf-8", "surrogateescape")) + 1
        if used + size > cap:
            return kept[::-1], used, True
        kept.append(text)
        used += size
    return kept[::-1], used, False


def tails_from_answers(
    containers: Sequence[ContainerStatus], bodies: Sequence[tuple[int, bytes]], *, errors_only: bool,
    max_bytes: int, host_max_bytes: int,
) -> dict[str, ContainerTail]:
    """Pure: the Engine API answers (status, body) of ``containers``' logs requests → their tails."""
    out: dict[str, ContainerTail] = {}
    budget = host_max_bytes
    for c, (status, body) in zip(containers, bodies, strict=True):
        if status == 404:
            out[c.id] = ContainerTail(container_id=c.id, error="the container is gone")
            continue
        if not 200 <= status < 300:
            out[c.id] = ContainerTail(container_id=c.id, error=queries.error_message(status, body))
            continue
        if budget <= 0:
            out[c.id] = ContainerTail(container_id=c.id, skipped=True, bytes_read=len(body))
            continue
        decoded = decode_logs(body, tty=c.tty)
        texts = [text for _, text in decoded.lines]
        matched = [t for t in texts if is_error_line(t)] if errors_only else texts
        kept, used, cut = cap_lines(matched, min(max_bytes, budget))
        budget -= used
        last = [parse_log_line(t) for t in texts[-LAST_LINES:]] if keeps_last(c) else []
        out[c.id] = ContainerTail(
            container_id=c.id, lines=[parse_log_line(t) for t in kept], total_lines=len(texts),
            matched_lines=len(matched), bytes_read=len(body), truncated=cut or decoded.cut, last=last,
        )
    return out


async def read_tails(
    ctx: HostContext,
    containers: Sequence[ContainerStatus],
    *,
    lines: int = DEFAULT_LINES,
    window: timedelta | None = DEFAULT_WINDOW,
    errors_only: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    host_max_bytes: int = DEFAULT_HOST_MAX_BYTES,
) -> dict[str, ContainerTail]:
    """Every container's recent tail (container id → tail), in one exchange with the host.

    The host budget goes to ``containers`` in the order given: put the suspicious ones first.
    """
    if not containers:
        return {}

    async def api(engine: EngineClient) -> dict[str, ContainerTail]:
        since = None
        if (w := _window_arg(window)) is not None:
            since = int(time.time()) - int(w[:-1])
        targets = [logs_target(c.id, tail=lines, since=since if windowed(c) else None) for c in containers]
        answers = await engine.exchange(targets)
        return tails_from_answers(containers, [(a.status, a.body) for a in answers], errors_only=errors_only,
                                  max_bytes=max_bytes, host_max_bytes=host_max_bytes)

    async def cli() -> dict[str, ContainerTail]:
        argv = tails_argv([(c.id, windowed(c), keeps_last(c)) for c in containers], tail=lines,
                          window=_window_arg(window), errors_regex=ERROR_REGEX if errors_only else None,
                          max_bytes=max_bytes, host_max_bytes=host_max_bytes)
        return parse_tails(await ctx.run(argv))

    return await _answer(ctx, api, cli)


__all__ = ["DEFAULT_HOST_MAX_BYTES", "DEFAULT_LINES", "DEFAULT_MAX_BYTES", "DEFAULT_WINDOW", "cap_lines",
           "keeps_last", "read_tails", "tails_from_answers", "windowed"]
