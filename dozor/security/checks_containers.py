"""Container checks over ``ContainerSecurity`` (pure): privileges, mounts, namespaces, user, limits, ports.

False positives avoided on purpose:

- capabilities already in Docker's default set (``NET_BIND_SERVICE``, ``CHOWN``...) are not "added";
- ``/etc/localtime``-style single files under ``/etc`` are not a sensitive mount (only the directories are);
- read-only ``/proc`` and ``/sys`` mounts (monitoring agents) are info, not warnings;
- one-shot jobs (exited 0, restart ``no``) are not blamed for having no restart policy or healthcheck;
- images pinned by digest (``@sha256:``) are pinned, whatever their tag;
- a port bound to a specific address (``127.0.0.1:5432``) is not "on all interfaces";
- a binding requested in ``HostConfig.PortBindings`` but not live (network ``none``/``host``, stopped container,
  no bridge) is reported one level lower and labelled ``requested_only``.
"""

from __future__ import annotations

from dozor.collectors.container_security import ContainerSecurity
from dozor.report.alerts import Severity
from dozor.security.findings import Check, Finding
from dozor.security.ports import DATASTORE_KINDS, port_label

DEFAULT_CAPS = frozenset({
    "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP",
    "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
})  # fmt: skip
CRITICAL_CAPS = frozenset({"ALL", "SYS_ADMIN", "SYS_MODULE", "SYS_RAWIO", "SYS_PTRACE", "DAC_READ_SEARCH", "BPF"})
SOCKETS = ("docker.sock", "containerd.sock", "podman.sock", "dockershim.sock", "crio.sock")
SENSITIVE_DIRS = frozenset({
    "/", "/etc", "/root", "/boot", "/dev", "/proc", "/sys", "/var/run", "/run", "/var/lib/docker", "/home",
    "/usr", "/lib", "/bin", "/sbin", "/var/lib/kubelet", "/etc/ssh", "/etc/docker", "/etc/sudoers.d",
})  # fmt: skip
SENSITIVE_FILES = frozenset({"/etc/shadow", "/etc/sudoers", "/etc/passwd", "/etc/gshadow"})
WILDCARD_IPS = (None, "", "0.0.0.0", "::", "[::]")
ROOT_USERS = frozenset({"", "0", "root", "0:0", "root:root", "root:0", "0:root"})


def _strip_proto(cap: str) -> str:
    cap = cap.upper()
    return cap[4:] if cap.startswith("CAP_") else cap


def subject_of(c: ContainerSecurity) -> str:
    """Host-independent name for grouping: ``project/service`` for compose containers, else the container name."""
    return f"{c.project}/{c.service}" if c.service else c.name


def _finding(c: ContainerSecurity, host: str, severity: Severity, check: Check, detail: str, title: str,
             evidence: str, fix: str, *, requested_only: bool = False) -> Finding:
    subject = subject_of(c) + (f" {detail}" if detail else "")
    return Finding(severity=severity, check=check, host=host, container=c.name, project=c.project,
                   service=c.service, subject=subject, title=title, evidence=evidence, fix=fix,
                   requested_only=requested_only)


def _is_socket(path: str) -> bool:
    return path.rstrip("/").endswith(SOCKETS)


def _sensitive_mount(source: str) -> bool:
    src = source.rstrip("/") or "/"
    return (src in SENSITIVE_DIRS or src in SENSITIVE_FILES or src == "/root" or src.startswith("/root/")
            or "/.ssh" in src or src.startswith("/etc/ssh/"))


def image_pinned(image: str) -> tuple[bool, str]:
    """(pinned, why not): a digest or a tag other than ``latest``."""
    if "@sha256:" in image:
        return True, ""
    if image.startswith("sha256:") or not image:
        return False, "untagged (image id only)"
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return False, "no tag (means :latest)"
    if last.rsplit(":", 1)[1] == "latest":
        return False, "tag :latest"
    return True, ""


def check_mounts(c: ContainerSecurity, host: str) -> list[Finding]:
    """Docker/containerd socket mounts (critical) and sensitive host paths (critical for /, else warning/info)."""
    out: list[Finding] = []
    for m in c.mounts:
        if m.type != "bind":
            continue
        mode = "read-only" if m.read_only else "read-write"
        if _is_socket(m.source) or _is_socket(m.destination):
            out.append(_finding(
                c, host, Severity.CRITICAL, Check.DOCKER_SOCKET_MOUNT, m.source,
                "container runtime socket mounted (root on the host for anyone in the container)",
                f"bind mount {m.source} -> {m.destination} ({mode}; read-only does not stop API calls)",
                "remove the socket mount; if the container must read Docker state, put a filtering proxy "
                "(e.g. docker-socket-proxy allowing only GET) in between",
            ))
        elif _sensitive_mount(m.source):
            src = m.source.rstrip("/") or "/"
            if src == "/":
                sev = Severity.CRITICAL
            elif src in ("/proc", "/sys") and m.read_only:
                sev = Severity.INFO
            else:
                sev = Severity.WARNING
            out.append(_finding(
                c, host, sev, Check.SENSITIVE_MOUNT, src,
                f"sensitive host path {src} mounted",
                f"bind mount {m.source} -> {m.destination} ({mode})",
                "mount only the files the service needs, read-only (:ro), or use a named volume",
            ))
    return out


