"""``dozor silence add|list|expire``: keep known problems out of the exit code and notifications, for a while.

Silences live in ``<state_dir>/noise.json``, shared with ``dozor report`` (cron), ``dozor watch``, the MCP
server and ``Fleet``. Changes are audited; ``--read-only`` refuses them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from dozor.cli.context import Exit, fail, open_fleet, options

if TYPE_CHECKING:
    from dozor.noise.silences import Silence

T = TypeVar("T")

app = typer.Typer(help="Silence known problems for a while (out of the exit code and notifications, kept in JSON).",
                  no_args_is_help=True, rich_markup_mode=None)


def guarded(job: Callable[[], T]) -> T:
    """Run a noise operation: a refusal is a usage error (exit 2), an unreadable state file exit 1."""
    from dozor.errors import NoiseRefused, NoiseStateCorrupt

    try:
        return job()
    except NoiseRefused as exc:
        raise fail(str(exc)) from None
    except (NoiseStateCorrupt, OSError) as exc:
        raise fail(str(exc), Exit.PROBLEMS) from None


def _line(s: Silence, now: datetime) -> str:
    from dozor.model.timetext import human_duration, ts

    left = (s.end() - now).total_seconds()
    state = f"until {ts(s.end())} ({human_duration(left)} left)" if left > 0 else f"ended {ts(s.end())}"
    return f"{s.id}  {s.match}  {state}  hid {len(s.seen)}  by {s.created_by}: {s.reason}"


@app.command("add")
def add(
    ctx: typer.Context,
    match: Annotated[str, typer.Option("--match", "-m", help="Matchers: 'host=web* service=worker problem=redis.oom' "
                                       "(keys: host, project, service, problem, severity, fingerprint).")],
    duration: Annotated[str, typer.Option("--for", help="How long: 30m, 4h, 2d (at most 30d). Required.")],
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why: whoever sees it later must know.")],
) -> None:
    """Silence the problems MATCH picks for a while (--for); they break through if they get worse."""
    from dozor.ops.audit import cli_actor
    from dozor.security.redact import redact

    opts = options(ctx)
    fleet = open_fleet(opts)
    s = guarded(lambda: fleet.silence(match, duration, reason, actor=cli_actor(), read_only=opts.read_only))
    if opts.json:
        typer.echo(redact(s.model_dump_json(indent=2)))
    else:
        typer.echo(f"silenced: {_line(s, datetime.now(UTC))}")


@app.command("list")
def list_(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Also silences ended in the last week.")] = False,
) -> None:
    """Active silences, soonest end first."""
    import json

    from dozor.security.redact import redact

    opts = options(ctx)
    fleet = open_fleet(opts)
    silences = guarded(lambda: fleet.silences(ended=all_))
    if opts.json:
        typer.echo(redact(json.dumps([s.model_dump(mode="json") for s in silences], indent=2)))
        return
    if not silences:
        typer.echo("no active silences" if not all_ else "no silences")
        return
    now = datetime.now(UTC)
    for s in silences:
        typer.echo(redact(_line(s, now)))


@app.command("expire")
def expire(
    ctx: typer.Context,
    silence_id: Annotated[str, typer.Argument(metavar="ID", help="The silence's id (dozor silence list).")],
) -> None:
    """End a silence now."""
    from dozor.ops.audit import cli_actor

    opts = options(ctx)
    fleet = open_fleet(opts)
    s = guarded(lambda: fleet.expire_silence(silence_id, actor=cli_actor(), read_only=opts.read_only))
    if opts.json:
        typer.echo(s.model_dump_json(indent=2))
    else:
        typer.echo(f"expired: {s.id} ({s.match})")


__all__ = ["app", "guarded"]
