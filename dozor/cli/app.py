"""The ``dozor`` command line: a thin typer layer over ``dozor.Fleet``.

Exit codes: 0 ok; 1 problems found or the action failed; 2 usage error, bad inventory
or unknown host; 3 one or more selected hosts did not answer.
"""

from __future__ import annotations

from typing import Annotated

import typer

from dozor import __version__
from dozor.cli import gc_policy
from dozor.cli.context import Exit, Options, fail, options, run_fleet
from dozor.envflags import env_flag

app = typer.Typer(
    name="dozor",
    help="Ask a fleet of Docker hosts what is wrong, and where — in one call.",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _complete_host(ctx: typer.Context, incomplete: str) -> list[str]:
    try:
        from dozor.inventory.loader import load_inventory
        from dozor.inventory.selector import host_names_for_completion

        inv = load_inventory(ctx.params.get("inventory"))
        return [n for n in host_names_for_completion(inv) if n.startswith(incomplete)]
    except Exception:  # completion must never crash the shell
        return []


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dozor {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    inventory: Annotated[
        str | None, typer.Option("--inventory", "-i", envvar="DOZOR_INVENTORY", help="Inventory TOML file.")
    ] = None,
    host: Annotated[
        str | None,
        typer.Option(
            "--host",
            "-H",
            envvar="DOZOR_HOST",
            help="Host selector: name, glob (web*), @group/@tag, lists (a,b), exclusion (web*:!web3), "
            "intersection (@eu:&@web). Default: the whole fleet.",
            autocompletion=_complete_host,
        ),
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            envvar="DOZOR_SHARD",
            help="Own only part of the inventory: K/N (1 ≤ K ≤ N, hosts spread by a stable hash of their name) or "
            "a host pattern such as @eu. --host then selects inside the shard (docs/scale.md).",
        ),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON (the pydantic models) instead of tables.")] = False,
    read_only: Annotated[
        bool,
        typer.Option("--read-only", help="Refuse every mutation on every host. [env var: DOZOR_READ_ONLY=1]"),
    ] = False,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress line on stderr.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Root options come before the command: ``dozor --host web2 logs nginx -e``."""
    try:
        read_only = read_only or env_flag("DOZOR_READ_ONLY")
    except ValueError as exc:
        raise fail(str(exc)) from None
    if shard is not None:
        from dozor.errors import ShardError
        from dozor.inventory.shard import parse_shard

        try:
            parse_shard(shard)
        except ShardError as exc:
            raise fail(str(exc)) from None
    ctx.obj = Options(inventory=inventory, host=host, json=json, read_only=read_only, progress=not no_progress,
                      shard=shard)


def _emit_json(model: object) -> None:
    from pydantic import BaseModel

    from dozor.render.json_text import render_json
    from dozor.security.redact import redact

    typer.echo(render_json(model) if isinstance(model, BaseModel) else redact(str(model)))


def _fleet_exit(result: object) -> None:
    failed = getattr(result, "failed", [])
    if failed:
        raise typer.Exit(int(Exit.HOSTS_FAILED))


@app.command()
def hosts(
    ctx: typer.Context,
    check: Annotated[bool, typer.Option("--check", help="Connect to each host and report reachability.")] = False,
) -> None:
    """List the inventory's hosts (selected by --host), their groups, tags and projects."""
    from dozor.cli import views

    opts = options(ctx)
    views.hosts(opts, check)


@app.command()
def status(
    ctx: typer.Context,
    service: Annotated[str | None, typer.Argument(help="Only this compose service.")] = None,
) -> None:
    """Containers of every selected host: state, health, exit code, OOM, restarts, uptime, ports."""
    from dozor.cli import views

    result = run_fleet(options(ctx), lambda f, p: f.status(
        options(ctx).host, service=service, progress=p,
    ), label="status")
    views.status(options(ctx), result)
    _fleet_exit(result)


@app.command()
def resources(ctx: typer.Context) -> None:
    """Per-container CPU and memory; per-host disk, memory, swap, load and CPUs."""
    from dozor.cli import views

    result = run_fleet(options(ctx), lambda f, p: f.resources(options(ctx).host, progress=p), label="resources")
    views.resources(options(ctx), result)
    _fleet_exit(result)


@app.command()
def logs(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="Compose service name.")],
    lines: Annotated[int, typer.Option("--lines", "-n", min=1, max=100000, help="Last N lines.")] = 100,
    since: Annotated[
        str | None, typer.Option("--since", help="Only lines newer than 10m, 2h, 1d or a timestamp.")
    ] = None,
    errors: Annotated[
        bool, typer.Option("--errors", "-e", help="Only error lines and 5xx access lines (filtered on the host).")
    ] = False,
    grep: Annotated[str | None, typer.Option("--grep", "-g", help="Only lines matching this regex.")] = None,
    project: Annotated[str | None, typer.Option("--project", "-p", help="Compose project of the service.")] = None,
) -> None:
    """Recent logs of a service on every selected host where it runs."""
    from dozor.cli import views

    opts = options(ctx)
    result = run_fleet(
        opts,
        lambda f, p: f.logs(
            service, opts.host, lines=lines, since=since, errors_only=errors, grep=grep, project=project, progress=p,
        ),
        label=f"logs {service}",
    )
    views.logs(opts, result)
    if not result.answered and result.hosts:
        raise fail(f"no logs for service {service!r} on the selected hosts", Exit.PROBLEMS)
    _fleet_exit(result)


from dozor.cli import serve  # noqa: E402  (the module imports no MCP code until the command runs)

app.command("serve")(serve.serve)


from dozor.cli import diagnosis  # noqa: E402 — registered after the core commands, on purpose

app.command()(diagnosis.diagnose)
app.command()(diagnosis.health)
app.command()(diagnosis.analyze)
app.command()(diagnosis.report)


from dozor.cli import ops  # noqa: E402 — commands that act (guarded, audited)

app.command("restart")(ops.restart)
app.command("deploy")(ops.deploy)
app.command("deploy-status")(ops.deploy_status)
app.command("prune")(ops.prune)
app.command("exec")(ops.exec_)


from dozor.cli import security  # noqa: E402 — the security review (dozor.security)

app.command("security")(security.security)


from dozor.cli import timeline  # noqa: E402 — what happened in a window (dozor.report.timeline)

app.command("timeline")(timeline.timeline)


from dozor.cli import inventory  # noqa: E402 — the inventory itself: schema, check, import

app.add_typer(inventory.app, name="inventory")


from dozor.cli import drift  # noqa: E402 — configuration drift between hosts (dozor.drift)

app.command("drift")(drift.drift)


from dozor.cli import watch  # noqa: E402 — the live fleet in the foreground (dozor.live)

app.command("watch")(watch.watch)


from dozor.cli import metrics  # noqa: E402 — Prometheus /metrics of the fleet or one shard (dozor.exporter)

app.command("metrics")(metrics.metrics)


from dozor.cli import ack, silence  # noqa: E402 — silences and acks (dozor.noise)

app.add_typer(silence.app, name="silence")
app.command("ack")(ack.ack)


def main() -> None:
    """Console-script entry point."""
    gc_policy.pause()  # resumed by the commands that do real work (run_fleet, hosts --check, serve)
    app()


__all__ = ["app", "fail", "main"]
