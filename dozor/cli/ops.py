"""CLI commands that act: restart, deploy, deploy-status, prune, exec (guarded and audited as ``cli:$USER``)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from dozor.cli.context import Exit, Options, fail, options, run_fleet
from dozor.render.json_text import render_json


def _echo_result(opts: Options, result: Any, line: Any) -> None:
    """Print a FleetResult as JSON, or one block per host via ``line(host_result)``."""
    if opts.json:

        typer.echo(render_json(result))
        return
    for h in result.hosts:
        if h.ok:
            typer.echo(f"{h.host}: {line(h.data)}")
        else:
            typer.echo(f"{h.host}: {h.status.value}: {h.reason}", err=True)


def _exit(result: Any) -> None:
    statuses = {h.status.value for h in result.hosts}
    if statuses - {"ok", "refused", "error", "docker_unavailable"}:
        raise typer.Exit(int(Exit.HOSTS_FAILED))
    if statuses - {"ok"} or not result.hosts:
        raise typer.Exit(int(Exit.PROBLEMS))


def _selected(opts: Options) -> list[str]:
    from dozor.cli.context import open_fleet
    from dozor.inventory.selector import UnknownHostError

    try:
        return [h.name for h in open_fleet(opts).select(opts.host)]
    except UnknownHostError as exc:
        raise fail(str(exc)) from None


def _confirm(question: str, yes: bool) -> None:
    if not yes and not typer.confirm(question, default=False):
        raise fail("cancelled", Exit.PROBLEMS)


def restart(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="Compose service to restart.")],
    project: Annotated[str | None, typer.Option("--project", "-p", help="Inventory project of the service.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Allow a selector that matches several hosts.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Restart a compose service on one host (``--host``); reports its new start time and health."""
    from dozor.ops.audit import cli_actor

    opts = options(ctx)
    hosts = _selected(opts)
    if len(hosts) == 1 or all_:
        _confirm(f"Restart {service} on {', '.join(hosts)}?", yes)
    result = run_fleet(
        opts,
        lambda f, p: f.restart(service, opts.host, project=project, actor=cli_actor(), read_only=opts.read_only,
                            allow_many=all_, progress=p),
        label=f"restart {service}",
    )

    def line(r: Any) -> str:
        parts = [f"{c.name} {c.state.value}" + (f" ({c.health.value})" if c.health else "")
                 + f", started {c.started_at:%Y-%m-%d %H:%M:%S}" if c.started_at else c.name for c in r.containers]
        return f"restarted {r.project}/{r.service}: " + "; ".join(parts)

    _echo_result(opts, result, line)
    _exit(result)


def _deploy_line(r: Any) -> str:
    text = f"deploy {r.id} of {r.project}: {r.status}"
    if r.exit_code is not None:
        text += f" (exit {r.exit_code})"
    if r.healthy is not None:
        text += ", services healthy" if r.healthy else ", services NOT healthy"
    return text


