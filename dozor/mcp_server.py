"""``python -m dozor.mcp_server``: alias of ``dozor serve --transport stdio`` (see ``dozor.compat``)."""

from dozor.compat import mcp_server as main

__all__ = ["main"]

if __name__ == "__main__":
    main()
