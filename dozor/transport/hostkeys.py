"""Host-key policy: strict by default, accept-new into dozor's own file, a changed key always refused.

asyncssh is given a matcher that returns the keys recorded for the host; when the
presented key is not among them asyncssh asks ``HostKeyVerifier.check``, which
decides and remembers why, so the transport can report *unknown* apart from
*mismatch* (with both fingerprints).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from dozor.inventory.models import KnownHostsPolicy
from dozor.transport.asyncssh_quiet import asyncssh


class KnownHostsStore:
    """known_hosts files loaded once and shared by every connection of a process."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[float, asyncssh.SSHKnownHosts | None]] = {}
        self._lock = threading.Lock()

    def load(self, path: str) -> asyncssh.SSHKnownHosts | None:
        """Parse ``path`` (re-read only when its mtime changed); None when missing."""
        full = os.path.expanduser(path)
        try:
            mtime = os.stat(full).st_mtime
        except OSError:
            return None
        with self._lock:
            cached = self._cache.get(full)
            if cached and cached[0] == mtime:
                return cached[1]
            try:
                parsed = asyncssh.read_known_hosts(full)
            except (OSError, ValueError):
                parsed = None
            self._cache[full] = (mtime, parsed)
            return parsed

    def append(self, path: str, entry: str) -> None:
        """Add one line to a known_hosts file dozor owns (created 0600 in a 0700 dir)."""
        full = Path(os.path.expanduser(path))
        full.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._lock:
            fd = os.open(full, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a") as fh:
                fh.write(entry.rstrip("\n") + "\n")


def host_pattern(host: str, port: int | None) -> str:
    """The known_hosts host field: ``host`` on port 22, ``[host]:port`` otherwise."""
    return host if port in (None, 22) else f"[{host}]:{port}"


@dataclass
class HostKeyVerifier:
    """Per-connection host-key decision and its outcome."""

    policy: KnownHostsPolicy
    trusted_files: list[str]
    own_file: str
    store: KnownHostsStore
    recorded: list[asyncssh.SSHKey] = field(default_factory=list)
    presented: asyncssh.SSHKey | None = None
    verdict: str = ""  # "", "unknown", "mismatch", "accepted"

    def match(self, host: str, addr: str, port: int | None) -> tuple[list, list, list]:
        """asyncssh's known_hosts callable: recorded host keys, CA keys, revoked keys."""
        keys: list = []
        cas: list = []
        revoked: list = []
        for path in [*self.trusted_files, self.own_file]:
            kh = self.store.load(path)
            if kh is None:
                continue
            for name in {host, addr}:
                if not name:
                    continue
                k, c, r, *_ = kh.match(name, addr, port)
                keys += k
                cas += c
                revoked += r
        self.recorded = keys
        return keys, cas, revoked

    def check(self, host: str, port: int | None, key: asyncssh.SSHKey) -> bool:
        """Called by asyncssh for a key that is not among the recorded ones."""
        self.presented = key
        if self.recorded:
            self.verdict = "mismatch"
            return False
        if self.policy is KnownHostsPolicy.ACCEPT_NEW:
            line = f"{host_pattern(host, port)} {key.export_public_key('openssh').decode().strip()}"
            self.store.append(self.own_file, line)
            self.verdict = "accepted"
            return True
        self.verdict = "unknown"
        return False

    def describe(self, host: str) -> str:
        """A message for the refusal, with fingerprints."""
        got = self.presented.get_fingerprint() if self.presented else "?"
        if self.verdict == "mismatch":
            known = ", ".join(sorted({k.get_fingerprint() for k in self.recorded}))
            return (
                f"HOST KEY CHANGED for {host}: presented {got}, recorded {known}. "
                "Possible man-in-the-middle; refused. If the change is legitimate, "
                "remove the old entry from known_hosts."
            )
        files = ", ".join([*self.trusted_files, self.own_file])
        return (
            f"unknown host key for {host} ({got}); not in {files}. Add it to known_hosts "
            '(ssh-keyscan) or set known_hosts = "accept-new" for this host.'
        )
