"""Which engine the host's docker CLI talks to, as a unix socket path — or why it is not a socket.

The docker CLI picks its engine from ``DOCKER_HOST``, then ``DOCKER_CONTEXT``, then the
``currentContext`` of its config file. Over SSH those come from the login environment, so they
are read once through a tiny script (a declared argv plus a pure parser, like every collector).
Anything but a local unix socket (tcp://, ssh://, a named context) keeps the CLI path.

When none of them is set, the CLI's default is ``/var/run/docker.sock``. A rootless engine listens
in the user's runtime directory instead, and its ``DOCKER_HOST`` usually lives in an interactive shell's
rc file that a non-interactive SSH command never reads; so when the default socket is absent, the
script also looks at ``$XDG_RUNTIME_DIR/docker.sock`` and ``/run/user/$UID/docker.sock``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, Field

from dozor.collectors.base import Collector
from dozor.transport.base import CommandResult

DEFAULT_SOCKET = "/var/run/docker.sock"

# Prints the three inputs of the CLI's choice, then SOCKET=<path> for each of the default and rootless
# locations that is a socket; grep only when a config file exists. Never fails.
LOCATE_SCRIPT = (
    'printf "DOCKER_HOST=%s\\nDOCKER_CONTEXT=%s\\n" "${DOCKER_HOST-}" "${DOCKER_CONTEXT-}"; '
    'for s in /var/run/docker.sock "${XDG_RUNTIME_DIR:+$XDG_RUNTIME_DIR/docker.sock}" '
    '"/run/user/$(id -u 2>/dev/null)/docker.sock"; do '
    'if [ -n "$s" ] && [ -S "$s" ]; then printf "SOCKET=%s\\n" "$s"; fi; done; '
    'f="${DOCKER_CONFIG:-$HOME/.docker}/config.json"; '
    'if [ -r "$f" ]; then grep -o \'"currentContext"[[:space:]]*:[[:space:]]*"[^"]*"\' "$f"; fi; exit 0'
)
_CURRENT = re.compile(r'"currentContext"\s*:\s*"([^"]*)"')


class EngineEndpoint(BaseModel):
    """Where the engine listens, as this host's docker CLI would find it."""

    socket: str | None = Field(description="Unix socket path on the host; None when the CLI must be used.")
    reason: str = Field(description="How it was found, or why the Engine API cannot be used directly.")


def endpoint_from(
    docker_host: str, docker_context: str = "", current_context: str = "", sockets: Sequence[str] = ()
) -> EngineEndpoint:
    """The docker CLI's choice of engine, reduced to a unix socket path when it is one.

    ``sockets``: the default and rootless locations found to be sockets, in lookup order. A rootless one
    is chosen only when nothing names an engine and the default socket is not among them; with none
    found (or none looked at) the default stays, and its failure sends the host to the CLI.
    """
    docker_host = docker_host.strip()
    if docker_host:
        if docker_host.startswith("unix://") and len(docker_host) > len("unix://"):
            return EngineEndpoint(socket=docker_host[len("unix://"):], reason=f"DOCKER_HOST={docker_host}")
        return EngineEndpoint(socket=None, reason=f"DOCKER_HOST={docker_host} is not a unix socket")
    context = docker_context.strip() or current_context.strip()
    if context and context != "default":
        return EngineEndpoint(socket=None, reason=f"docker context {context!r} is in use")
    rootless = [p for p in sockets if p != DEFAULT_SOCKET]
    if rootless and DEFAULT_SOCKET not in sockets:
        return EngineEndpoint(socket=rootless[0], reason=f"rootless socket (no {DEFAULT_SOCKET})")
    return EngineEndpoint(socket=DEFAULT_SOCKET, reason="default socket")


def locate_argv() -> list[str]:
    """``sh -c`` printing DOCKER_HOST, DOCKER_CONTEXT and the config's currentContext."""
    return ["sh", "-c", LOCATE_SCRIPT, "dozor-engine"]


def parse_locate(result: CommandResult) -> EngineEndpoint:
    """Read the locate script's output; a failed run keeps the CLI path (it will explain the problem)."""
    if not result.ok:
        return EngineEndpoint(socket=None, reason=f"engine lookup failed (exit {result.exit_status})")
    values = {"DOCKER_HOST": "", "DOCKER_CONTEXT": ""}
    current = ""
    sockets: list[str] = []
    for line in result.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep and key in values:
            values[key] = value
        elif sep and key == "SOCKET" and value.startswith("/"):
            if value not in sockets:  # $XDG_RUNTIME_DIR is usually /run/user/$UID: one socket, two names
                sockets.append(value)
        elif m := _CURRENT.search(line):
            current = m.group(1)
    return endpoint_from(values["DOCKER_HOST"], values["DOCKER_CONTEXT"], current, sockets)


LOCATE: Collector[EngineEndpoint] = Collector(
    name="engine-endpoint",
    argv=locate_argv,
    parse=parse_locate,
    description="Which unix socket the host's docker CLI uses (DOCKER_HOST, DOCKER_CONTEXT, currentContext), "
    "or a rootless engine's when the default socket is absent.",
)
