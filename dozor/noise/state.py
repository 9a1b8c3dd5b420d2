"""A JSON state file shared by every dozor process: read whole, changed under a lock, written atomically.

Writes go to a temporary file in the same directory, are fsync'ed, renamed over the file, and the directory is
fsync'ed: a crash at any point leaves either the old file or the new one, never half of one. Changes are
read-modify-write under an exclusive ``flock`` on ``<file>.lock``, so the CLI, a cron run, the MCP server and
``dozor watch`` never lose each other's changes.

A missing file is an empty state. A file that exists but cannot be parsed raises ``NoiseStateCorrupt``: it is
never emptied, and no change is written over it until a person repairs or moves it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from dozor.errors import NoiseStateCorrupt

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")


def write_durable(path: Path, text: str, mode: int = 0o600) -> None:
    """Write ``text`` to ``path`` atomically and durably: temp file, fsync, rename, directory fsync."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dfd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock for changes to ``path`` (``<path>.lock``, released on exit or process death)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


class StateFile(Generic[M]):
    """One JSON file holding one pydantic model."""

    def __init__(self, path: str | os.PathLike[str], model: type[M], *, indent: int | None = 1) -> None:
        self.path = Path(path).expanduser()
        self.model = model
        self.indent = indent

    def load(self) -> M:
        """The saved state; an empty one when the file does not exist. Raises ``NoiseStateCorrupt``."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return self.model()
        except (OSError, UnicodeDecodeError) as exc:
            raise NoiseStateCorrupt(str(self.path), f"{type(exc).__name__}: {exc}") from None
        try:
            return self.model.model_validate_json(text)
        except (ValidationError, ValueError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise NoiseStateCorrupt(str(self.path), f"not a valid state file: {first}") from None

    def update(self, change: Callable[[M], R]) -> R:
        """Under the lock: load (a corrupt file raises, untouched), ``change(state)`` in place, write it back
        atomically when ``change`` returned something other than ``False``. Returns what ``change`` returned."""
        with locked(self.path):
            state = self.load()
            result = change(state)
            if result is not False:
                write_durable(self.path, state.model_dump_json(indent=self.indent))
            return result


__all__ = ["StateFile", "locked", "write_durable"]
