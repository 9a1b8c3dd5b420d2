"""Every error dozor raises on purpose, in one tree.

    DozorError
    ├── InventoryError            the inventory cannot be used (file, TOML, schema, seed variables)
    ├── UnknownHostError          a selector term matched no host                    (also a ValueError)
    ├── ShardError                a --shard value is not K/N or a host pattern       (also a ValueError)
    ├── FileLimitTooLow           RLIMIT_NOFILE cannot hold a connection per selected host
    ├── ServeError                the MCP server cannot start as asked (token, bind address)
    ├── DuplicateCollector        two collectors share one name (found at discovery, a bug in dozor)
    ├── EngineUnavailable         the Engine API socket did not serve: use the docker CLI instead
    │
    │   Outcome errors: each carries the ``HostStatus`` it gives a host when it ends an operation.
    ├── TransportError            the host could not be asked anything              error
    │   ├── HostUnreachable       TCP refused, DNS failure, network down            unreachable
    │   ├── ConnectTimeout        connect + handshake + auth did not finish in time timeout
    │   ├── AuthFailed            the server refused every credential               auth_failed
    │   ├── HostKeyUnknown        strict policy and the host is not in known_hosts  hostkey_unknown
    │   ├── HostKeyMismatch       the host presented a key different from the record hostkey_mismatch
    │   ├── ChannelError          the connection is up, no command channel opened   error
    │   ├── UnixSocketUnavailable a unix socket on the host cannot be opened        error
    │   ├── CommandTimeout        a remote command hit its command timeout          timeout
    │   └── EngineTimeout         the Engine API did not answer in time             timeout
    ├── CollectorError            the command ran, its output is not a payload      error
    │   ├── DockerUnavailable     the host answered, its Docker engine did not      docker_unavailable
    │   ├── ServiceNotFound       no container carries the service's labels         error
    │   └── ActionFailed          a mutation ran on the host and failed             error
    ├── Refused                   refused on this host by policy                    refused
    │   └── GuardRefused          a mutation refused by the guard (``rule``)        refused
    ├── CommandRefused            ``exec`` policy refused the command (``rule``)    refused (also a ValueError)
    ├── NoiseRefused              a silence or ack refused as asked (no end, matches everything…) (also a ValueError)
    └── NoiseStateCorrupt         the silences/acks state file cannot be read: never written over

The runner turns an exception into a host's outcome by looking up ``type(exc).status``
(:func:`outcome_status`); an exception without one is an unexpected ``error``.

This module sits at the bottom of the import graph: it imports nothing from dozor but
``dozor.outcome``. The modules that used to define these classes re-export them, so
``from dozor.transport.errors import AuthFailed`` and the like keep working.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from dozor.outcome import HostStatus

__all__ = [
    "ActionFailed",
    "AuthFailed",
    "ChannelError",
    "CollectorError",
    "CommandRefused",
    "CommandTimeout",
    "ConnectTimeout",
    "DockerUnavailable",
    "DozorError",
    "DuplicateCollector",
    "EngineRefused",
    "EngineTimeout",
    "EngineUnavailable",
    "FileLimitTooLow",
    "GuardRefused",
    "HostKeyMismatch",
    "HostKeyUnknown",
    "HostUnreachable",
    "InventoryError",
    "NoiseRefused",
    "NoiseStateCorrupt",
    "Refused",
    "ServeError",
    "ServiceNotFound",
    "ShardError",
    "TransportError",
    "UnixSocketUnavailable",
    "UnknownHostError",
    "outcome_status",
]


class DozorError(Exception):
    """Root of every error dozor raises on purpose."""


def outcome_status(exc: BaseException) -> HostStatus | None:
    """The ``HostStatus`` an exception's type gives a host, or None for an unexpected exception."""
    status = getattr(type(exc), "status", None)
    return status if isinstance(status, HostStatus) else None


# --- configuration and arguments ---------------------------------------------------


class InventoryError(DozorError):
    """The inventory cannot be used. One line per problem: ``where: key.path: what is wrong``."""

    def __init__(self, where: str, problems: Sequence[tuple[str, str]]) -> None:
        self.where = where
        self.problems = list(problems)
        super().__init__("\n".join(f"{where}: {key}: {msg}" if key else f"{where}: {msg}" for key, msg in problems))


