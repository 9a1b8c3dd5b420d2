"""``python -m dozor.mcp_server_sse --port 8765``: the MCP server over SSE, for clients that still need it.

Same rules as ``dozor serve --http``: a bearer token from ``DOZOR_MCP_TOKEN`` or ``--token-file``
is required, and 127.0.0.1 is the default address.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Parse the options and serve SSE on ``/sse`` (messages on ``/messages/``)."""
    parser = argparse.ArgumentParser(prog="python -m dozor.mcp_server_sse", description=__doc__)
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    parser.add_argument("--token-file", help="file holding the bearer token (default: $DOZOR_MCP_TOKEN)")
    parser.add_argument("--allow-host", action="append", default=[], help="extra accepted Host name (repeatable)")
    parser.add_argument("--inventory", "-i", default=os.environ.get("DOZOR_INVENTORY"), help="inventory TOML")
    parser.add_argument("--read-only", action="store_true", help="remove every mutating tool")
    args = parser.parse_args(argv)

    from dozor.inventory.loader import InventoryError
    from dozor.mcp.serving import ServeError, serve_sse

    try:
        serve_sse(
            inventory=args.inventory,
            read_only=args.read_only,
            bind=args.bind,
            port=args.port,
            token_file=args.token_file,
            allowed_hosts=args.allow_host,
        )
    except (InventoryError, ServeError) as exc:
        print(f"dozor: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
