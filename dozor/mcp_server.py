"""``python -m dozor.mcp_server``: the MCP server over stdio (``DOZOR_INVENTORY``, ``DOZOR_READ_ONLY``)."""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Serve stdio; a bad inventory ends the process with a message on stderr and exit 2."""
    from dozor.inventory.loader import InventoryError
    from dozor.mcp.serving import serve_stdio

    read_only = os.environ.get("DOZOR_READ_ONLY", "").strip().lower() in ("1", "true", "yes")
    try:
        serve_stdio(inventory=os.environ.get("DOZOR_INVENTORY") or None, read_only=read_only)
    except InventoryError as exc:
        print(f"dozor: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
