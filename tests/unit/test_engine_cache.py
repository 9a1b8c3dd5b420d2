"""The engine-socket cache in the state dir: expiry, forgetting, merging with other processes' entries."""

from __future__ import annotations

import json
import time
from pathlib import Path

from dozor.engine import cache
from dozor.engine.endpoint import EngineEndpoint

SOCK = EngineEndpoint(socket="/run/docker.sock", reason="default socket")


def _fresh() -> None:
    cache._loaded.clear()


def test_remembered_until_it_expires(tmp_path: Path) -> None:
    _fresh()
    cache.remember(str(tmp_path), "root@h:22", SOCK)
    _fresh()
    assert cache.recall(str(tmp_path), "root@h:22") == SOCK
    assert cache.recall(str(tmp_path), "root@h:22", now=time.time() + cache.TTL + 1) is None
    assert cache.recall(str(tmp_path), "root@other:22") is None


def test_forget_and_merge_with_another_process(tmp_path: Path) -> None:
    _fresh()
    cache.remember(str(tmp_path), "a", SOCK)
    # Another process adds "b" to the file meanwhile; our next write must keep it.
    on_disk = json.loads((tmp_path / cache.FILE).read_text())
    on_disk["b"] = {"endpoint": SOCK.model_dump(), "at": time.time()}
    (tmp_path / cache.FILE).write_text(json.dumps(on_disk))
    cache.remember(str(tmp_path), "c", SOCK)
    cache.remember(str(tmp_path), "a", None)
    _fresh()
    assert sorted(json.loads((tmp_path / cache.FILE).read_text())) == ["b", "c"]
    assert cache.recall(str(tmp_path), "a") is None


def test_unreadable_or_unwritable_state_costs_only_lookups(tmp_path: Path) -> None:
    _fresh()
    (tmp_path / cache.FILE).write_text("{not json")
    assert cache.recall(str(tmp_path), "a") is None
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    cache.remember(str(blocked), "a", SOCK)  # cannot create the dir: no error
    assert cache.host_key(None, "10.0.0.5", None) == "@10.0.0.5:22"
