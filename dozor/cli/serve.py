"""``dozor serve``: the MCP server over stdio (default) or streamable HTTP."""

from __future__ import annotations

from typing import Annotated

import typer

from dozor.cli.context import fail, options


def serve(
    ctx: typer.Context,
    http: Annotated[bool, typer.Option("--http", help="Serve streamable HTTP on /mcp instead of stdio.")] = False,
    bind: Annotated[
        str,
        typer.Option("--bind", help="Address to listen on with --http (the root --host is the fleet selector)."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on with --http.")] = 8765,
    token_file: Annotated[
        str | None,
        typer.Option("--token-file", help="File holding the bearer token for --http (default: $DOZOR_MCP_TOKEN)."),
    ] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option("--allow-host", help="Extra Host header name accepted with --http (repeatable)."),
    ] = None,
) -> None:
    """Run dozor as an MCP server: stdio for local clients and `ssh host "dozor serve"`, --http for remote ones."""
    from dozor.cli import gc_policy
    from dozor.inventory.loader import InventoryError
    from dozor.mcp import serving

    gc_policy.long_running()
    opts = options(ctx)
    try:
        if http:
            serving.serve_http(
                inventory=opts.inventory,
                read_only=opts.read_only,
                bind=bind,
                port=port,
                token_file=token_file,
                allowed_hosts=allow_host or [],
            )
        else:
            serving.serve_stdio(inventory=opts.inventory, read_only=opts.read_only)
    except (InventoryError, serving.ServeError) as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        pass
