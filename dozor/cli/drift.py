"""``dozor drift [PROJECT]``: compose services configured differently on the hosts they run on.

Fleet-wide unless the root ``--host`` narrows it. Output: a rich table on a terminal; the bounded AI text
when piped or with ``--ai``; JSON with the root ``--json`` (redacted). Environment variables are compared
by name only: no value is read into dozor. Exit codes: 0 no drift, 1 drift found, 3 a host did not answer.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from dozor.cli.context import options, run_fleet


def drift(
    ctx: typer.Context,
    project: Annotated[str | None, typer.Argument(help="Only this compose project.")] = None,
    ai: Annotated[bool, typer.Option("--ai", help="Print the bounded text meant for an LLM.")] = False,
) -> None:
    """Drift: the same compose service with another image, command, env names, limits, ports… on some hosts."""
    opts = options(ctx)
    report = run_fleet(opts, lambda f, p: f.drift(opts.host, project=project, progress=p), label="drift")
    from dozor.render import drift_text

    if opts.json:
        from dozor.render.json_text import render_json

        typer.echo(render_json(report))
    elif ai or not sys.stdout.isatty():
        typer.echo(drift_text.render_ai(report))
    else:
        from dozor.render.terminal import print_renderable

        print_renderable(drift_text.render_terminal(report))
    raise typer.Exit(report.exit_code)


__all__ = ["drift"]
