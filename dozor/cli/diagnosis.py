"""``dozor diagnose``, ``health``, ``analyze`` and ``report``: the fleet's problems as one answer.

Output: rich tables on a terminal; the bounded AI text when piped or with ``--ai``; JSON with the root
``--json``. Exit codes (all four commands): 0 healthy, 1 warnings, 2 critical, 3 hosts unreachable (critical wins
over unreachable). ``dozor report`` adds what is new / resolved since its previous run.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dozor.cli.context import Exit, Options, fail, options, run_fleet

if TYPE_CHECKING:  # imported lazily: pydantic report models cost ~0.2 s, and `dozor --help` must stay fast
    from dozor.reports import DiagnosisReport, SecurityReview


def show_report(opts: Options, report: DiagnosisReport | SecurityReview, ai: bool) -> None:
    """JSON with ``--json``, the AI text with ``--ai`` or when piped, else rich tables; exit with the report's code."""
    if opts.json:
        typer.echo(report.to_json())
    elif ai or not sys.stdout.isatty():
        typer.echo(report.to_ai_prompt())
    else:
        report.print()
    raise typer.Exit(report.exit_code)


AiOption = Annotated[bool, typer.Option("--ai", help="Print the bounded text meant for an LLM.")]


def diagnose(
    ctx: typer.Context,
    services: Annotated[list[str] | None, typer.Argument(help="Only these compose services.")] = None,
    lines: Annotated[int, typer.Option("--lines", "-n", min=1, max=5000,
                                       help="Log lines tailed per container.")] = 200,
    window: Annotated[int, typer.Option("--window", min=0, max=7 * 24 * 60,
                                        help="Minutes of log read from running containers (0: no limit).")] = 15,
    ai: AiOption = False,
) -> None:
    """What is wrong, where, since when: status, resources and analysed error logs, ranked across the fleet."""
    from datetime import timedelta

    opts = options(ctx)
    log_window = timedelta(minutes=window) if window else None
    report = run_fleet(
        opts, lambda f, p: f.diagnose(
            opts.host, services=services or None, log_lines=lines, log_window=log_window, progress=p,
        ), label="diagnose"
    )
    show_report(opts, report, ai)


def health(ctx: typer.Context, ai: AiOption = False) -> None:
    """Quick check: container state and health only (no resources, no logs)."""
    opts = options(ctx)
    report = run_fleet(opts, lambda f, p: f.health(opts.host, progress=p), label="health")
    show_report(opts, report, ai)


def analyze(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="Compose service name.")],
    lines: Annotated[int, typer.Option("--lines", "-n", min=1, max=100000, help="Last N lines to analyse.")] = 1000,
    project: Annotated[str | None, typer.Option("--project", "-p", help="Compose project of the service.")] = None,
    ai: AiOption = False,
) -> None:
    """Deep log analysis of one service: known error patterns clustered, with counts and first/last seen."""
    opts = options(ctx)
    try:
        report = run_fleet(
            opts, lambda f, p: f.analyze(
                service, opts.host, lines=lines, project=project, progress=p,
            ), label=f"analyze {service}"
        )
    except ValueError as exc:
        raise fail(str(exc)) from None
    if not report.hosts:
        raise fail(f"service {service!r} found on none of the selected hosts", Exit.PROBLEMS)
    if not opts.json and not ai and sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        from dozor.render.style import plain as _t

        t = Table(box=None, pad_edge=False, header_style="dim")
        for col in ("host", "severity", "pattern", "count", "first", "last", "meaning"):
            t.add_column(col, overflow="fold")
        for h in report.hosts:
            for lg in h.logs:
                for f in lg.findings:
                    t.add_row(
                        h.host,
                        f.severity,
                        f.pattern,
                        str(f.count),
                        str(f.first_seen or "-"),
                        str(f.last_seen or "-"),
                        _t(f.meaning, 120),
                    )
        Console().print(t)
    show_report(opts, report, ai)


def report(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text | md | json | prometheus")] = "text",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here (atomically), not stdout.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing when all is healthy.")] = False,
    state: Annotated[
        Path | None, typer.Option("--state", help="State file (default: <state_dir>/report-state.json).")
    ] = None,
    notify: Annotated[
        list[str] | None,
        typer.Option("--notify", help="Where to say what is new or resolved (repeatable): an apprise URL (slack://, "
                     "tgram://, ntfy://, mailto://, json://host/path…) or an https:// URL for dozor's JSON POST."),
    ] = None,
    lines: Annotated[int, typer.Option("--lines", "-n", min=1, max=5000, help="Log lines tailed per service.")] = 200,
) -> None:
    """For cron: a full diagnosis plus what is NEW and RESOLVED since the last run; exit 0/1/2/3."""
    from dozor.report.cron import FORMATS, default_state_path, run_cron

    if fmt not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}")
    opts = options(ctx)
    rep = run_fleet(opts, lambda f, p: f.diagnose(opts.host, log_lines=lines, progress=p), label="report")
    if state is None:
        from dozor.cli.context import open_fleet

        inv = open_fleet(opts).inventory
        state = default_state_path(inv.defaults.state_dir or _default_state_dir(), inv.shard)
    out = run_cron(
        rep, state_path=state, fmt="json" if opts.json else fmt, output=output, quiet=quiet, notify_urls=notify
    )
    for w in out.warnings:
        typer.echo(f"dozor: {w}", err=True)
    if out.printed:
        typer.echo(out.printed, nl=False)
    raise typer.Exit(out.exit_code)


def _default_state_dir() -> Path:
    from dozor.inventory.models import default_state_dir

    return default_state_dir()


__all__ = ["analyze", "diagnose", "health", "report"]
