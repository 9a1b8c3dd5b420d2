"""Security findings and reports: one ``Finding`` per problem, per host; grouped across hosts for the fleet view.

Exit codes match ``dozor report`` (``dozor.report.models.ReportExit``): 0 nothing above info, 1 warnings,
2 at least one critical finding on a host that answered (critical wins), 3 a host did not answer.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field, computed_field

from dozor.outcome import HostStatus
from dozor.report.alerts import Severity
from dozor.report.models import ReportExit


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


class Finding(BaseModel):
    """One security problem on one host: what, where, why dozor says so, and the fix."""

    severity: Severity
    check: Check
    host: str
    container: str | None = Field(default=None, description="Container name, for container-level findings.")
    project: str | None = None
    service: str | None = None
    subject: str = Field(description="What exactly: a port, a mount, a setting, a file (never a secret value).")
    title: str
    evidence: str
    fix: str
    requested_only: bool = Field(
        default=False, description="A port binding requested in HostConfig.PortBindings but not live now."
    )
    excerpt: str | None = Field(default=None, description="Log text as evidence: UNTRUSTED, renderers fence it.")

    @property
    def where(self) -> str:
        """``web1 shop/web (shop_web_1)`` or ``web1`` for host-level findings."""
        if self.service:
            return f"{self.host} {self.project}/{self.service}" if self.project else f"{self.host} {self.service}"
        if self.container:
            return f"{self.host} {self.container}"
        return self.host

    @property
    def group_key(self) -> tuple[str, str, str]:
        """The same misconfiguration on several hosts shares this key (check, severity, subject)."""
        return (self.check.value, self.severity.value, self.subject)

    def sort_key(self) -> tuple[int, str, str, str]:
        """Most urgent first, then by check and place (stable output)."""
        return (self.severity.rank, self.check.value, self.host, self.container or self.subject)


class HostSecurity(BaseModel):
    """The security review of one host."""

    host: str
    status: HostStatus
    reason: str = ""
    duration: float = 0.0
    containers: int = Field(default=0, description="Containers inspected.")
    findings: list[Finding] = Field(default_factory=list)

    @property
    def answered(self) -> bool:
        """True when the host returned data."""
        return self.status is HostStatus.OK


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


class SecurityReport(BaseModel):
    """The fleet's security review: findings per host, fleet-wide groups, exit code."""

    generated_at: datetime
    selector: str | None = None
    hosts: list[HostSecurity] = Field(default_factory=list)
    groups: list[FleetGroup] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def counts(self) -> dict[str, int]:
        """Findings per severity (all three keys always present)."""
        c = Counter(f.severity.value for h in self.hosts for f in h.findings)
        return {s.value: c.get(s.value, 0) for s in Severity}

    @computed_field  # type: ignore[prop-decorator]
    @property
    def coverage(self) -> str:
        """``"2 of 3 hosts answered"``."""
        return f"{sum(1 for h in self.hosts if h.answered)} of {len(self.hosts)} hosts answered"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def exit_code(self) -> int:
        """0 nothing above info, 1 warnings, 2 critical, 3 hosts unreachable (critical wins)."""
        found = (f.severity for h in self.hosts if h.answered for f in h.findings)
        return ReportExit.decide(found, unreachable=any(not h.answered for h in self.hosts))

    @property
    def findings(self) -> list[Finding]:
        """Every host's findings, most urgent first."""
        return sorted((f for h in self.hosts for f in h.findings), key=Finding.sort_key)

    def host(self, name: str) -> HostSecurity:
        """The review of one host."""
        for h in self.hosts:
            if h.host == name:
                return h
        raise KeyError(name)

    def to_json(self, indent: int | None = 2) -> str:
        """The full report as JSON, secrets redacted."""
        from dozor.security.redact import redact

        return redact(self.model_dump_json(indent=indent))

    def to_ai_prompt(self, max_tokens: int = 4000) -> str:
        """Short ranked text for an LLM; log excerpts fenced; bounded."""
        from dozor.security.render import render_ai

        return render_ai(self, max_tokens=max_tokens)


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


__all__ = ["Check", "Finding", "FleetGroup", "HostSecurity", "SecurityReport", "group_findings"]
