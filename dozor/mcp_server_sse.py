"""``python -m dozor.mcp_server_sse``: alias of ``dozor serve --transport sse`` (see ``dozor.compat``)."""

from dozor.compat import mcp_server_sse as main

__all__ = ["main"]

if __name__ == "__main__":
    main()
