"""``dozor security``: the fleet's security review (exposure, containers, host settings, secrets, scanners).

Output: a rich table on a terminal; the bounded AI text when piped or with ``--ai``; JSON with ``--json``
(root or local option), always redacted. Exit codes as ``dozor report``: 0 nothing above info, 1 warnings,
2 critical, 3 a host did not answer (critical wins).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer

from dozor.cli.context import options, run_fleet
from dozor.cli.diagnosis import show_report


def security(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option("--host", "-H", help="Host selector (overrides the root --host). Default: all.")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print the report as JSON (redacted).")] = False,
    ai: Annotated[bool, typer.Option("--ai", help="Print the bounded text meant for an LLM.")] = False,
    no_logs: Annotated[bool, typer.Option("--no-logs", help="Skip the access-log (scanner) checks.")] = False,
) -> None:
    """Security review: exposed ports, risky containers, sshd and Docker daemon settings, secrets, scanners."""
    opts = options(ctx)
    if host is not None or json:
        opts = replace(opts, host=host if host is not None else opts.host, json=opts.json or json)
    report = run_fleet(opts, lambda f, p: f.security(opts.host, logs=not no_logs, progress=p), label="security")
    show_report(opts, report, ai)


__all__ = ["security"]
