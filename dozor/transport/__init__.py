"""Transports: run an argv on a host (local subprocess or pooled SSH)."""

from dozor.transport.base import CommandResult, Transport, UnixSocketTransport
from dozor.transport.errors import (
    AuthFailed,
    ChannelError,
    ConnectTimeout,
    HostKeyMismatch,
    HostKeyUnknown,
    HostUnreachable,
    TransportError,
    UnixSocketUnavailable,
)
from dozor.transport.local import LocalTransport
from dozor.transport.pool import TransportPool
from dozor.transport.ssh import SSHTransport

__all__ = [
    "AuthFailed",
    "ChannelError",
    "CommandResult",
    "ConnectTimeout",
    "HostKeyMismatch",
    "HostKeyUnknown",
    "HostUnreachable",
    "LocalTransport",
    "SSHTransport",
    "Transport",
    "TransportError",
    "TransportPool",
    "UnixSocketTransport",
    "UnixSocketUnavailable",
]
