"""The seed's entry points, kept working as thin aliases of today's public API.

    seed-era spelling                          what it is now
    ─────────────────────────────────────────  ──────────────────────────────────────────────────
    python -m dozor.mcp_server [options]       dozor serve --transport stdio [options]
    python -m dozor.mcp_server_sse [options]   dozor serve --transport sse [options]
    from dozor.agent import ServerAgent        FleetAgent on load_seed_inventory() (SERVER_* variables)
    ServerAgent.from_env()

Both modules read ``DOZOR_INVENTORY`` and ``DOZOR_READ_ONLY`` like ``dozor`` itself, and take every
option of ``dozor serve`` (``--bind``, ``--port``, ``--token-file``, ``--allow-host``, ``--inventory``,
``--read-only``; ``--help`` shows them). Nothing here has behaviour of its own: it calls
:data:`dozor.cli.app.app`, :func:`dozor.inventory.loader.load_seed_inventory` and ``FleetAgent``.
"""

from __future__ import annotations

from collections.abc import Sequence

from dozor.agent import FleetAgent, ServerAgent

__all__ = ["FleetAgent", "ServerAgent", "mcp_server", "mcp_server_sse", "serve"]


def serve(transport: str, argv: Sequence[str] | None = None) -> None:
    """``dozor serve --transport <transport> <argv>`` (``argv`` defaults to this process's arguments)."""
    import sys

    from dozor.cli.app import app

    args = list(sys.argv[1:] if argv is None else argv)
    app(args=["serve", "--transport", transport, *args], prog_name="dozor")


def mcp_server(argv: Sequence[str] | None = None) -> None:
    """``python -m dozor.mcp_server``: the MCP server over stdio."""
    serve("stdio", argv)


def mcp_server_sse(argv: Sequence[str] | None = None) -> None:
    """``python -m dozor.mcp_server_sse``: the MCP server over SSE (``/sse`` + ``/messages/``), token required."""
    serve("sse", argv)
