"""Connection-level failures raised by transports and turned into data by the runner.

    TransportError
    ├── HostUnreachable      TCP refused, DNS failure, network down
    ├── ConnectTimeout       connect + handshake + auth did not finish in time
    ├── AuthFailed           the server refused every credential
    ├── HostKeyUnknown       strict policy and the host is not in known_hosts
    ├── HostKeyMismatch      the host presented a key different from the recorded one
    ├── ChannelError         the connection is up but a command channel could not be opened
    └── UnixSocketUnavailable  the connection is up but a unix socket on the host cannot be opened

A command that runs too long is not an exception: ``CommandResult.timed_out`` says so.
"""

from __future__ import annotations

from dozor.outcome import HostStatus


class TransportError(Exception):
    """Base class: the host could not be asked anything."""

    status: HostStatus = HostStatus.ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class HostUnreachable(TransportError):
    """The TCP connection could not be made."""

    status = HostStatus.UNREACHABLE


class ConnectTimeout(TransportError):
    """Connect, handshake and authentication did not complete within the connect timeout."""

    status = HostStatus.TIMEOUT


class AuthFailed(TransportError):
    """The SSH server rejected every credential offered."""

    status = HostStatus.AUTH_FAILED


class HostKeyUnknown(TransportError):
    """The host's key is not known and the policy is strict."""

    status = HostStatus.HOSTKEY_UNKNOWN


class HostKeyMismatch(TransportError):
    """The host presented a key that differs from the recorded one."""

    status = HostStatus.HOSTKEY_MISMATCH


class ChannelError(TransportError):
    """The connection is up but no command channel could be opened."""

    status = HostStatus.ERROR


class UnixSocketUnavailable(TransportError):
    """A unix socket on the host could not be opened (missing, permission denied, forwarding disabled)."""

    status = HostStatus.ERROR
