"""Host checks (pure): sockets listening on all interfaces, sshd, the Docker daemon, project files.

False positives avoided on purpose:

- a ``docker-proxy`` listener for a port a container publishes is reported once, by the published-port check;
- sshd settings parsed from the file (no root for ``sshd -T``) say so, and that ``Match`` blocks were not applied;
- ``root:docker 660`` is Docker's normal socket mode and is not a finding;
- a ``tcp://127.0.0.1:2375`` daemon endpoint is a warning (local users only), not critical.
"""

from __future__ import annotations

from collections.abc import Sequence

from dozor.collectors.container_security import ContainerSecurity
from dozor.collectors.hostsec import DockerDaemon, ProjectFiles, SshdSettings
from dozor.collectors.listeners import ListenerSnapshot
from dozor.report.alerts import Severity
from dozor.security.findings import Check, Finding
from dozor.security.ports import port_label


def not_checked(host: str, what: str, why: str) -> Finding:
    """An info finding saying what could not be checked and why."""
    return Finding(severity=Severity.INFO, check=Check.NOT_CHECKED, host=host, subject=what,
                   title=f"not checked: {what}", evidence=why,
                   fix="connect as root (inventory `user`) to check this")


def check_listeners(
    snap: ListenerSnapshot, host: str, containers: Sequence[ContainerSecurity]
) -> list[Finding]:
    """Sockets on all interfaces: critical for datastore/admin ports (owner named), one info line for the rest."""
    by_id = {c.id: c for c in containers}
    by_pid = {c.pid: c for c in containers if c.pid}
    published = {p.host_port for c in containers for p in c.ports if p.published and p.host_port}
    ports: dict[int, list] = {}
    for x in snap.listeners:
        if x.all_interfaces:
            ports.setdefault(x.port, []).append(x)
    out: list[Finding] = []
    other: list[str] = []
    for port in sorted(ports):
        group = ports[port]
        if port in published and all(x.process in ("docker-proxy", None) for x in group):
            continue  # the published-port check names the container
        owner_c = next((by_id.get(x.container_id or "") or by_pid.get(x.pid or -1) for x in group
                        if (x.container_id and x.container_id in by_id) or (x.pid and x.pid in by_pid)), None)
        procs = sorted({f"{x.process} (pid {x.pid})" for x in group if x.process})
        if owner_c is not None:
            owner = f"container {owner_c.name}" + (f" ({procs[0]})" if procs else "")
        elif procs:
            owner = "process " + ", ".join(procs)
        else:
            owner = "owner not visible" + ("" if snap.owners_visible else " (needs root)")
        addrs = ", ".join(sorted({x.address for x in group}))
        label = port_label(port)
        if label is None:
            other.append(f"{port} ({owner_c.name if owner_c else (group[0].process or '?')})")
            continue
        out.append(Finding(
            severity=Severity.CRITICAL, check=Check.EXPOSED_PORT, host=host,
            container=owner_c.name if owner_c else None,
            project=owner_c.project if owner_c else None, service=owner_c.service if owner_c else None,
            subject=f"{label} {port}", title=f"{label} port {port} listening on all interfaces",
            evidence=f"{snap.source}: LISTEN {addrs} port {port}, {owner}",
            fix=f"bind {label} to 127.0.0.1 or a private address (or firewall port {port}); "
            "a host-network container listens on the host's interfaces directly",
        ))
    if other:
        out.append(Finding(
            severity=Severity.INFO, check=Check.EXPOSED_OTHER, host=host, subject="other ports",
            title="other ports listening on all interfaces",
            evidence=f"{snap.source}: " + ", ".join(other[:15]) + (f" (+{len(other) - 15} more)" if len(other) > 15
                                                                   else ""),
            fix="make sure each is meant to be reachable from the network; bind the rest to 127.0.0.1",
        ))
    if not snap.owners_visible:
        why = ("ss -p shows only the SSH user's own processes" if snap.source == "ss"
               else "ss is missing; /proc/net/tcp has no owners")
        out.append(not_checked(host, "owners of listening sockets", why + " (needs root)"))
    return out