def deploy(
    ctx: typer.Context,
    project: Annotated[str, typer.Argument(help="Project declared in the inventory.")],
    services: Annotated[str | None, typer.Option("--services", help="Only these services (a,b).")] = None,
    pull: Annotated[bool, typer.Option("--pull", help="compose pull first.")] = False,
    build: Annotated[bool, typer.Option("--build", help="compose build first.")] = False,
    git_pull: Annotated[bool, typer.Option("--git-pull", help="git pull --ff-only in the project dir first.")] = False,
    rolling: Annotated[bool, typer.Option("--rolling", help="One host at a time, healthy before the next.")] = False,
    continue_on_error: Annotated[
        bool, typer.Option("--continue-on-error", help="Rolling: go on after a failed host.")
    ] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the deploy to end and check health.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Deploy on several hosts at once.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Start a background deploy on the host (it survives this command); see ``deploy-status``."""
    from dozor.ops.audit import cli_actor
    from dozor.ops.deploy import DeployRequest

    opts = options(ctx)
    hosts = _selected(opts)
    if len(hosts) == 1 or all_ or rolling:
        _confirm(f"Deploy {project} on {', '.join(hosts)}{' (rolling)' if rolling else ''}?", yes)
    svc = [s.strip() for s in services.split(",") if s.strip()] if services else None
    request = DeployRequest(project=project, services=svc, git_pull=git_pull, pull=pull, build=build,
                            rolling=rolling, continue_on_error=continue_on_error, wait=wait)
    result = run_fleet(
        opts,
        lambda f, p: f.deploy(request, opts.host, actor=cli_actor(), read_only=opts.read_only, allow_many=all_,
                              progress=p),
        label=f"deploy {project}",
    )
    _echo_result(opts, result, _deploy_line)
    _exit(result)


def deploy_status(
    ctx: typer.Context,
    deploy_id: Annotated[str | None, typer.Argument(help="Deploy id; default: the latest per project.")] = None,
    project: Annotated[str | None, typer.Option("--project", "-p", help="Only this project.")] = None,
    log_bytes: Annotated[int, typer.Option("--log-bytes", min=0, max=262144, help="Log tail size.")] = 4096,
) -> None:
    """State of a deploy (running / succeeded / failed / lost), read from the host."""
    opts = options(ctx)
    result = run_fleet(opts, lambda f, p: f.deploy_status(
        opts.host, deploy_id, project=project, log_bytes=log_bytes, progress=p,
    ),
                       label="deploy-status")
    if opts.json:
        _echo_result(opts, result, str)
    else:
        for h in result.hosts:
            if not h.ok:
                typer.echo(f"{h.host}: {h.status.value}: {h.reason}", err=True)
                continue
            if not h.data:
                typer.echo(f"{h.host}: no deploys")
            for s in h.data or []:
                typer.echo(f"{h.host}: deploy {s.id} of {s.project}: {s.status} step={s.step} exit={s.exit_code} "
                           f"started={s.started_at} finished={s.finished_at}")
                if deploy_id and s.log_tail:
                    typer.echo(s.log_tail)
    _exit(result)


def prune(
    ctx: typer.Context,
    volumes: Annotated[bool, typer.Option("--volumes", help="Also unused anonymous volumes.")] = False,
    images_all: Annotated[bool, typer.Option("--images-all", help="Every unused image, not only dangling.")] = False,
    no_build_cache: Annotated[bool, typer.Option("--no-build-cache", help="Keep the build cache.")] = False,
    until: Annotated[str | None, typer.Option("--until", help="Only older than: 24h, 7d, 30m, or a date.")] = None,
    label: Annotated[str | None, typer.Option("--label", help="Only with this label (key or key=value).")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Allow several hosts.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Show what a prune would remove and the space it frees, then ask and prune."""
    from dozor.ops.audit import cli_actor
    from dozor.ops.prune import PruneOptions

    opts = options(ctx)
    popts = PruneOptions(images_all=images_all, build_cache=not no_build_cache, volumes=volumes, until=until,
                         label=label)
    preview = run_fleet(opts, lambda f, p: f.prune(opts.host, options=popts, progress=p), label="prune preview")
    if not opts.json or not yes:
        for h in preview.hosts:
            if not h.ok:
                typer.echo(f"{h.host}: {h.status.value}: {h.reason}", err=True)
                continue
            p = h.data.preview
            typer.echo(f"{h.host}: would remove {len(p.items)} item(s), about {p.reclaimable_bytes / 1e6:.1f} MB")
            for i in p.items:
                typer.echo(f"  {i.kind:12} {i.id:14} {i.name[:50]:50} {(i.size or 0) / 1e6:8.2f} MB")
            for n in p.notes:
                typer.echo(f"  note: {n}")
    if not preview.answered:
        _exit(preview)
    _confirm("Prune now?", yes)
    result = run_fleet(
        opts,
        lambda f, p: f.prune(opts.host, options=popts, confirm=True, actor=cli_actor(), read_only=opts.read_only,
                          allow_many=all_, progress=p),
        label="prune",
    )
    _echo_result(opts, result, lambda r: f"removed {len(r.result.removed)} item(s), freed "
                                         f"{r.result.space_freed_bytes / 1e6:.1f} MB")
    _exit(result)


def exec_(
    ctx: typer.Context,
    argv: Annotated[list[str] | None, typer.Argument(help="The command, after --: dozor exec -- docker ps -a")] = None,
    list_: Annotated[bool, typer.Option("--list", help="Print the allowlist and exit.")] = False,
    max_bytes: Annotated[int, typer.Option("--max-bytes", min=1, max=1048576, help="Output cap per host.")] = 65536,
) -> None:
    """Run an allowlisted read-only diagnostic command on the selected hosts (``--list`` shows them)."""
    from dozor.ops.audit import cli_actor
    from dozor.ops.exec_policy import describe_allowlist

    if list_:
        typer.echo(describe_allowlist(), nl=False)
        return
    if not argv:
        raise fail("nothing to run: dozor --host HOST exec -- docker ps -a")
    opts = options(ctx)
    result = run_fleet(opts, lambda f, p: f.exec(
        list(argv), opts.host, actor=cli_actor(), max_bytes=max_bytes, progress=p,
    ),
                       label="exec")
    if opts.json:
        _echo_result(opts, result, str)
    else:
        for h in result.hosts:
            if not h.ok:
                typer.echo(f"{h.host}: {h.status.value}: {h.reason}", err=True)
                continue
            if len(result.hosts) > 1:
                typer.echo(f"--- {h.host} (exit {h.data.exit_status})")
            typer.echo(h.data.output, nl=not h.data.output.endswith("\n"))
            if h.data.truncated:
                typer.echo(f"[{h.host}: output cut at {max_bytes} bytes]", err=True)
    _exit(result)
    if any(h.data and h.data.exit_status not in (0, None) for h in result.hosts):
        raise typer.Exit(int(Exit.PROBLEMS))
