"""``python -m dozor.mcp_server``: the MCP server over stdio (``DOZOR_INVENTORY``, ``DOZOR_READ_ONLY``)."""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Serve stdio; a bad inventory ends the process with a message on stderr and exit 2."""
    from dozor.envflags import env_flag
    from dozor.inventory.loader import InventoryError
    from dozor.mcp.serving import serve_stdio

    try:
        read_only = env_flag("DOZOR_READ_ONLY")
        serve_stdio(inventory=os.environ.get("DOZOR_INVENTORY") or None, read_only=read_only)
    except (InventoryError, ValueError) as exc:
        print(f"dozor: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