def check_sshd(s: SshdSettings, host: str) -> list[Finding]:
    """Root login with password (critical), password authentication (warning), empty passwords (critical)."""
    if not s.checked:
        return [not_checked(host, "sshd settings", s.reason)]
    out: list[Finding] = []
    how = f"{s.source} ({s.config})" + ("; Match blocks not evaluated" if s.has_match_blocks else "")
    g = s.settings.get
    password = g("passwordauthentication") == "yes" or (
        g("kbdinteractiveauthentication") == "yes" and g("usepam") == "yes"
    )
    pw_setting = "PasswordAuthentication yes" if g("passwordauthentication") == "yes" else (
        "KbdInteractiveAuthentication yes with UsePAM yes")
    if g("permitrootlogin") == "yes" and password:
        out.append(Finding(severity=Severity.CRITICAL, check=Check.SSH_ROOT_PASSWORD, host=host,
                           subject="PermitRootLogin yes + password", title="root can log in over SSH with a password",
                           evidence=f"{how}: PermitRootLogin yes, {pw_setting}",
                           fix="set `PermitRootLogin prohibit-password` (or no) and `PasswordAuthentication no`, "
                           "then reload sshd"))
    elif password:
        sev = Severity.CRITICAL if g("permitemptypasswords") == "yes" else Severity.WARNING
        extra = ", PermitEmptyPasswords yes" if sev is Severity.CRITICAL else ""
        out.append(Finding(severity=sev, check=Check.SSH_PASSWORD, host=host, subject="password authentication",
                           title="SSH accepts passwords", evidence=f"{how}: {pw_setting}{extra}",
                           fix="use keys only: `PasswordAuthentication no` (and `KbdInteractiveAuthentication no`), "
                           "then reload sshd"))
    if s.source == "config file":
        out.append(not_checked(host, "effective sshd settings", s.reason + "; values above come from the file"))
    return out


def check_dockerd(d: DockerDaemon, host: str) -> list[Finding]:
    """Socket mode (world-writable critical, odd group warning) and TCP endpoints without TLS."""
    out: list[Finding] = []
    s = d.socket
    if s.mode is None:
        out.append(not_checked(host, "Docker socket permissions", f"stat {s.path}: {s.error}"))
    else:
        bits = int(s.mode[-3:], 8) if s.mode.isdigit() else 0
        if bits & 0o002:
            out.append(Finding(severity=Severity.CRITICAL, check=Check.DOCKER_SOCKET_PERMS, host=host,
                               subject="world-writable socket", title="Docker socket writable by every local user",
                               evidence=f"{s.path} mode {s.mode} {s.owner}:{s.group}",
                               fix=f"chmod 660 {s.path} (owner root, group docker) and fix whatever changed it"))
        elif bits & 0o020 and s.group not in ("docker", "root"):
            out.append(Finding(severity=Severity.WARNING, check=Check.DOCKER_SOCKET_PERMS, host=host,
                               subject=f"group {s.group}", title="Docker socket writable by an unusual group",
                               evidence=f"{s.path} mode {s.mode} {s.owner}:{s.group} (group members are root)",
                               fix="use group docker and keep its membership to administrators"))
    endpoints = [(p.pid, h, p.tls_verify) for p in d.processes for h in p.tcp_hosts]
    endpoints += [(None, h, d.config_tls_verify) for h in d.config_tcp_hosts]
    for pid, endpoint, tls in endpoints:
        if tls:
            continue
        local = endpoint.startswith(("tcp://127.", "tcp://localhost", "tcp://[::1]"))
        src = f"dockerd pid {pid} -H {endpoint}" if pid else f"/etc/docker/daemon.json hosts: {endpoint}"
        out.append(Finding(severity=Severity.WARNING if local else Severity.CRITICAL, check=Check.DOCKER_TCP,
                           host=host, subject=endpoint, title="Docker API on TCP without TLS verification",
                           evidence=f"{src}, no --tlsverify", fix="remove the tcp:// host (use SSH: "
                           "DOCKER_HOST=ssh://host) or enable --tlsverify with client certificates"))
    if d.config_error:
        out.append(not_checked(host, "daemon.json", d.config_error))
    return out


def check_project_files(files: ProjectFiles, host: str, declared: int) -> list[Finding]:
    """World-readable ``.env`` files and secret-looking names with literal values in compose files."""
    out: list[Finding] = []
    if declared == 0:
        out.append(not_checked(host, ".env files and compose secrets", "no project path declared in the inventory"))
    for path in files.missing:
        out.append(not_checked(host, f"project path {path}", "not a directory on the host"))
    for f in files.env_files:
        if f.world_readable:
            out.append(Finding(severity=Severity.WARNING, check=Check.ENV_FILE_READABLE, host=host,
                               subject=f.path, title=".env file readable by every local user",
                               evidence=f"{f.path} mode {f.mode} {f.owner}:{f.group}",
                               fix=f"chmod 600 {f.path}"))
    for s in files.inline_secrets:
        out.append(Finding(severity=Severity.WARNING, check=Check.INLINE_SECRET, host=host,
                           subject=f"{s.file}: {s.name}", title="secret written literally in a compose file",
                           evidence=f"{s.file} line {s.line}: {s.name} has a literal value (value not shown)",
                           fix=f"move {s.name} to a 600 .env file or a secret and reference it as ${{{s.name}}}"))
    return out


__all__ = ["check_dockerd", "check_listeners", "check_project_files", "check_sshd", "not_checked"]
