"""Local transport: argv through an asyncio subprocess, never a shell."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Sequence

from dozor.transport.base import DEFAULT_COMMAND_TIMEOUT, DEFAULT_MAX_OUTPUT, CommandResult
from dozor.transport.errors import TransportError, UnixSocketUnavailable


class _Capped:
    """Accumulates bytes up to a cap, remembering whether anything was dropped."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.buf = bytearray()
        self.truncated = False

    def feed(self, chunk: bytes) -> None:
        room = self.cap - len(self.buf)
        if len(chunk) > room:
            self.truncated = True
            chunk = chunk[: max(room, 0)]
        self.buf += chunk

    def text(self) -> str:
        return self.buf.decode("utf-8", errors="replace")


async def _pump(stream: asyncio.StreamReader | None, sink: _Capped) -> None:
    if stream is None:
        return
    while chunk := await stream.read(65536):
        sink.feed(chunk)


class LocalTransport:
    """Runs commands on this machine. Each command gets its own process group so a
    timeout ends the whole tree, not just the direct child."""

    def __init__(self, *, max_output: int = DEFAULT_MAX_OUTPUT, env: dict[str, str] | None = None) -> None:
        self.max_output = max_output
        self.env = env

    @property
    def label(self) -> str:
        """Always ``local``."""
        return "local"

    async def run(
        self,
        argv: Sequence[str],
        *,
        timeout: float | None = DEFAULT_COMMAND_TIMEOUT,
        stdin: str | None = None,
    ) -> CommandResult:
        """Run ``argv`` locally; a missing program is exit status 127, like a shell."""
        argv = [str(a) for a in argv]
        started = time.monotonic()
        env = {**os.environ, **(self.env or {}), "LC_ALL": "C"}
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
                env=env,
            )
        except FileNotFoundError:
            return CommandResult(
                argv=argv,
                exit_status=127,
                stderr=f"{argv[0]}: command not found",
                duration=time.monotonic() - started,
            )
        except OSError as exc:
            raise TransportError(f"cannot start {argv[0]!r}: {exc}") from exc
        out, err = _Capped(self.max_output), _Capped(self.max_output)
        pumps = asyncio.gather(_pump(proc.stdout, out), _pump(proc.stderr, err))
        if stdin is not None and proc.stdin is not None:
            proc.stdin.write(stdin.encode())
            with contextlib.suppress(ConnectionError):
                await proc.stdin.drain()
            proc.stdin.close()
        timed_out = False
        try:
            await asyncio.wait_for(asyncio.shield(proc.wait()), timeout)
        except TimeoutError:
            timed_out = True
        finally:
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                await proc.wait()
        # The group is dead or done; a grandchild holding the pipes open cannot block us for long.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(pumps, 2.0)
        return CommandResult(
            argv=argv,
            exit_status=None if timed_out else proc.returncode,
            stdout=out.text(),
            stderr=err.text(),
            duration=time.monotonic() - started,
            timed_out=timed_out,
            truncated=out.truncated or err.truncated,
        )

    async def open_unix(self, path: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Connect to the unix socket ``path`` on this machine."""
        try:
            return await asyncio.open_unix_connection(path, limit=1 << 20)
        except OSError as exc:
            raise UnixSocketUnavailable(f"cannot open unix socket {path}: {exc.strerror or exc}") from exc

    async def close(self) -> None:
        """Nothing to release."""
