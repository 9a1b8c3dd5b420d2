"""Deploy-status and prune output parsers on output recorded from the real fleet (tests/fixtures/ops/record.py).

Expectations come from what the recorder knows independently (the deploy ids it started, the ids
``docker inspect`` gave for what it planted) and from hand-checked readings of the recorded output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dozor.ops import prune
from dozor.ops.deploy import parse_deploys

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ops"


def load(case: str) -> dict[str, Any]:
    """A recorded fixture."""
    return json.loads((FIXTURES / f"{case}.json").read_text())


def states(case: str) -> list[Any]:
    """The fixture's deploy-status output, parsed with its marker."""
    rec = load(case)
    assert rec["exit_status"] == 0, rec["stderr"]
    return parse_deploys(rec["stdout"], rec["marker"])


@pytest.mark.parametrize("case", ["never_ran", "unknown_id", "project_never_deployed"])
def test_no_deploy_to_show_parses_to_nothing(case: str) -> None:
    assert states(f"deploy_status/{case}") == []


@pytest.mark.parametrize(
    ("case", "status", "step", "exit_code", "log_has"),
    [
        ("succeeded", "succeeded", "done", 0, "deploy succeeded (exit 0)"),
        ("failed_up", "failed", "up", 1, "yaml.parser.ParserError"),
        ("failed_git_pull", "failed", "git-pull", 128, "fatal: not a git repository"),
        ("failed_cd", "failed", "cd", 125, "can't cd to"),
        ("running", "running", "up", None, "== "),
        ("lost", "lost", "up", None, "Creating reclost_app_1"),  # runner killed -9: "running" on disk, not alive
    ],
)
def test_one_deploy(case: str, status: str, step: str, exit_code: int | None, log_has: str) -> None:
    rec = load(f"deploy_status/{case}")
    [state] = states(f"deploy_status/{case}")
    assert state.id == rec["deploy_ids"][0]
    assert (state.status, state.step, state.exit_code) == (status, step, exit_code)
    assert log_has in state.log_tail and rec["marker"] not in state.log_tail
    assert state.started_at is not None
    assert (state.finished_at is None) == (status in ("running", "lost"))
    assert state.done == (status != "running")


def test_latest_of_every_project_and_of_one() -> None:
    rec = load("deploy_status/latest_all")
    got = states("deploy_status/latest_all")
    assert sorted(s.id for s in got) == rec["deploy_ids"]
    by_project = {s.project: s.status for s in got}
    assert by_project == {"recok": "succeeded", "recbad": "failed", "recnogit": "failed", "recgone": "failed",
                          "recslow": "succeeded", "reclost": "lost"}
    [one] = states("deploy_status/latest_project")
    assert one.id == load("deploy_status/latest_project")["deploy_ids"][0] and one.project == "recbad"


def test_a_cut_log_is_only_the_tail() -> None:
    [state] = states("deploy_status/log_cut")
    assert state.status == "succeeded" and len(state.log_tail) <= 40
    assert state.log_tail.endswith("deploy succeeded (exit 0)")


def test_a_foreign_marker_is_not_a_section() -> None:
    rec = load("deploy_status/succeeded")
    assert parse_deploys(rec["stdout"], "@@dozor-ffffffffffffffff") == []


# ------------------------------------------------------------------------------------------------ prune


def test_stopped_containers_listing() -> None:
    rec = load("prune/containers_ls")
    rows = prune._json_lines(rec["stdout"])
    assert sorted(r["ID"] for r in rows) == rec["planted"]
    for r in rows:
        assert prune._created(r["CreatedAt"]) is not None
        assert prune.parse_size(r["Size"]) == 0  # "0B (virtual 1.98MB)": the container's own layer
    assert prune._json_lines(load("prune/containers_ls_nothing")["stdout"]) == []


@pytest.mark.parametrize("case", ["images_dangling_ls", "images_all_ls"])
def test_image_listings(case: str) -> None:
    rec = load(f"prune/{case}")
    rows = prune._json_lines(rec["stdout"])
    assert sorted(r["ID"] for r in rows) == sorted(rec["planted"])
    assert all(prune.parse_size(r["Size"]) == 1_980_000 for r in rows)  # "1.98MB"
    assert all(prune._created(r["CreatedAt"]) is not None for r in rows)


def test_disk_usage_has_the_build_cache_row() -> None:
    rows = prune._json_lines(load("prune/system_df")["stdout"])
    assert {r["Type"] for r in rows} == {"Images", "Containers", "Local Volumes", "Build Cache"}
    cache = next(r for r in rows if r["Type"] == "Build Cache")
    assert prune.parse_size(cache["Reclaimable"]) == 0


def test_engine_api_version() -> None:
    assert prune.parse_api_version(load("prune/api_version")["stdout"]) == (1, 41)
    assert prune.parse_api_version("") is None and prune.parse_api_version("garbage") is None


def test_container_prune_output() -> None:
    rec = load("prune/container_prune")
    assert sorted(prune._section(rec["stdout"], "Deleted Containers:")) == rec["planted"]
    assert prune._reclaimed(rec["stdout"]) == 0
    nothing = load("prune/container_prune_nothing")["stdout"]
    assert nothing.strip() == "Total reclaimed space: 0B"
    assert prune._section(nothing, "Deleted Containers:") == []


def test_image_prune_output() -> None:
    rec = load("prune/image_prune")
    lines = prune._section(rec["stdout"], "Deleted Images:")
    assert [ln.partition(": ")[2] for ln in lines] == rec["planted"]
    assert prune._section(load("prune/image_prune_nothing")["stdout"], "Deleted Images:") == []
    rec = load("prune/image_prune_all")
    pairs = [ln.partition(": ") for ln in prune._section(rec["stdout"], "Deleted Images:")]
    assert [p[2] for p in pairs if p[0] == "untagged"] == rec["untagged"]
    assert [p[2] for p in pairs if p[0] == "deleted"] == rec["planted"]


def test_builder_prune_and_daemon_down() -> None:
    rec = load("prune/builder_prune")
    assert rec["exit_status"] == 0 and prune._reclaimed(rec["stdout"]) == 0
    down = load("prune/daemon_down")
    assert down["exit_status"] == 1 and "Cannot connect to the Docker daemon" in down["stderr"]


@pytest.mark.parametrize(("text", "size"), [("1.98MB", 1_980_000), ("0B", 0), ("800kB (66%)", 800_000),
                                            ("2GiB", 2 * 1024**3), ("", 0)])
def test_parse_size(text: str, size: int) -> None:
    assert prune.parse_size(text) == size
