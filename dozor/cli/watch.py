"""``dozor watch``: the live fleet in the foreground — a table of hosts and problem services, new and resolved
problems printed (and sent to ``--notify`` targets) as they happen.

One engine event stream per host (:mod:`dozor.live`); hosts on the CLI path are polled. On a terminal the table
redraws in place (rich.live) with new/resolved lines above it; piped, under systemd, or with ``--once``, plain
lines. Ctrl-C or SIGTERM ends it cleanly with exit 0. ``--once``: one full read, the problems, exit 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dozor.cli.context import fail, open_fleet, options

if TYPE_CHECKING:
    from dozor.inventory.models import ResolvedHost
    from dozor.live.freshness import Freshness
    from dozor.report.models import FleetReport

TICK = 0.5
"""Seconds between looks at the live state (only a change, or a problem waiting to settle, costs anything)."""
REEVALUATE = 15.0
"""Time-based rules (a crash loop's window) are evaluated again at least this often."""
NOTIFY_WAIT = 15.0


def _where(host: str, project: str | None, service: str | None) -> str:
    from dozor.render.sanitize import clean

    return clean(f"{host} {project}/{service}" if service else host, 80)


class Plain:
    """Plain lines: one per problem at start (or with ``--once``), then one per change."""

    def __init__(self) -> None:
        self.fresh_seen: dict[str, str] = {}

    def start(self, report: FleetReport, fresh: dict[str, Freshness], now: datetime) -> None:
        """Every host's freshness and every current problem."""
        from dozor.model.problem import rank
        from dozor.render.sanitize import clean

        for host, f in fresh.items():
            self.fresh_seen[host] = f.kind.value
            _out(f"{clean(host, 64)}: {clean(f.detail(now), 300)}")
        for a in rank(report.all_problems()):
            _out(f"PROBLEM [{a.severity.value}] {_where(a.host, a.project, a.service)} — {clean(a.title, 120)}: "
                 f"{clean(a.evidence, 240)}")
        c = report.counts
        _out(f"{report.coverage}; {c['critical']} critical, {c['warning']} warning, {c['info']} info")

    def update(self, report: FleetReport, fresh: dict[str, Freshness], now: datetime) -> None:
        """New and resolved problems, and hosts whose freshness changed kind (stream lost, live again...)."""
        for line in _change_lines(report, fresh, self.fresh_seen, now):
            _out(line)


def _out(line: str) -> None:
    print(line, flush=True)


def _change_lines(report: FleetReport, fresh: dict[str, Freshness], seen: dict[str, str], now: datetime) -> list[str]:
    from dozor.model.timetext import ts
    from dozor.render.sanitize import clean

    stamp = ts(now)
    lines = []
    for host, f in fresh.items():
        if seen.get(host) != f.kind.value:
            seen[host] = f.kind.value
            lines.append(f"{stamp} {clean(host, 64)}: {clean(f.detail(), 300)}")
    ch = report.changes
    if ch is not None:
        evidence = {a.fingerprint: a.evidence + (f"; {a.baseline}" if a.baseline else "")
                    for h in report.hosts for a in h.alerts}
        for c in ch.new:
            lines.append(f"{stamp} NEW [{c.severity.value}] {_where(c.host, c.project, c.service)} — "
                         f"{clean(c.title, 120)}: {clean(evidence.get(c.fingerprint, ''), 240)}")
        for c in ch.resolved:
            lines.append(f"{stamp} RESOLVED [{c.severity.value}] {_where(c.host, c.project, c.service)} — "
                         f"{clean(c.title, 120)}")
    return lines


class Table:
    """A rich.live table redrawn in place; change lines printed above it."""

    def __init__(self) -> None:
        from rich.live import Live

        self.fresh_seen: dict[str, str] = {}
        self.live = Live(auto_refresh=False, redirect_stdout=False, transient=False)
        self.live.start()

    def start(self, report: FleetReport, fresh: dict[str, Freshness], now: datetime) -> None:
        """Draw the first table."""
        for host, f in fresh.items():
            self.fresh_seen[host] = f.kind.value
        self.live.update(self._render(report, fresh, now), refresh=True)

    def update(self, report: FleetReport, fresh: dict[str, Freshness], now: datetime) -> None:
        """Print the changes above the table, redraw it."""
        from rich.text import Text

        for line in _change_lines(report, fresh, self.fresh_seen, now):
            style = "bold red" if " NEW [critical]" in line else "green" if " RESOLVED " in line else ""
            self.live.console.print(Text(line, style=style))
        self.live.update(self._render(report, fresh, now), refresh=True)

    def _render(self, report: FleetReport, fresh: dict[str, Freshness], now: datetime) -> Any:
        from rich.console import Group
        from rich.table import Table as RichTable
        from rich.text import Text

        from dozor.model.problem import rank
        from dozor.model.timetext import ago
        from dozor.render.style import SEVERITY_STYLE, counts_line, plain

        hosts = RichTable(box=None, pad_edge=False, header_style="dim", title=f"dozor watch · {counts_line(report)}",
                          title_justify="left")
        for col in ("host", "state", "services", "problems"):
            hosts.add_column(col, overflow="fold")
        for h in report.hosts:
            f = fresh.get(h.host)
            bad = sum(1 for a in h.problems() if a.severity.value != "info")
            state = Text(f.text(now) if f else h.status.value,
                         style="green" if f and f.kind.value == "live" else "yellow" if h.answered else "red")
            hosts.add_row(plain(h.host, 40), state, str(len(h.services)) if h.answered else "-",
                          Text(str(bad), style="bold red" if bad else "dim"))
        problems = RichTable(box=None, pad_edge=False, header_style="dim")
        for col in ("sev", "where", "problem", "since"):
            problems.add_column(col, overflow="fold")
        for a in rank(report.all_problems())[:40]:
            problems.add_row(Text(a.severity.value, style=SEVERITY_STYLE[a.severity.value]),
                             plain(a.where, 60), plain(a.title, 80), ago(a.since, now) if a.since else "")
        return Group(hosts, Text(""), problems)

    def close(self) -> None:
        """Leave the last table on the screen."""
        self.live.stop()


async def _notify(urls: list[str], report: FleetReport) -> None:
    from dozor.report.notify import send

    errors = await asyncio.to_thread(send, urls, report)
    for e in errors:
        print(f"dozor: notify: {e}", file=sys.stderr, flush=True)


async def _watch(fleet: Any, hosts: list[ResolvedHost], selector: str | None,
                 *, notify: list[str], once: bool, settle: float, resync: float, poll_interval: float,
                 plain: bool) -> None:
    from dozor.live.fleet import LiveFleet
    from dozor.live.host import LiveOptions
    from dozor.live.problems import ProblemTracker

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    inv = fleet.inventory
    live = LiveFleet(hosts, fleet.pool.get, options=LiveOptions(resync=resync, poll_interval=poll_interval),
                     concurrency=inv.defaults.concurrency, state_dir=fleet.state_dir)
    tracker = ProblemTracker(hosts, selector=selector, state_dir=fleet.state_dir, settle=settle, shard=inv.shard,
                             inventory=inv)
    if tracker.warning:
        print(f"dozor: {tracker.warning}", file=sys.stderr)
    sending: set[asyncio.Task[None]] = set()

    def send(report: FleetReport) -> None:
        ch = report.changes
        if notify and ch is not None and (ch.new or ch.resolved):
            task = asyncio.ensure_future(_notify(notify, report))
            sending.add(task)
            task.add_done_callback(sending.discard)

    view: Plain | Table | None = None
    async with fleet:
        await live.start()
        try:
            ready = asyncio.ensure_future(live.wait_ready(timeout=inv.defaults.timeouts.fleet))
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait([ready, stopping], return_when=asyncio.FIRST_COMPLETED)
            ready.cancel()
            if stop.is_set():
                return
            now = datetime.now(UTC)
            result, fresh = live.status(hosts, selector=selector)
            report = tracker.evaluate(result, now, settled=True)
            view = Plain() if plain else Table()
            view.start(report, fresh, now)
            send(report)
            if once:
                return
            version, evaluated = live.version, time.monotonic()
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(stopping), TICK)
                if stop.is_set():
                    break
                due = time.monotonic() - evaluated >= REEVALUATE
                if live.version == version and not tracker.pending and not due:
                    continue
                version, evaluated = live.version, time.monotonic()
                now = datetime.now(UTC)
                result, fresh = live.status(hosts, selector=selector)
                report = tracker.evaluate(result, now)
                view.update(report, fresh, now)
                send(report)
        finally:
            stopping.cancel()
            if isinstance(view, Table):
                view.close()
            await live.stop()
            if sending:
                await asyncio.wait(sending, timeout=NOTIFY_WAIT)
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)


