"""Security findings and reports: one ``Finding`` per problem, per host; grouped across hosts for the fleet view.

A ``Finding`` is a :class:`dozor.model.problem.Problem` whose code is a ``Check`` (its ``action`` is the fix);
``SecurityReport`` is the problem report of :mod:`dozor.model.report` (same counts, coverage and exit codes
as ``dozor report``).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, computed_field, model_validator

from dozor.model.problem import Problem
from dozor.model.report import HostSection, ProblemReport
from dozor.model.severity import Severity


class Check(StrEnum):
    """Check ids (stable: scripts and the fleet view group on them)."""

    EXPOSED_PORT = "exposure.listening"
    EXPOSED_OTHER = "exposure.listening_other"
    PUBLISHED_PORT = "exposure.published"
    PRIVILEGED = "container.privileged"
    CAP_ADD = "container.cap_add"
    DOCKER_SOCKET_MOUNT = "container.docker_socket"
    SENSITIVE_MOUNT = "container.sensitive_mount"
    HOST_NETWORK = "container.host_network"
    HOST_PID = "container.host_pid"
    HOST_IPC = "container.host_ipc"
    ROOT_USER = "container.root"
    NO_MEMORY_LIMIT = "container.no_memory_limit"
    NO_RESTART = "container.no_restart_policy"
    NO_HEALTHCHECK = "container.no_healthcheck"
    IMAGE_TAG = "container.image_tag"
    SSH_ROOT_PASSWORD = "host.ssh_root_password"
    SSH_PASSWORD = "host.ssh_password_auth"
    DOCKER_SOCKET_PERMS = "host.docker_socket_permissions"
    DOCKER_TCP = "host.docker_tcp_without_tls"
    ENV_FILE_READABLE = "host.env_file_world_readable"
    INLINE_SECRET = "secrets.inline_in_compose"
    SCANNERS = "recon.scanners"
    SCANNER_EXPOSED = "recon.sensitive_path_served"
    NOT_CHECKED = "not_checked"


class Finding(Problem):
    """One security problem on one host: what, where, why dozor says so, and the fix (``action``)."""

    code: Check
    subject: str = Field(description="What exactly: a port, a mount, a setting, a file (never a secret value).")
    container: str | None = Field(default=None, description="Container name, for container-level findings.")
    requested_only: bool = Field(
        default=False, description="A port binding requested in HostConfig.PortBindings but not live now."
    )

    @model_validator(mode="before")
    @classmethod
    def _names(cls, data: Any) -> Any:
        """``check=`` and ``fix=`` (the security vocabulary) are ``code`` and ``action``."""
        if isinstance(data, dict) and ("check" in data or "fix" in data):
            data = dict(data)
            if "check" in data:
                data.setdefault("code", data.pop("check"))
            if "fix" in data:
                data.setdefault("action", data.pop("fix"))
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def check(self) -> Check:
        """The check that found it (the ``code``)."""
        return self.code

    @computed_field  # type: ignore[prop-decorator]
    @property
    def fix(self) -> str:
        """How to fix it (the ``action``)."""
        return self.action

    @property
    def where(self) -> str:
        """``web1 shop/web`` or ``web1 shop_web_1`` (container) or ``web1`` for host-level findings."""
        if not self.service and self.container:
            return f"{self.host} {self.container}"
        return super().where

    @property
    def group_key(self) -> tuple[str, str, str]:
        """The same misconfiguration on several hosts shares this key (check, severity, subject)."""
        return (self.code.value, self.severity.value, self.subject)

    def sort_key(self) -> tuple[int, str, str, str]:  # type: ignore[override]
        """Most urgent first, then by check and place (stable output)."""
        return (self.severity.rank, self.code.value, self.host, self.container or self.subject)


class HostSecurity(HostSection):
    """The security review of one host."""

    containers: int = Field(default=0, description="Containers inspected.")
    findings: list[Finding] = Field(default_factory=list)

    def problems(self) -> Sequence[Finding]:
        """The host's findings."""
        return self.findings


class FleetGroup(BaseModel):
    """The same misconfiguration on several hosts."""

    check: Check
    severity: Severity
    subject: str
    title: str
    hosts: list[str]
    count: int = Field(description="Findings summed over the hosts.")

    @property
    def line(self) -> str:
        """``Redis port 6379 listening on 0.0.0.0 on web1, web3``."""
        return f"{self.title} on {', '.join(self.hosts)}"


class SecurityReport(ProblemReport[HostSecurity]):
    """The fleet's security review: findings per host, fleet-wide groups, exit code."""

    groups: list[FleetGroup] = Field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        """Every host's findings, most urgent first."""
        return sorted((f for h in self.hosts for f in h.findings), key=Finding.sort_key)


def group_within_host(findings: Sequence[Finding]) -> list[Finding]:
    """The same container-level problem on several containers of one host as one finding.

    ``runs as root`` on orders, gateway and cache becomes one finding titled ``runs as root (3 containers):
    orders, gateway, cache``, counted 3; problems of one container, and host-level ones, stay as they are.
    Order follows the first member of each group.
    """
    by: dict[tuple[object, ...], list[Finding]] = {}
    for i, f in enumerate(findings):
        key = (f.host, f.code.value, f.severity.value, f.title) if f.container else (i,)
        by.setdefault(key, []).append(f)
    out: list[Finding] = []
    for members in by.values():
        first = members[0]
        if len(members) == 1:
            out.append(first)
            continue
        names = [m.service or m.container or m.subject for m in members]
        shown = ", ".join(names[:8]) + (f", +{len(names) - 8} more" if len(names) > 8 else "")
        out.append(first.model_copy(update={
            "title": f"{first.title} ({len(members)} containers): {shown}", "subject": ", ".join(names),
            "container": None, "service": None, "project": None, "count": len(members),
            "evidence": f"{first.evidence} (and the same on {len(members) - 1} more)",
            "excerpt": None,
        }))
    return out


def group_findings(hosts: list[HostSecurity]) -> list[FleetGroup]:
    """Findings with the same (check, severity, subject) on more than one host, biggest first."""
    by: dict[tuple[str, str, str], list[Finding]] = {}
    for h in hosts:
        for f in h.findings:
            if f.check is not Check.NOT_CHECKED:
                by.setdefault(f.group_key, []).append(f)
    out: list[FleetGroup] = []
    for group in by.values():
        hosts_seen = sorted({f.host for f in group})
        if len(hosts_seen) > 1:
            f = group[0]
            out.append(FleetGroup(check=f.check, severity=f.severity, subject=f.subject, title=f.title,
                                  hosts=hosts_seen, count=len(group)))
    return sorted(out, key=lambda g: (g.severity.rank, -len(g.hosts), g.check.value, g.subject))


__all__ = ["Check", "Finding", "FleetGroup", "HostSecurity", "SecurityReport", "group_findings", "group_within_host"]
