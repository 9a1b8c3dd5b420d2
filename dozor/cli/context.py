"""What the root options build: the fleet, the selector, the output mode; and the exit codes."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any, TypeVar

import typer

if TYPE_CHECKING:
    from dozor.fleet import Fleet
    from dozor.runner.fanout import Progress

T = TypeVar("T")


class Exit(IntEnum):
    """dozor's exit codes (also in the README)."""

    OK = 0
    PROBLEMS = 1  # the command ran and found (or caused) a problem
    USAGE = 2  # bad arguments, bad inventory, unknown host
    HOSTS_FAILED = 3  # one or more selected hosts did not answer


@dataclass
class Options:
    """Root options, stored in ``ctx.obj``."""

    inventory: str | None
    host: str | None
    json: bool
    read_only: bool
    progress: bool
    shard: str | None = None


def options(ctx: typer.Context) -> Options:
    """The root options of this invocation."""
    return ctx.find_root().obj


def fail(message: str, code: Exit = Exit.USAGE) -> typer.Exit:
    """Print ``message`` on stderr and return the exit to raise."""
    from rich.console import Console
    from rich.text import Text

    Console(stderr=True).print(Text("dozor: " + message, style="bold red"))
    return typer.Exit(int(code))


def open_fleet(opts: Options) -> Fleet:
    """Load the inventory named by the options, cut to ``--shard``; a bad one ends the process with exit 2."""
    from dozor.errors import InventoryError, ShardError
    from dozor.fleet import Fleet
    from dozor.inventory.loader import load_inventory
    from dozor.inventory.shard import apply_shard

    try:
        return Fleet(apply_shard(load_inventory(opts.inventory), opts.shard))
    except (InventoryError, ShardError) as exc:
        raise fail(str(exc)) from None


def run_fleet(opts: Options, job: Callable[[Fleet, Progress | None], Awaitable[T]], *, label: str) -> T:
    """Open the fleet, run ``job(fleet, progress)`` with a progress line on a terminal, close the fleet."""
    from dozor.cli import gc_policy
    from dozor.inventory.selector import UnknownHostError
    from dozor.runner.sync import run_sync

    fleet = open_fleet(opts)
    try:
        fleet.select(opts.host)
    except UnknownHostError as exc:
        raise fail(str(exc)) from None
    gc_policy.one_shot()

    async def main() -> T:
        async with fleet:
            if opts.progress and sys.stderr.isatty() and not opts.json:
                from rich.progress import Progress, SpinnerColumn, TextColumn

                with Progress(
                    SpinnerColumn(), TextColumn("{task.description}"), transient=True, console=_stderr()
                ) as bar:
                    task = bar.add_task(f"{label}…", total=None)

                    def tick(done: int, total: int, host: str) -> None:
                        bar.update(task, description=f"{label}: {done}/{total} hosts (last: {host})")

                    return await job(fleet, tick)
            return await job(fleet, None)

    from dozor.errors import FileLimitTooLow

    try:
        return run_sync(main())
    except ValueError as exc:  # the API's contract: ValueError = a bad argument (selector, name, regex...)
        raise fail(str(exc)) from None
    except FileLimitTooLow as exc:  # raised before any host is asked: nothing ran
        raise fail(str(exc)) from None


def _stderr() -> Any:
    from rich.console import Console

    return Console(stderr=True)
