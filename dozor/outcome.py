"""Per-host outcomes: what happened on one host, as data rather than exceptions."""

from __future__ import annotations

from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class HostStatus(StrEnum):
    """How a host answered. Only ``ok`` carries a payload."""

    OK = "ok"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    AUTH_FAILED = "auth_failed"
    HOSTKEY_UNKNOWN = "hostkey_unknown"
    HOSTKEY_MISMATCH = "hostkey_mismatch"
    DOCKER_UNAVAILABLE = "docker_unavailable"
    REFUSED = "refused"
    ERROR = "error"


class HostResult(BaseModel, Generic[T]):
    """The outcome of one operation on one host."""

    host: str = Field(description="Inventory name of the host.")
    status: HostStatus = Field(description="ok, or why there is no payload.")
    reason: str = Field(default="", description="Human-readable explanation when status is not ok.")
    duration: float = Field(default=0.0, description="Wall time spent on this host, seconds.")
    data: T | None = Field(default=None, description="The collector's payload when status is ok.")

    @property
    def ok(self) -> bool:
        """True when the host answered and the payload is present."""
        return self.status is HostStatus.OK
