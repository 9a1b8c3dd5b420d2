"""Connection-level failures raised by transports and turned into data by the runner.

The classes live in :mod:`dozor.errors` (the whole tree is drawn there); this module
re-exports the transport branch:

    TransportError
    ├── HostUnreachable      TCP refused, DNS failure, network down
    ├── ConnectTimeout       connect + handshake + auth did not finish in time
    ├── AuthFailed           the server refused every credential
    ├── HostKeyUnknown       strict policy and the host is not in known_hosts
    ├── HostKeyMismatch      the host presented a key different from the recorded one
    ├── ChannelError         the connection is up but a command channel could not be opened
    └── UnixSocketUnavailable  the connection is up but a unix socket on the host cannot be opened

A command that runs too long is not an exception here: ``CommandResult.timed_out`` says so
(the runner raises ``CommandTimeout`` from it).
"""

from __future__ import annotations

from dozor.errors import (
    AuthFailed,
    ChannelError,
    ConnectTimeout,
    HostKeyMismatch,
    HostKeyUnknown,
    HostUnreachable,
    TransportError,
    UnixSocketUnavailable,
)

__all__ = [
    "AuthFailed",
    "ChannelError",
    "ConnectTimeout",
    "HostKeyMismatch",
    "HostKeyUnknown",
    "HostUnreachable",
    "TransportError",
    "UnixSocketUnavailable",
]
