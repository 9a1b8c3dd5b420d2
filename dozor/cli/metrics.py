"""``dozor metrics``: serve the fleet's (or the shard's) diagnosis on ``/metrics`` for Prometheus to scrape."""

from __future__ import annotations

from typing import Annotated

import typer

from dozor.cli.context import fail, open_fleet, options


def metrics(
    ctx: typer.Context,
    listen: Annotated[
        str, typer.Option("--listen", "-l", help="ADDRESS:PORT to serve /metrics on.")
    ] = "127.0.0.1:9477",
    interval: Annotated[
        float, typer.Option("--interval", min=5, max=86400, help="Seconds between two runs (after one ends).")
    ] = 60.0,
    quick: Annotated[
        bool, typer.Option("--quick", help="Container state and health only (dozor health), no logs or resources.")
    ] = False,
    token_file: Annotated[
        str | None, typer.Option("--token-file", help="File holding the bearer token (default: $DOZOR_MCP_TOKEN).")
    ] = None,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="No bearer token: only with a loopback --listen address.")
    ] = False,
    allow_host: Annotated[
        list[str] | None, typer.Option("--allow-host", help="Extra Host header name accepted (repeatable).")
    ] = None,
) -> None:
    """Serve the diagnosis of the selected hosts as Prometheus metrics (read-only), refreshed every --interval."""
    from dozor.cli import gc_policy
    from dozor.errors import FileLimitTooLow, ServeError, UnknownHostError
    from dozor.exporter import access_token, parse_listen, serve_metrics
    from dozor.runner.sync import run_sync

    opts = options(ctx)
    try:
        bind, port = parse_listen(listen)
        token = access_token(bind, token_file, no_auth)
    except ServeError as exc:
        raise fail(str(exc)) from None
    fleet = open_fleet(opts)
    try:
        fleet.select(opts.host)
    except UnknownHostError as exc:
        raise fail(str(exc)) from None
    gc_policy.long_running()
    try:
        run_sync(serve_metrics(fleet, selector=opts.host, bind=bind, port=port, token=token,
                               allowed_hosts=allow_host or [], interval=interval, quick=quick))
    except (FileLimitTooLow, ServeError, UnknownHostError) as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        pass


__all__ = ["metrics"]
