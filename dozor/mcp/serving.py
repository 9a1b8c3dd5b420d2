"""Running the server: stdio, streamable HTTP (``/mcp``) and SSE, with bearer tokens and Host/Origin checks.

stdout belongs to the protocol on stdio: nothing here prints to it.
"""

from __future__ import annotations

from typing import Literal

from mcp.server.auth.settings import AuthSettings
from mcp.server.transport_security import TransportSecuritySettings

from dozor.errors import ServeError
from dozor.mcp.access import LOOPBACK_NAMES, TOKEN_ENV, StaticToken, host_names, is_loopback, load_token
from dozor.mcp.server import build_server


def security_settings(bind: str, allowed_hosts: list[str]) -> TransportSecuritySettings | None:
    """Host/Origin (DNS-rebinding) checks: the SDK's own for 127.0.0.1/localhost/::1, explicit otherwise."""
    if bind in LOOPBACK_NAMES and not allowed_hosts:
        return None  # the SDK switches the checks on itself
    names = host_names(bind, allowed_hosts)
    hosts = [f"[{n}]:*" if ":" in n else f"{n}:*" for n in names]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=hosts + names,
        allowed_origins=[f"http://{h}" for h in hosts] + [f"https://{h}" for h in hosts],
    )


def _auth(bind: str, port: int, path: str, token: str) -> dict[str, object]:
    base = f"http://{'[' + bind + ']' if ':' in bind else bind}:{port}"
    return {
        "token_verifier": StaticToken(token),
        "auth": AuthSettings(issuer_url=base, resource_server_url=base + path),
    }


def serve_stdio(*, inventory: str | None, read_only: bool, watch: bool = False, shard: str | None = None) -> None:
    """Serve over stdin/stdout (local clients, ``ssh host "dozor serve"``); ``watch``: live state; ``shard``: one
    shard of the inventory."""
    build_server(inventory=inventory, read_only=read_only, watch=watch, shard=shard).run()


def serve_http(
    *,
    inventory: str | None,
    read_only: bool,
    bind: str = "127.0.0.1",
    port: int = 8765,
    token_file: str | None = None,
    allowed_hosts: list[str] | None = None,
    watch: bool = False,
    shard: str | None = None,
) -> None:
    """Serve streamable HTTP on ``http://bind:port/mcp`` behind a bearer token."""
    _serve_with_token("streamable-http", "/mcp", inventory, read_only, bind, port, token_file, allowed_hosts, watch,
                      shard)


def serve_sse(
    *,
    inventory: str | None,
    read_only: bool,
    bind: str = "127.0.0.1",
    port: int = 8765,
    token_file: str | None = None,
    allowed_hosts: list[str] | None = None,
    watch: bool = False,
    shard: str | None = None,
) -> None:
    """Serve the older SSE transport (``/sse`` + ``/messages/``) behind a bearer token."""
    _serve_with_token("sse", "/sse", inventory, read_only, bind, port, token_file, allowed_hosts, watch, shard)


def _serve_with_token(
    transport: Literal["streamable-http", "sse"],
    path: str,
    inventory: str | None,
    read_only: bool,
    bind: str,
    port: int,
    token_file: str | None,
    allowed_hosts: list[str] | None,
    watch: bool = False,
    shard: str | None = None,
) -> None:
    token = load_token(token_file)
    server = build_server(inventory=inventory, read_only=read_only, watch=watch, shard=shard,
                          **_auth(bind, port, path, token))
    if watch:
        from dozor.mcp.live_metrics import add_metrics_route

        add_metrics_route(server, token=token, hosts=host_names(bind, allowed_hosts or []))
    server.run(transport, host=bind, port=port, transport_security=security_settings(bind, allowed_hosts or []))


__all__ = [
    "LOOPBACK_NAMES", "TOKEN_ENV", "ServeError", "StaticToken", "is_loopback", "load_token", "security_settings",
    "serve_http", "serve_sse", "serve_stdio",
]
