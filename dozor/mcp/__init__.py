"""dozor's MCP server: the fleet as tools for AI agents.

Nothing here is imported by the CLI until ``dozor serve`` runs: the MCP SDK costs ~0.7 s to import.
Entry points: ``dozor.mcp.server.build_server`` and ``dozor.mcp.serving``.
"""
