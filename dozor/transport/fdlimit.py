"""Enough file descriptors for one connection per host, checked before a fan-out instead of failing hosts at random.

Each SSH host holds one TCP socket for the life of the pool (its engine streams and exec channels are SSH
channels multiplexed on it, not descriptors), plus one more while it authenticates (the ssh-agent socket) or
reconnects — at most ``concurrency`` hosts at a time. A local host runs the docker CLI as child processes
(three pipes each) and opens the engine's unix socket per stream. The process itself needs some (stdio, the
event loop, state and known_hosts files, the MCP transport). Below that budget, ``connect()`` fails with EMFILE
on whichever hosts come last: a random part of the fleet would be reported unreachable.

:func:`ensure_fd_budget` raises the soft ``RLIMIT_NOFILE`` towards the hard one when the budget needs it
(``resource.setrlimit``, what ``ulimit -n`` does in a shell) and raises ``FileLimitTooLow`` naming the numbers
when even the hard limit is too low.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dozor.errors import FileLimitTooLow
from dozor.inventory.models import ResolvedHost

FDS_PER_SSH_HOST = 1
"""The connection's socket, held for the life of the pool."""
FDS_PER_CONNECTING_HOST = 1
"""While a host connects (at most ``concurrency`` at once): the agent socket, or a reconnect's new socket."""
FDS_PER_LOCAL_HOST = 16
"""Concurrent docker CLI children (three pipes each) and engine unix-socket streams on this machine."""
FDS_BASE = 24
"""The process itself: stdio, the event loop, files being read or written, the MCP transport (measured: 9 at
start, 14 at the peak of a diagnosis of the 6-host test fleet)."""
RAISE_TO = 4096
"""Raised soft limits go at least this high (within the hard limit): a growing fleet does not hit it again."""


@dataclass(frozen=True)
class FdBudget:
    """What a fan-out needs and what the process may open (after any raise)."""

    hosts: int
    needed: int
    soft: int
    hard: int
    raised_from: int | None = None


def needed_fds(hosts: Sequence[ResolvedHost], concurrency: int = 50) -> int:
    """Descriptors a process needs to hold a connection to each of ``hosts`` at once, ``concurrency`` of them
    connecting at a time."""
    local = sum(1 for h in hosts if h.is_local)
    ssh = len(hosts) - local
    return FDS_BASE + FDS_PER_SSH_HOST * ssh + FDS_PER_CONNECTING_HOST * min(ssh, concurrency) \
        + FDS_PER_LOCAL_HOST * local


def ensure_fd_budget(hosts: Sequence[ResolvedHost], concurrency: int = 50) -> FdBudget:
    """Make room for a connection per host: raise the soft limit up to the hard one when needed.

    Raises ``FileLimitTooLow`` (naming the host count, the need, both limits and the fix) when the hard limit is
    below the need. A platform without ``resource`` (Windows) is not checked.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Linux or macOS
        return FdBudget(hosts=len(hosts), needed=0, soft=0, hard=0)
    needed = needed_fds(hosts, concurrency)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or needed <= soft:
        return FdBudget(hosts=len(hosts), needed=needed, soft=soft, hard=hard)
    unlimited = hard == resource.RLIM_INFINITY
    if unlimited or hard >= needed:
        target = max(needed, RAISE_TO) if unlimited else min(hard, max(needed, RAISE_TO))
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass  # e.g. macOS caps the soft limit at OPEN_MAX below an unlimited hard limit: said below
        else:
            return FdBudget(hosts=len(hosts), needed=needed, soft=target, hard=hard, raised_from=soft)
    shown_hard = "unlimited" if unlimited else str(hard)
    fix = max(RAISE_TO, 1 << (needed - 1).bit_length())
    raise FileLimitTooLow(
        f"{len(hosts)} host(s) need about {needed} open files (a connection per host, one more for each of "
        f"the {min(len(hosts), concurrency)} connecting at once, {FDS_BASE} for dozor itself), but this process "
        f"may open only {soft} "
        f"(ulimit -n; hard limit {shown_hard}, which only root can raise). Raise it before running dozor: "
        f"`ulimit -n {fix}` in the shell, LimitNOFILE={fix} in a systemd unit; or select fewer hosts "
        "(--host, or --shard K/N to split the fleet between controllers)",
        hosts=len(hosts), needed=needed, soft=soft, hard=-1 if unlimited else hard,
    )


__all__ = [
    "FDS_BASE", "FDS_PER_CONNECTING_HOST", "FDS_PER_LOCAL_HOST", "FDS_PER_SSH_HOST", "FdBudget", "ensure_fd_budget",
    "needed_fds",
]
