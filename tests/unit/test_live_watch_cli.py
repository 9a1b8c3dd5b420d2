"""``dozor watch`` refuses bad arguments before connecting anywhere (exit 2, the problem named)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from dozor.cli.app import app


def _inv(tmp_path: Path) -> str:
    inv = tmp_path / "fleet.toml"
    inv.write_text('[hosts.web1]\naddress = "10.0.0.2"\n[hosts.web2]\naddress = "10.0.0.3"\n')
    return str(inv)


def test_an_unknown_host_is_exit_2_with_close_matches(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["-i", _inv(tmp_path), "watch", "--host", "web3", "--once"])
    assert r.exit_code == 2
    assert "web3" in r.output and "web1" in r.output


def test_a_notify_target_that_is_not_a_url_is_exit_2(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["-i", _inv(tmp_path), "watch", "--notify", "slack-channel", "--once"])
    assert r.exit_code == 2 and "not a URL" in r.output


def test_watch_is_a_command_with_its_options() -> None:
    r = CliRunner().invoke(app, ["watch", "--help"])
    assert r.exit_code == 0
    for opt in ("--notify", "--host", "--once", "--settle", "--resync", "--poll-interval"):
        assert opt in r.output