class UnknownHostError(DozorError, ValueError):
    """A pattern term matched no host."""


class ShardError(DozorError, ValueError):
    """A ``--shard`` value is neither ``K/N`` (1 ≤ K ≤ N) nor a host pattern."""


class FileLimitTooLow(DozorError):
    """The process may not open enough files for one connection per selected host, even after raising its soft
    limit to the hard one. ``needed``, ``soft`` and ``hard`` are the numbers the message names."""

    def __init__(self, message: str, *, hosts: int, needed: int, soft: int, hard: int) -> None:
        super().__init__(message)
        self.hosts = hosts
        self.needed = needed
        self.soft = soft
        self.hard = hard


class ServeError(DozorError):
    """The server cannot start as asked (missing token, unsafe bind address)."""


class DuplicateCollector(DozorError, RuntimeError):
    """Two module-level collectors share one ``name``."""


class EngineUnavailable(DozorError):
    """The socket could not be opened or did not answer like an engine: use the docker CLI instead."""


class EngineRefused(EngineUnavailable):
    """The engine answered a request with an HTTP error status: it works, this request failed.

    Still an ``EngineUnavailable`` (callers fall back to the CLI as before); a caller that knows the failure is
    the request's own (``/system/df`` while another disk usage run holds it) handles it instead.
    """

    def __init__(self, message: str, http_status: int) -> None:
        super().__init__(message)
        self.http_status = http_status


# --- the host could not be asked -----------------------------------------------------


class TransportError(DozorError):
    """Base class: the host could not be asked anything."""

    status: ClassVar[HostStatus] = HostStatus.ERROR

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


class CommandTimeout(TransportError):
    """A remote command hit its command timeout (its channel was closed, partial output kept).

    ``result`` is the ``dozor.transport.base.CommandResult`` with the partial output.
    """

    status = HostStatus.TIMEOUT

    def __init__(self, message: str, result: Any) -> None:
        super().__init__(message)
        self.result = result


class EngineTimeout(TransportError):
    """The engine did not answer within the command timeout."""

    status = HostStatus.TIMEOUT


# --- the host answered, the answer is not a payload -----------------------------------


class CollectorError(DozorError):
    """The command ran but its output cannot be turned into a payload."""

    status: ClassVar[HostStatus] = HostStatus.ERROR


class DockerUnavailable(CollectorError):
    """The host answered but its Docker engine did not (down, socket denied, CLI missing)."""

    status = HostStatus.DOCKER_UNAVAILABLE


class ServiceNotFound(CollectorError):
    """No container on the host carries the service's compose labels (in the project, if named)."""


class ActionFailed(CollectorError):
    """The action ran on the host and failed (non-zero exit, bad state); the message says how."""


# --- refused by policy ---------------------------------------------------------------


class Refused(DozorError):
    """An operation refused on this host by policy (read-only, validation)."""

    status: ClassVar[HostStatus] = HostStatus.REFUSED


class GuardRefused(Refused):
    """A mutation refused by policy; ``rule`` names the check, ``detail`` says why."""

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(f"refused by rule {rule!r}: {detail}")
        self.rule = rule
        self.detail = detail


class CommandRefused(DozorError, ValueError):
    """The command is not allowed; ``rule`` names the check that refused it."""

    status: ClassVar[HostStatus] = HostStatus.REFUSED

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(f"refused by rule {rule!r}: {detail}")
        self.rule = rule
        self.detail = detail


class NoiseRefused(DozorError, ValueError):
    """A silence or an acknowledgement refused as asked: a bad matcher, no end, one matching everything, an
    unknown id."""


class NoiseStateCorrupt(DozorError):
    """The state file of silences and acks exists but cannot be read; it is never emptied or written over."""

    def __init__(self, path: str, detail: str = "unreadable") -> None:
        super().__init__(f"state file {path} is unreadable ({detail}); it was left as it is: repair or move it "
                         "away (nothing writes over it, and no silence or ack applies until then)")
        self.path = path
        self.detail = detail
