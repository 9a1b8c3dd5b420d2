"""``dozor serve``: the MCP server over stdio (default), streamable HTTP (``/mcp``) or SSE (``/sse``).

The one command line for every transport; ``python -m dozor.mcp_server`` and
``python -m dozor.mcp_server_sse`` are aliases of it (see ``dozor.compat``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from dozor.cli.context import fail, options


class Transport(StrEnum):
    """How MCP clients reach the server."""

    STDIO = "stdio"  # local clients and `ssh host "dozor serve"`
    HTTP = "http"  # streamable HTTP on /mcp, bearer token required
    SSE = "sse"  # the older SSE transport on /sse + /messages/, bearer token required


def serve(
    ctx: typer.Context,
    transport: Annotated[
        Transport,
        typer.Option("--transport", "-t", case_sensitive=False,
                     help="stdio; http: streamable HTTP on /mcp; sse: /sse + /messages/ (older clients)."),
    ] = Transport.STDIO,
    http: Annotated[
        bool, typer.Option("--http", hidden=True, help="Same as --transport http (kept for existing setups).")
    ] = False,
    bind: Annotated[
        str,
        typer.Option("--bind", help="Address to listen on with http/sse (the root --host is the fleet selector)."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on with http/sse.")] = 8765,
    token_file: Annotated[
        str | None,
        typer.Option("--token-file", help="File holding the bearer token for http/sse (default: $DOZOR_MCP_TOKEN)."),
    ] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option("--allow-host", help="Extra Host header name accepted with http/sse (repeatable)."),
    ] = None,
    inventory: Annotated[
        str | None,
        typer.Option("--inventory", "-i", help="Inventory TOML file (same as the root option; this one wins)."),
    ] = None,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Offer no mutating tool (same as the root option).")
    ] = False,
    watch: Annotated[
        bool, typer.Option("--watch", help="Keep every host's state live (one engine event stream per host); "
                           "status answers come from it and say how fresh they are (docs/live.md).")
    ] = False,
) -> None:
    """Run dozor as an MCP server: stdio for local clients and `ssh host "dozor serve"`, http/sse for remote ones."""
    from dozor.cli import gc_policy
    from dozor.errors import InventoryError, ServeError, ShardError
    from dozor.mcp import serving

    if http:
        if transport not in (Transport.STDIO, Transport.HTTP):
            raise fail(f"--http contradicts --transport {transport.value}")
        transport = Transport.HTTP
    gc_policy.long_running()
    opts = options(ctx)
    common: dict[str, Any] = {"inventory": inventory or opts.inventory, "read_only": read_only or opts.read_only}
    if opts.shard is not None:
        common["shard"] = opts.shard
    if watch:
        common["watch"] = True
    try:
        if transport is Transport.STDIO:
            serving.serve_stdio(**common)
        else:
            run = serving.serve_http if transport is Transport.HTTP else serving.serve_sse
            run(**common, bind=bind, port=port, token_file=token_file, allowed_hosts=allow_host or [])
    except (InventoryError, ServeError, ShardError) as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        pass
