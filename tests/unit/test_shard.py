"""Inventory shards: K/N by a stable hash of the host name, or a host pattern; every host in exactly one shard."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dozor.errors import ShardError, UnknownHostError
from dozor.inventory import Inventory, select_hosts
from dozor.inventory.shard import Shard, apply_shard, parse_shard, shard_index
from dozor.report.cron import default_state_path
from dozor.report.memory import selection_key


def _big(n: int) -> Inventory:
    """``n`` hosts with names as real fleets have them, in groups and tags."""
    hosts = {}
    for i in range(n):
        role = ("web", "db", "cache", "worker")[i % 4]
        region = ("eu-west", "us-east", "ap-south")[i % 3]
        hosts[f"{role}-{region}-{i:05d}.prod.example.com"] = {
            "address": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", "groups": [role], "tags": [region],
        }
    return Inventory.model_validate({"groups": {"prod": ["@web", "@db", "@cache", "@worker"]}, "hosts": hosts})


@pytest.fixture(scope="module")
def big() -> Inventory:
    return _big(20_000)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_every_host_is_in_exactly_one_shard(big: Inventory, n: int) -> None:
    owners: Counter[str] = Counter()
    sizes = []
    for k in range(1, n + 1):
        cut = apply_shard(big, f"{k}/{n}")
        assert cut.shard == f"{k}/{n}"
        names = select_hosts(cut, None)
        assert names == list(cut.hosts)  # inventory order, nothing outside the shard
        owners.update(names)
        sizes.append(len(names))
    assert set(owners) == set(big.hosts)
    assert set(owners.values()) == {1}
    # Spread: a hash, not a count: each shard within 4 standard deviations of an even share.
    even = len(big.hosts) / n
    assert all(abs(size - even) <= 4 * (even * (1 - 1 / n)) ** 0.5 for size in sizes), sizes


def test_the_hash_is_sha256_of_the_name_not_python_hash() -> None:
    # Pinned: a change here moves hosts between controllers (and their alert memory with them).
    names = ["web1", "db1", "cache-eu-west-00017.prod.example.com", "ünïcode-host"]
    assert [shard_index(n, 4) for n in names] == [1, 2, 1, 1]
    assert [shard_index(n, 7) for n in names] == [6, 6, 1, 1]
    code = ("from dozor.inventory.shard import shard_index; "
            f"print([shard_index(n, k) for n in {names!r} for k in (2, 3, 4, 7, 50)])")
    outs = set()
    for seed in ("0", "1", "12345", "random"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        outs.add(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                check=True).stdout)
    assert len(outs) == 1
    assert json.loads(outs.pop()) == [shard_index(n, k) for n in names for k in (2, 3, 4, 7, 50)]


def test_growing_from_n_to_n_plus_1_moves_hosts_only_to_the_new_shard(big: Inventory) -> None:
    names = list(big.hosts)[:5000]
    for n in (1, 2, 4, 9):
        before = {name: shard_index(name, n) for name in names}
        after = {name: shard_index(name, n + 1) for name in names}
        moved = [name for name in names if before[name] != after[name]]
        assert all(after[name] == n + 1 for name in moved)
        assert abs(len(moved) - len(names) / (n + 1)) < 0.08 * len(names) / (n + 1) + 50


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1/1", Shard(1, 1)), ("2/4", Shard(2, 4)), (" 3 / 3 ", Shard(3, 3)), ("@eu", Shard(pattern="@eu")),
     ("web*", Shard(pattern="web*")), ("@eu,!web3", Shard(pattern="@eu,!web3"))],
)
def test_parse_shard(text: str, expected: Shard) -> None:
    assert parse_shard(text) == expected


@pytest.mark.parametrize(
    ("text", "said"),
    [("0/2", "K must be between 1 and N=2, not 0"), ("3/2", "K must be between 1 and N=2, not 3"),
     ("1/0", "N must be between 1"), ("a/b", "expected K/N"), ("1/2/3", "expected K/N"), ("-1/2", "expected K/N"),
     ("1.5/2", "expected K/N"), ("/2", "expected K/N"), ("", "--shard is empty"), ("  ", "--shard is empty"),
     ("1/99999", "N must be between 1 and 4096")],
)
def test_bad_shard_values_say_what_is_wrong(text: str, said: str) -> None:
    with pytest.raises(ShardError, match="--shard") as exc:
        parse_shard(text)
    assert said in str(exc.value)
    assert isinstance(exc.value, ValueError)


def _small() -> Inventory:
    return Inventory.model_validate({
        "groups": {"web": ["web1", "web2", "web3"], "eu": ["web1", "db1", "@edge"], "prod": ["@eu", "@us"]},
        "hosts": {
            "web1": {"address": "10.0.0.1", "tags": ["nginx"]},
            "web2": {"address": "10.0.0.2", "tags": ["nginx"], "groups": ["us"]},
            "web3": {"address": "10.0.0.3", "tags": ["canary"]},
            "db1": {"address": "10.0.1.1"},
            "db2": {"address": "10.0.1.2", "groups": ["us"]},
            "lb1": {"address": "10.0.2.1", "tags": ["edge"]},
        },
    })


def test_a_pattern_shard_and_host_selection_inside_it() -> None:
    inv = _small()
    eu = apply_shard(inv, "@eu")
    assert list(eu.hosts) == ["web1", "db1", "lb1"] and eu.shard == "@eu"
    assert select_hosts(eu, "@web") == ["web1"]
    assert select_hosts(eu, "web2") == []  # another shard's host: nothing here, not an unknown host
    assert select_hosts(eu, "@us") == []  # a group held only by other shards' hosts is still known
    assert select_hosts(eu, "@canary") == []  # so is a tag
    with pytest.raises(UnknownHostError, match="unknown host 'web9'"):
        select_hosts(eu, "web9")  # a typo is still an error
    with pytest.raises(UnknownHostError, match="unknown group or tag '@nope'"):
        select_hosts(eu, "@nope")
    # Every label still expands (the MCP host list walks them all), and a host keeps its groups.
    assert {label: eu.members(label) for label in eu.labels()}["prod"] == ["web1", "db1", "lb1"]
    assert eu.resolve("web1").groups == inv.resolve("web1").groups
    assert eu.whole is inv and inv.whole is inv and inv.shard is None


def test_an_unknown_pattern_shard_is_a_shard_error() -> None:
    with pytest.raises(ShardError, match=r"--shard @nope: unknown group or tag '@nope'"):
        apply_shard(_small(), "@nope")


def test_hash_shards_of_a_small_inventory_keep_selection_working() -> None:
    inv = _small()
    cuts = [apply_shard(inv, f"{k}/3") for k in (1, 2, 3)]
    for pattern in (None, "@web", "@prod", "web*", "@nginx:!web2"):
        union = [n for cut in cuts for n in select_hosts(cut, pattern)]
        assert sorted(union) == sorted(select_hosts(inv, pattern))
        assert len(union) == len(set(union))


def test_two_shards_remember_apart() -> None:
    assert selection_key("diagnose", None) == "diagnose|*|*"  # unsharded memories keep their key
    assert selection_key("diagnose", None, shard="1/2") != selection_key("diagnose", None, shard="2/2")
    assert default_state_path("/s") == Path("/s/report-state.json")
    one, two = default_state_path("/s", "1/2"), default_state_path("/s", "2/2")
    assert one != two and one.parent == Path("/s") and one.name.startswith("report-state-shard-")


def _inventory_file(tmp_path: Path, n: int) -> Path:
    lines = []
    for i in range(n):
        lines += [f'[hosts."h{i:03d}"]', f'address = "127.0.9.{i + 1}"', f'groups = ["g{i % 3}"]', ""]
    path = tmp_path / "fleet.toml"
    path.write_text("\n".join(lines))
    return path


def test_cli_shards_cover_the_inventory_once(tmp_path: Path) -> None:
    from dozor.cli.app import app

    inv = _inventory_file(tmp_path, 60)
    runner = CliRunner()
    seen: list[str] = []
    for k in (1, 2, 3):
        result = runner.invoke(app, ["-i", str(inv), "--shard", f"{k}/3", "--json", "hosts"])
        assert result.exit_code == 0, result.output
        seen += [h["name"] for h in json.loads(result.stdout)["hosts"]]
    assert sorted(seen) == [f"h{i:03d}" for i in range(60)]
    env = runner.invoke(app, ["-i", str(inv), "--json", "hosts"], env={"DOZOR_SHARD": "@g1"})
    assert [h["name"] for h in json.loads(env.stdout)["hosts"]] == [f"h{i:03d}" for i in range(1, 60, 3)]


@pytest.mark.parametrize(
    ("value", "said"),
    [("0/3", "K must be between 1 and N=3"), ("4/3", "not 4"), ("x/3", "expected K/N"), ("@nope", "@nope")],
)
def test_cli_bad_shard_exits_2_and_says_why(tmp_path: Path, value: str, said: str) -> None:
    from dozor.cli.app import app

    inv = _inventory_file(tmp_path, 3)
    result = CliRunner().invoke(app, ["-i", str(inv), "--shard", value, "hosts"])
    assert result.exit_code == 2
    assert said in result.output and "--shard" in result.output


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_the_mcp_server_of_a_shard_knows_only_its_hosts(tmp_path: Path) -> None:
    from mcp import Client

    from dozor.mcp.server import build_server

    inv = _inventory_file(tmp_path, 30)
    whole = load_inventory_names(inv)
    seen: list[str] = []
    for k in (1, 2):
        async with Client(build_server(inventory=str(inv), shard=f"{k}/2")) as c:
            out = (await c.call_tool("fleet_hosts", {})).structured_content
            names = [h["name"] for h in out["hosts"]]
            assert names == [n for n in whole if shard_index(n, 2) == k]
            seen += names
            # a host of the other shard cannot be reached through this server: it selects nothing
            other = next(n for n in whole if shard_index(n, 2) != k)
            again = await c.call_tool("fleet_hosts", {"host": other})
            assert not again.is_error and again.structured_content.get("hosts", []) == []
            assert again.content[0].text.startswith("0 hosts")
    assert sorted(seen) == sorted(whole)
    with pytest.raises(ShardError, match="N must be between"):
        build_server(inventory=str(inv), shard="1/0")


def load_inventory_names(path: Path) -> list[str]:
    from dozor.inventory import load_inventory

    return list(load_inventory(path).hosts)


def test_serve_passes_the_shard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dozor.cli.app import app
    from dozor.mcp import serving

    seen: list[dict] = []
    monkeypatch.setattr(serving, "serve_stdio", lambda **kw: seen.append(kw))
    monkeypatch.setattr("dozor.cli.gc_policy.long_running", lambda: None)
    r = CliRunner().invoke(app, ["-i", "f.toml", "--shard", "2/5", "serve"])
    assert r.exit_code == 0, r.output
    assert seen == [{"inventory": "f.toml", "read_only": False, "shard": "2/5"}]
