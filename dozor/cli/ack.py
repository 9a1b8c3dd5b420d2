"""``dozor ack INCIDENT --note …``: say someone is on an incident; reports show it until it resolves."""

from __future__ import annotations

from typing import Annotated

import typer

from dozor.cli.context import fail, open_fleet, options
from dozor.cli.silence import guarded


def ack(
    ctx: typer.Context,
    incident: Annotated[str | None, typer.Argument(help="Incident id as diagnose shows it (6+ characters).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="Who is on it, or what is being done.")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Drop this incident's ack.")] = False,
    list_: Annotated[bool, typer.Option("--list", help="List acknowledged incidents.")] = False,
) -> None:
    """Acknowledge an incident: every report shows "acknowledged: NOTE, since T"; new symptoms still notify;
    the ack goes when the incident resolves."""
    import json

    from dozor.model.timetext import ts
    from dozor.ops.audit import cli_actor
    from dozor.security.redact import redact

    opts = options(ctx)
    fleet = open_fleet(opts)
    if list_:
        acks = guarded(fleet.acks)
        if opts.json:
            typer.echo(redact(json.dumps([a.model_dump(mode="json") for a in acks], indent=2)))
        for a in [] if opts.json else acks:
            typer.echo(redact(f"{a.incident}  {', '.join(a.hosts)}  since {ts(a.since)} by {a.by}: {a.note}"
                              + (f"  ({a.title})" if a.title else "")))
        if not acks and not opts.json:
            typer.echo("no acknowledged incidents")
        return
    if not incident:
        raise fail("name the incident to acknowledge (its id as diagnose shows it), or --list")
    if remove:
        a = guarded(lambda: fleet.unack(incident, actor=cli_actor(), read_only=opts.read_only))
        typer.echo(a.model_dump_json(indent=2) if opts.json else f"ack dropped: {a.incident}")
        return
    if note is None:
        raise fail("an ack needs a note: --note 'who is on it, or what is being done'")
    a = guarded(lambda: fleet.ack(incident, note, actor=cli_actor(), read_only=opts.read_only))
    if opts.json:
        typer.echo(redact(a.model_dump_json(indent=2)))
    else:
        typer.echo(redact(f"acknowledged: {a.incident} on {', '.join(a.hosts)} ({a.title}): {a.note}"))


__all__ = ["ack"]
