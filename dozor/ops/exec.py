"""Validated read-only exec: run an allowlisted command on a host, output capped and redacted.

The command is checked by :func:`dozor.ops.exec_policy.validate_command` before any host is
contacted. It runs as argv (quoted once at the SSH boundary) under ``env`` with pagers
disabled, through a constant script that caps the output on the host and keeps the exit code.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from dozor.runner.fanout import HostContext
from dozor.security.redact import redact

DEFAULT_MAX_BYTES = 64 * 1024
MAX_BYTES = 1024 * 1024
# $1 = byte cap, the rest = argv. stdout+stderr go through `head -c`; the command's own exit
# status travels on fd 4 past the pipe, so a truncated output still reports how the command ended.
CAPPED_SCRIPT = (
    'n=$1; shift; { rc=$( { { "$@" 2>&1 4>&- 3>&-; echo "$?" >&4; } | head -c "$n" >&3; } 4>&1 ); } 3>&1; '
    'exit "${rc:-1}"'
)
NO_PAGER_ENV = ["env", "PAGER=cat", "SYSTEMD_PAGER=", "GIT_PAGER=cat", "LESS=FRX", "SYSTEMD_COLORS=0", "TERM=dumb"]


class ExecOutput(BaseModel):
    """What an exec printed on one host (stdout and stderr interleaved, capped, secrets masked)."""

    argv: list[str] = Field(description="The command as run (after validation).")
    exit_status: int | None
    output: str
    truncated: bool = Field(description="The output reached the byte cap and was cut.")


def exec_argv(argv: list[str], max_bytes: int) -> list[str]:
    """The full argv sent to the host for a validated command."""
    return ["sh", "-c", CAPPED_SCRIPT, "dozor-exec", str(max_bytes), *NO_PAGER_ENV, *argv]


async def run_validated(ctx: HostContext, argv: list[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> ExecOutput:
    """Run an already validated argv on this host."""
    cap = max(1, min(int(max_bytes), MAX_BYTES))
    result = await ctx.run(exec_argv(argv, cap))
    raw = result.stdout
    return ExecOutput(
        argv=argv,
        exit_status=result.exit_status,
        output=redact(raw),
        truncated=len(raw.encode("utf-8", errors="replace")) >= cap or result.truncated,
    )
