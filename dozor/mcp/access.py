"""Who may use dozor's HTTP listeners (MCP over HTTP/SSE, ``/metrics``): the bearer token and the Host names."""

from __future__ import annotations

import hmac
import ipaddress
import os
from pathlib import Path

from mcp.server.auth.provider import AccessToken

from dozor.errors import ServeError

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


def bearer_ok(authorization: str | None, expected: bytes) -> bool:
    """The ``Authorization`` header carries ``Bearer <expected>`` (constant-time comparison)."""
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected)


def host_names(bind: str, allowed_hosts: list[str]) -> list[str]:
    """Host header names a listener on ``bind`` accepts: the extra ones, loopback names, the address itself."""
    return list(dict.fromkeys([*allowed_hosts, *LOOPBACK_NAMES] + ([] if bind in ("0.0.0.0", "::") else [bind])))


def host_ok(host_header: str | None, names: list[str]) -> bool:
    """The request's ``Host`` (port dropped) is one of ``names``: the DNS-rebinding check."""
    host = (host_header or "").strip().lower()
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    return bool(host) and host in {n.lower() for n in names}


__all__ = ["LOOPBACK_NAMES", "TOKEN_ENV", "StaticToken", "bearer_ok", "host_names", "host_ok", "is_loopback",
           "load_token"]
