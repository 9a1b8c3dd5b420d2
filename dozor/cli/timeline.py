"""``dozor timeline``: what happened on the fleet in a window, one time-ordered list."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from dozor.cli.context import Exit, options, run_fleet
from dozor.render.json_text import render_json


def timeline(
    ctx: typer.Context,
    services: Annotated[list[str] | None, typer.Argument(help="Only these compose services.")] = None,
    since: Annotated[str, typer.Option("--since", help="Window start: 10m, 2h, 1d (before now) or a time.")] = "1h",
    until: Annotated[str | None, typer.Option("--until", help="Window end (default: now).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="Most entries shown (newest kept).")] = 100,
    ai: Annotated[bool, typer.Option("--ai", help="Print the bounded text meant for an LLM.")] = False,
) -> None:
    """Events of every selected host in a window: starts, exits, OOM kills, crash loops, health changes, deploys."""
    opts = options(ctx)
    result = run_fleet(
        opts, lambda f, p: f.timeline(
            opts.host, since=since, until=until, services=services or None, limit=limit, progress=p,
        ), label="timeline"
    )
    if opts.json:

        typer.echo(render_json(result))
    elif ai or not sys.stdout.isatty():
        from dozor.render.timeline_text import timeline_text

        typer.echo(timeline_text(result))
    else:
        from dozor.render.terminal import print_renderable
        from dozor.render.timeline_text import timeline_table

        print_renderable(timeline_table(result))
    if result.failed:
        raise typer.Exit(int(Exit.HOSTS_FAILED))
