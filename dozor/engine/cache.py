"""Where each host's engine was found, remembered across processes in the state dir.

A cold ``dozor status`` would otherwise spend one remote process per host (the lookup script)
before its first Engine API request. Entries are keyed by user@address:port, expire after
``TTL`` seconds, and a socket that stops answering is looked up again at once, so a stale
entry costs one failed stream, never a wrong answer from a CLI-path host.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from pathlib import Path

from dozor.engine.endpoint import EngineEndpoint

TTL = 3600.0
FILE = "engines.json"

_loaded: dict[str, dict[str, dict]] = {}


def host_key(user: str | None, address: str, port: int | None) -> str:
    """The cache key of one SSH destination."""
    return f"{user or ''}@{address}:{port or 22}"


def _entries(state_dir: str) -> dict[str, dict]:
    if state_dir not in _loaded:
        try:
            data = json.loads((Path(state_dir) / FILE).read_text())
            _loaded[state_dir] = data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            _loaded[state_dir] = {}
    return _loaded[state_dir]


def recall(state_dir: str, key: str, *, now: float | None = None) -> EngineEndpoint | None:
    """The remembered endpoint, if younger than ``TTL``."""
    entry = _entries(state_dir).get(key)
    if not isinstance(entry, dict) or (now or time.time()) - float(entry.get("at", 0)) > TTL:
        return None
    try:
        return EngineEndpoint.model_validate(entry.get("endpoint"))
    except ValueError:
        return None


def remember(state_dir: str, key: str, endpoint: EngineEndpoint | None) -> None:
    """Store (or with None, forget) an endpoint; best effort: a read-only state dir only costs lookups."""
    entries = _entries(state_dir)
    if endpoint is None:
        if entries.pop(key, None) is None:
            return
    else:
        entries[key] = {"endpoint": endpoint.model_dump(), "at": time.time()}
    with contextlib.suppress(OSError):
        d = Path(state_dir)
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Merge with what other processes wrote meanwhile, then replace atomically.
        with contextlib.suppress(OSError, ValueError):
            on_disk = json.loads((d / FILE).read_text())
            if isinstance(on_disk, dict):
                entries.update({k: v for k, v in on_disk.items() if k != key and k not in entries})
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".engines.")
        with os.fdopen(fd, "w") as f:
            json.dump(entries, f)
        os.replace(tmp, d / FILE)