def watch(
    ctx: typer.Context,
    notify: Annotated[
        list[str] | None,
        typer.Option("--notify", help="Send new/resolved problems to this apprise URL (repeatable), as "
                     "`dozor report --notify` does."),
    ] = None,
    host: Annotated[
        str | None, typer.Option("--host", "-H", help="Host selector (same as the root --host; this one wins).")
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="One full read: print the problems as plain lines, then exit.")
    ] = False,
    settle: Annotated[
        float, typer.Option("--settle", min=0, max=3600,
                            help="Seconds a problem must last (or be gone) before it is announced.")
    ] = 5.0,
    resync: Annotated[
        float, typer.Option("--resync", min=10, max=86400, help="Seconds between full re-reads of a live host.")
    ] = 300.0,
    poll_interval: Annotated[
        float, typer.Option("--poll-interval", min=1, max=3600,
                            help="Seconds between reads of a host without an engine event stream (CLI path).")
    ] = 15.0,
) -> None:
    """The fleet live: a table of hosts and problem services, new/resolved problems as they happen (exit 0)."""
    from dozor.cli import gc_policy
    from dozor.inventory.selector import UnknownHostError
    from dozor.runner.sync import run_sync

    opts = options(ctx)
    selector = host or opts.host
    fleet = open_fleet(opts)
    try:
        hosts = fleet.select(selector)
    except UnknownHostError as exc:
        raise fail(str(exc)) from None
    for url in notify or []:
        if "://" not in url:
            raise fail(f"--notify {url[:40]!r}: not a URL (an apprise URL such as ntfy://topic or json://host/path)")
    gc_policy.long_running()
    plain = once or opts.json or not sys.stdout.isatty()
    from dozor.errors import FileLimitTooLow

    try:
        run_sync(_watch(fleet, hosts, selector, notify=list(notify or []), once=once, settle=settle,
                        resync=resync, poll_interval=poll_interval, plain=plain))
    except FileLimitTooLow as exc:
        raise fail(str(exc)) from None
    raise typer.Exit(0)


__all__ = ["watch"]
