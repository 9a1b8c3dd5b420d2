"""Running the server: stdio, streamable HTTP (``/mcp``) and SSE, with bearer tokens and Host/Origin checks.

stdout belongs to the protocol on stdio: nothing here prints to it.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from pathlib import Path
from typing import Literal

from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.transport_security import TransportSecuritySettings

from dozor.errors import ServeError  # re-exported: defined with the other errors
from dozor.mcp.server import build_server

TOKEN_ENV = "DOZOR_MCP_TOKEN"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


class StaticToken:
    """Accepts exactly one bearer token (constant-time comparison)."""

    def __init__(self, token: str) -> None:
        self._token = token.encode()

    async def verify_token(self, token: str) -> AccessToken | None:
        """The access granted to ``token``, or None when it is not the configured one."""
        if hmac.compare_digest(token.encode(), self._token):
            return AccessToken(token="***", client_id="dozor-bearer", scopes=[])
        return None


def load_token(token_file: str | None) -> str:
    """The bearer token from ``--token-file`` or ``DOZOR_MCP_TOKEN``; refuse to run without one."""
    if token_file:
        try:
            token = Path(token_file).expanduser().read_text().strip()
        except OSError as exc:
            raise ServeError(f"cannot read token file {token_file}: {exc.strerror}") from None
        if not token:
            raise ServeError(f"token file {token_file} is empty")
    else:
        token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise ServeError(
            f"HTTP and SSE transports need a bearer token: set {TOKEN_ENV} or pass --token-file "
            "(e.g. `openssl rand -hex 32 > ~/.config/dozor/mcp-token`)"
        )
    if len(token) < 16:
        raise ServeError("the bearer token is shorter than 16 characters; use a random one (openssl rand -hex 32)")
    return token


def is_loopback(bind: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if bind == "localhost":
        return True
    try:
        return ipaddress.ip_address(bind).is_loopback
    except ValueError:
        return False


def security_settings(bind: str, allowed_hosts: list[str]) -> TransportSecuritySettings | None:
    """Host/Origin (DNS-rebinding) checks: the SDK's own for 127.0.0.1/localhost/::1, explicit otherwise."""
    if bind in LOOPBACK_NAMES and not allowed_hosts:
        return None  # the SDK switches the checks on itself
    names = list(dict.fromkeys([*allowed_hosts, *LOOPBACK_NAMES] + ([] if bind in ("0.0.0.0", "::") else [bind])))
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
    server.run(transport, host=bind, port=port, transport_security=security_settings(bind, allowed_hosts or []))
