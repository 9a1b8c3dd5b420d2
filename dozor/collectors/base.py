"""A collector is a declared argv plus a pure parser. Running it lives in the runner."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from dozor.errors import CollectorError, DockerUnavailable, ServiceNotFound
from dozor.transport.base import CommandResult

__all__ = ["Collector", "CollectorError", "DockerUnavailable", "ServiceNotFound", "check_docker", "first_line"]

T = TypeVar("T")

_DOCKER_DOWN = (
    "cannot connect to the docker daemon",
    "is the docker daemon running",
    "error during connect",
)
_DOCKER_DENIED = ("permission denied while trying to connect to the docker daemon",)
_DOCKER_MISSING = ("docker: not found", "docker: command not found", "no such file or directory: 'docker'")


def check_docker(result: CommandResult) -> None:
    """Raise ``DockerUnavailable`` when stderr says the engine cannot be reached."""
    err = result.stderr.lower()
    if any(s in err for s in _DOCKER_DENIED):
        raise DockerUnavailable("permission denied on the Docker socket: " + first_line(result.stderr))
    if any(s in err for s in _DOCKER_DOWN):
        raise DockerUnavailable("Docker daemon not reachable: " + first_line(result.stderr))
    if result.exit_status == 127 or any(s in err for s in _DOCKER_MISSING):
        raise DockerUnavailable("docker CLI not found on the host: " + first_line(result.stderr))


def first_line(text: str, limit: int = 300) -> str:
    """The first non-empty line of ``text``, cut to ``limit`` characters."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:limit]
    return ""


@dataclass(frozen=True)
class Collector(Generic[T]):
    """A named command and the pure function that reads its output.

    ``argv`` builds the command from parameters (never a shell string: a script,
    when needed, is a constant passed to ``sh -c`` with data as positional args).
    ``parse`` turns a ``CommandResult`` into the payload or raises ``CollectorError``.
    """

    name: str
    argv: Callable[..., Sequence[str]]
    parse: Callable[[CommandResult], T]
    description: str = ""
