"""The transport seam: run an argv on a host, get a ``CommandResult`` back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, Field

DEFAULT_COMMAND_TIMEOUT = 30.0
DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024


class CommandResult(BaseModel):
    """What one command produced. Partial output is kept when it timed out."""

    argv: list[str] = Field(description="The command as run, one element per argument.")
    exit_status: int | None = Field(description="Exit code; None when the command was ended or killed.")
    stdout: str = ""
    stderr: str = ""
    duration: float = 0.0
    timed_out: bool = Field(default=False, description="The command hit its timeout and was ended.")
    truncated: bool = Field(default=False, description="Output went past the byte cap and was cut.")

    @property
    def ok(self) -> bool:
        """True when the command exited 0 within its timeout."""
        return self.exit_status == 0 and not self.timed_out


@runtime_checkable
class Transport(Protocol):
    """Runs argv lists on one host. Implementations: local subprocess, SSH."""

    @property
    def label(self) -> str:
        """A short description for messages, e.g. ``ssh root@10.0.0.5:22`` or ``local``."""
        ...

    async def run(
        self,
        argv: Sequence[str],
        *,
        timeout: float | None = DEFAULT_COMMAND_TIMEOUT,
        stdin: str | None = None,
    ) -> CommandResult:
        """Run ``argv``; raise ``TransportError`` only when the host cannot be asked at all."""
        ...

    async def close(self) -> None:
        """Release connections. Safe to call twice."""
        ...


@runtime_checkable
class StreamReader(Protocol):
    """The reading half of a byte stream (asyncio's and asyncssh's readers both fit)."""

    async def read(self, n: int = -1) -> bytes:
        """Up to ``n`` bytes; ``b""`` at end of stream."""
        ...


@runtime_checkable
class StreamWriter(Protocol):
    """The writing half of a byte stream (asyncio's and asyncssh's writers both fit)."""

    def write(self, data: bytes) -> None:
        """Queue ``data`` for sending."""
        ...

    def close(self) -> None:
        """Close the stream."""
        ...


@runtime_checkable
class UnixSocketTransport(Protocol):
    """A transport that can also open a byte stream to a unix socket on its host.

    Over SSH this is a direct-streamlocal channel on the pooled connection: no remote process.
    Raises ``UnixSocketUnavailable`` when the socket cannot be opened (missing, denied, forwarding off).
    """

    async def open_unix(self, path: str) -> tuple[StreamReader, StreamWriter]:
        """Open a stream to the unix socket ``path`` on the host."""
        ...