def check_ports(c: ContainerSecurity, host: str, kind: str | None = None) -> list[Finding]:
    """Port bindings on all interfaces: critical for datastore/admin ports (warning when only requested)."""
    out: list[Finding] = []
    other: list[str] = []
    for p in c.ports:
        if p.host_port is None or p.host_ip not in WILDCARD_IPS:
            continue
        label = port_label(p.container_port) or port_label(p.host_port)
        if label is None and kind in DATASTORE_KINDS:
            label = kind
        where = f"{p.host_ip or '0.0.0.0'}:{p.host_port}->{p.container_port}/{p.protocol}"
        if label is None:
            other.append(where + ("" if p.published else " (requested)"))
            continue
        live = p.published
        state = "live (NetworkSettings.Ports)" if live else (
            f"requested in HostConfig.PortBindings, not live now (state {c.state}, network {c.network_mode or '-'})")
        out.append(_finding(
            c, host, Severity.CRITICAL if live else Severity.WARNING, Check.PUBLISHED_PORT,
            f"{label} {p.host_port}",
            f"{label} port published on all interfaces" + ("" if live else " (requested, not live)"),
            f"{where}: {state}",
            f'bind it to loopback or a private address ("127.0.0.1:{p.host_port}:{p.container_port}") '
            "or drop `ports:` and reach it over a compose network",
            requested_only=not live,
        ))
    if other:
        out.append(_finding(
            c, host, Severity.INFO, Check.PUBLISHED_PORT, "other ports",
            "ports published on all interfaces",
            ", ".join(other[:10]) + (f" (+{len(other) - 10} more)" if len(other) > 10 else ""),
            "make sure a firewall or a reverse proxy is meant to face these; bind to 127.0.0.1 otherwise",
        ))
    return out


def check_container(c: ContainerSecurity, host: str, kind: str | None = None) -> list[Finding]:
    """Every container-level check for one container."""
    out: list[Finding] = []
    if c.privileged:
        out.append(_finding(c, host, Severity.CRITICAL, Check.PRIVILEGED, "", "privileged container",
                            "HostConfig.Privileged=true: every capability and every device of the host",
                            "remove `privileged: true`; add only the capabilities or devices it needs"))
    caps = [x for x in (_strip_proto(x) for x in c.cap_add) if x not in DEFAULT_CAPS]
    if caps:
        crit = [x for x in caps if x in CRITICAL_CAPS]
        out.append(_finding(c, host, Severity.CRITICAL if crit else Severity.WARNING, Check.CAP_ADD,
                            ",".join(caps), "capabilities added", f"HostConfig.CapAdd: {', '.join(caps)}",
                            "drop `cap_add` entries the service does not need (SYS_ADMIN is nearly privileged)"))
    out += check_mounts(c, host)
    if c.pid_mode == "host":
        out.append(_finding(c, host, Severity.WARNING, Check.HOST_PID, "", "host PID namespace",
                            "HostConfig.PidMode=host: sees and signals every process of the host",
                            "remove `pid: host`"))
    if c.ipc_mode == "host":
        out.append(_finding(c, host, Severity.WARNING, Check.HOST_IPC, "", "host IPC namespace",
                            "HostConfig.IpcMode=host: shares the host's shared memory",
                            "remove `ipc: host`"))
    if c.network_mode == "host":
        out.append(_finding(c, host, Severity.INFO, Check.HOST_NETWORK, "", "host network namespace",
                            "HostConfig.NetworkMode=host: its listening sockets are the host's (see exposure)",
                            "use a compose network unless host networking is required"))
    if c.user.strip() in ROOT_USERS:
        out.append(_finding(c, host, Severity.WARNING, Check.ROOT_USER, "", "runs as root",
                            f"Config.User={c.user or '(empty: image default, root)'}",
                            'set `user: "1000:1000"` (or a USER in the image) and make its files readable'))
    job = c.state == "exited" and c.restart_policy == "no"
    if c.memory is None:
        out.append(_finding(c, host, Severity.INFO, Check.NO_MEMORY_LIMIT, "", "no memory limit",
                            "HostConfig.Memory=0", "set `mem_limit` so one container cannot exhaust the host"))
    if c.restart_policy == "no" and not job:
        out.append(_finding(c, host, Severity.INFO, Check.NO_RESTART, "", "no restart policy",
                            "HostConfig.RestartPolicy=no", "set `restart: unless-stopped`"))
    if not c.healthcheck and not job:
        out.append(_finding(c, host, Severity.INFO, Check.NO_HEALTHCHECK, "", "no healthcheck",
                            "no Config.Healthcheck", "add a `healthcheck:` so failures are seen"))
    pinned, why = image_pinned(c.image)
    if not pinned:
        out.append(_finding(c, host, Severity.INFO, Check.IMAGE_TAG, "", "image not pinned",
                            f"image {c.image}: {why}", "pin a version tag (or a digest) so deploys are repeatable"))
    out += check_ports(c, host, kind)
    return out


__all__ = ["check_container", "check_mounts", "check_ports", "image_pinned", "subject_of"]
