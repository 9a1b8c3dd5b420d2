"""Listening TCP sockets on a host: ``ss -tlnpH`` (with owners), ``/proc/net/tcp{,6}`` as a fallback.

The script prints sections introduced by ``## name`` lines:

- ``## ss`` then ``ss -tlnpH`` output, followed by ``## owners`` with one ``PID CONTAINER_ID|-`` line per
  owning process (the 64-hex id found in ``/proc/PID/cgroup``, so a process in a host-network container is
  attributed to its container);
- ``## proc`` then the raw ``/proc/net/tcp`` and ``/proc/net/tcp6`` tables when ``ss`` is missing
  (no owners: mapping socket inodes to processes needs root on every ``/proc/*/fd``).

``ss -p`` only shows processes the SSH user may inspect: without root most owners are missing, which the
parser reports through ``ListenerSnapshot.owners_visible``.
"""

from __future__ import annotations

import ipaddress
import re

from pydantic import BaseModel, Field

from dozor.collectors.base import Collector, CollectorError, first_line
from dozor.transport.base import CommandResult

LISTENERS_SCRIPT = r"""if command -v ss >/dev/null 2>&1; then
  out=$(ss -tlnpH 2>&1); rc=$?
  echo "## ss $rc"; printf '%s\n' "$out"
  echo "## owners"
  for p in $(printf '%s\n' "$out" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
    c=$(grep -o '[0-9a-f]\{64\}' "/proc/$p/cgroup" 2>/dev/null | head -n 1)
    echo "$p ${c:--}"
  done
  echo "## uid $(id -u)"
else
  echo "## proc"; cat /proc/net/tcp /proc/net/tcp6 2>/dev/null
  echo "## uid $(id -u)"
fi
"""

_SS_LINE = re.compile(r"^(?P<state>\S+)\s+\d+\s+\d+\s+(?P<local>\S+)\s+(?P<peer>\S+)(?:\s+(?P<proc>.*))?$")
_SS_PROC = re.compile(r'\("(?P<name>[^"]*)",pid=(?P<pid>\d+)')


class Listener(BaseModel):
    """One listening TCP socket."""

    address: str = Field(description="Local address as printed (0.0.0.0, ::, 127.0.0.1, *...).")
    port: int
    all_interfaces: bool = Field(description="Bound to every interface (0.0.0.0, ::, *).")
    process: str | None = Field(default=None, description="Owning process name, when visible.")
    pid: int | None = None
    container_id: str | None = Field(default=None, description="Full id of the container owning the process.")


class ListenerSnapshot(BaseModel):
    """Every listening TCP socket of a host, and how much of the ownership could be seen."""

    source: str = Field(description="ss or /proc/net/tcp.")
    listeners: list[Listener] = Field(default_factory=list)
    owners_visible: bool = Field(description="True when socket owners could be read (ss -p as root).")
    root: bool = Field(default=False, description="The SSH user is root (uid 0).")


def listeners_argv() -> list[str]:
    """``sh -c`` running the constant listeners script."""
    return ["sh", "-c", LISTENERS_SCRIPT, "dozor-listeners"]


def split_host_port(local: str) -> tuple[str, int] | None:
    """``0.0.0.0:22`` / ``[::]:22`` / ``*:22`` / ``[::ffff:127.0.0.1]:80`` / ``127.0.0.1%lo:53`` → (address, port)."""
    addr, sep, port = local.rpartition(":")
    if not sep or not port.isdigit():
        return None
    addr = addr.strip("[]")
    addr = addr.split("%", 1)[0]
    return addr, int(port)


def is_all_interfaces(address: str) -> bool:
    """True for the wildcard addresses (``0.0.0.0``, ``::``, ``*``, empty)."""
    return address in ("", "*", "0.0.0.0", "::", "::0", "0:0:0:0:0:0:0:0")


def _hex_address(text: str) -> str:
    raw = bytes.fromhex(text)
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw[::-1]))
    # /proc/net/tcp6: four little-endian 32-bit words
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return str(ipaddress.IPv6Address(words))


def parse_proc_net_tcp(text: str) -> list[Listener]:
    """Listening sockets (state ``0A``) from ``/proc/net/tcp`` and ``/proc/net/tcp6`` tables."""
    out: list[Listener] = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 4 or parts[0] == "sl" or parts[3] != "0A" or ":" not in parts[1]:
            continue
        hex_addr, _, hex_port = parts[1].partition(":")
        try:
            addr = _hex_address(hex_addr)
            port = int(hex_port, 16)
        except ValueError:
            continue
        out.append(Listener(address=addr, port=port, all_interfaces=is_all_interfaces(addr)))
    return out


def parse_ss(text: str, owners: dict[int, str | None]) -> list[Listener]:
    """Listening sockets from ``ss -tlnpH`` lines; ``owners`` maps a pid to its container id."""
    out: list[Listener] = []
    for line in text.splitlines():
        m = _SS_LINE.match(line.strip())
        if m is None or m["state"] != "LISTEN":
            continue
        hp = split_host_port(m["local"])
        if hp is None:
            continue
        addr, port = hp
        proc = _SS_PROC.search(m["proc"] or "")
        pid = int(proc["pid"]) if proc else None
        out.append(
            Listener(
                address=addr,
                port=port,
                all_interfaces=is_all_interfaces(addr),
                process=proc["name"] if proc else None,
                pid=pid,
                container_id=owners.get(pid) if pid is not None else None,
            )
        )
    return out


def _sections(text: str) -> dict[str, tuple[str, str]]:
    """``## name args`` sections: name → (args, body)."""
    out: dict[str, tuple[str, str]] = {}
    name: str | None = None
    args = ""
    body: list[str] = []
    for line in text.splitlines():
        if line.startswith("## "):
            if name is not None:
                out[name] = (args, "\n".join(body))
            name, _, args = line[3:].partition(" ")
            body = []
        elif name is not None:
            body.append(line)
    if name is not None:
        out[name] = (args, "\n".join(body))
    return out


def parse_listeners(result: CommandResult) -> ListenerSnapshot:
    """Parse the listeners script's output."""
    sections = _sections(result.stdout)
    uid = sections.get("uid", ("", ""))[0].strip()
    root = uid == "0"
    if "ss" in sections:
        rc, body = sections["ss"]
        if rc.strip() not in ("0", ""):
            raise CollectorError(f"ss -tlnpH failed (exit {rc.strip()}): {first_line(body)}")
        owners: dict[int, str | None] = {}
        for line in sections.get("owners", ("", ""))[1].splitlines():
            pid_s, _, cid = line.strip().partition(" ")
            if pid_s.isdigit():
                owners[int(pid_s)] = cid if re.fullmatch(r"[0-9a-f]{64}", cid) else None
        listeners = parse_ss(body, owners)
        visible = root or all(x.pid is not None for x in listeners)
        return ListenerSnapshot(source="ss", listeners=listeners, owners_visible=visible, root=root)
    if "proc" in sections:
        return ListenerSnapshot(
            source="/proc/net/tcp", listeners=parse_proc_net_tcp(sections["proc"][1]), owners_visible=False, root=root
        )
    raise CollectorError(f"listeners script printed no section (exit {result.exit_status}): "
                         + first_line(result.stderr or result.stdout))


LISTENERS: Collector[ListenerSnapshot] = Collector(
    name="listeners",
    argv=listeners_argv,
    parse=parse_listeners,
    description="Listening TCP sockets (ss -tlnpH with owning process and container, or /proc/net/tcp).",
)
