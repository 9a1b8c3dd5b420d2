"""``env_flag``: one reading of boolean environment variables for every module."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from dozor.envflags import env_flag
from dozor.ops.guard import read_only_from_env


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", "Yes", "on", "ON", " on "])
def test_true_values(raw: str) -> None:
    assert env_flag("X", env={"X": raw}) is True
    assert read_only_from_env({"DOZOR_READ_ONLY": raw}) is True


@pytest.mark.parametrize("raw", ["0", "false", "False", "no", "off", "OFF", "", "  "])
def test_false_values(raw: str) -> None:
    assert env_flag("X", default=True, env={"X": raw}) is False
    assert read_only_from_env({"DOZOR_READ_ONLY": raw}) is False


def test_unset_gives_the_default() -> None:
    assert env_flag("X", env={}) is False
    assert env_flag("X", default=True, env={}) is True


@pytest.mark.parametrize("raw", ["maybe", "2", "y", "t", "enabled"])
def test_anything_else_is_an_error_naming_the_variable(raw: str) -> None:
    with pytest.raises(ValueError, match=r"DOZOR_READ_ONLY=.* is not a boolean"):
        env_flag("DOZOR_READ_ONLY", env={"DOZOR_READ_ONLY": raw})


def test_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOZOR_TEST_FLAG", "on")
    assert env_flag("DOZOR_TEST_FLAG") is True


def test_cli_reads_the_flag_the_same_way(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """``DOZOR_READ_ONLY=on`` turns the CLI read-only; a bad value is a usage error naming the variable."""
    from dozor.cli import app as cli

    seen: list[bool] = []
    monkeypatch.setattr(cli, "Options", lambda **kw: seen.append(kw["read_only"]))
    runner = CliRunner()
    for raw, expect in [("on", True), ("off", False), ("", False)]:
        monkeypatch.setenv("DOZOR_READ_ONLY", raw)
        runner.invoke(cli.app, ["hosts"])
        assert seen.pop() is expect
    monkeypatch.setenv("DOZOR_READ_ONLY", "maybe")
    r = runner.invoke(cli.app, ["hosts"])
    assert r.exit_code == 2 and "DOZOR_READ_ONLY" in r.output and not seen
