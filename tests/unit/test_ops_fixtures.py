"""The ops collectors' fixtures held against what the recorder knew independently, and what a full comparison
cannot say.

Every case in ``tests/fixtures/ops/<collector>/`` is parsed and compared in full by the generic runner
(``test_collector_fixtures.py``). Here: the recorded argv is the one the code sends; the results agree with
the fixture's ``known`` facts (the deploy ids the recorder started, the ids ``docker inspect`` gave for what it
planted) and with hand-checked readings of the recorded output; a section marker never leaks into a log tail
and a foreign one is no section.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dozor.collectors.registry import discover
from dozor.ops import prune
from dozor.ops.deploy import DEPLOY_STATUS, DeployState
from dozor.transport.base import CommandResult

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ops"
LABEL = "dozor.rec=prune"
OPS = discover("dozor.ops")
CLI20 = "_docker20_cli"  # the same listing with Debian 12's docker.io 20.10 CLI


def load(case: str) -> dict[str, Any]:
    """A recorded fixture, ``<collector>/<case>``."""
    return json.loads((FIXTURES / f"{case}.json").read_text())


def result(fx: dict[str, Any]) -> CommandResult:
    """The recorded command."""
    return CommandResult(argv=fx["argv"], exit_status=fx["exit_status"], stdout=fx["stdout"], stderr=fx["stderr"])


def parsed(case: str) -> Any:
    """The fixture parsed by its collector (found by the folder's name)."""
    return OPS[case.split("/")[0]].parse(result(load(case)))


# ------------------------------------------------------------------------------------------------ argv


# case -> the argv the code builds for it (the recordings filter by the recording's label)
LISTINGS = {
    "prune_disk_usage/planted": prune.disk_usage_argv(),
    "prune_containers/two_stopped": prune.stopped_containers_argv(label=LABEL),
    "prune_images/dangling": prune.images_argv(label=LABEL),
    "prune_images/all": prune.images_argv(all_images=True, label=LABEL),
    "prune_volumes/anonymous": prune.volumes_argv(label=LABEL),
    "prune_container_ids/all": prune.container_ids_argv(),
}
PRUNE_ARGV = {
    **LISTINGS,
    **{case + CLI20: argv for case, argv in LISTINGS.items()},
    "prune_images_in_use/kept_container": None,  # the container's ID is in the argv: checked below
    "prune_images_in_use/kept_container" + CLI20: None,
    "prune_containers/nothing": prune.stopped_containers_argv(label=LABEL),
    "engine_api_version/docker20_engine": prune.engine_api_version_argv(),
    "prune/containers": prune.prune_argv("container", label=LABEL),
    "prune/containers_nothing": prune.prune_argv("container", label=LABEL),
    "prune/daemon_down": prune.prune_argv("container", label=LABEL),
    "prune/images_dangling": prune.prune_argv("image", label=LABEL),
    "prune/images_nothing": prune.prune_argv("image", label=LABEL),
    "prune/images_all": prune.prune_argv("image", images_all=True, label=LABEL),
    "prune/build_cache": prune.prune_argv("build-cache"),
    "prune/volumes": prune.prune_argv("volume", label=LABEL),
}


def test_every_prune_case_is_listed() -> None:
    on_disk = {f"{p.parent.name}/{p.stem}" for p in FIXTURES.glob("*/*.json") if p.parent.name != "deploy_status"}
    assert on_disk == set(PRUNE_ARGV)


@pytest.mark.parametrize("case", sorted(PRUNE_ARGV))
def test_prune_fixtures_record_the_argv_the_code_sends(case: str) -> None:
    argv = load(case)["argv"]
    assert argv == (PRUNE_ARGV[case] or prune.images_in_use_argv(argv[5:]))


@pytest.mark.parametrize("path", sorted((FIXTURES / "deploy_status").glob("*.json")), ids=lambda p: p.stem)
def test_deploy_status_fixtures_record_the_argv_the_code_sends(path: Path) -> None:
    argv = json.loads(path.read_text())["argv"]
    deploy_id, project, n = argv[5:]
    assert argv == DEPLOY_STATUS.argv(deploy_id=deploy_id, project=project, log_bytes=int(n), marker=argv[4])


# ------------------------------------------------------------------------------------------------ deploy status


@pytest.mark.parametrize("path", sorted((FIXTURES / "deploy_status").glob("*.json")), ids=lambda p: p.stem)
def test_the_deploys_are_the_ones_the_recorder_started(path: Path) -> None:
    """The ids parsed are the ids the recorder started (none for an unknown id or a project never deployed)."""
    fx = json.loads(path.read_text())
    got = [s.id for s in DEPLOY_STATUS.parse(result(fx))]
    assert sorted(got) == sorted(fx.get("known", {}).get("deploy_ids", []))
    for s in DEPLOY_STATUS.parse(result(fx)):
        assert fx["argv"][4] not in s.log_tail  # the marker never leaks into a log


@pytest.mark.parametrize(
    ("case", "status", "step", "exit_code", "log_has"),
    [
        ("succeeded", "succeeded", "done", 0, "deploy succeeded (exit 0)"),
        ("failed_up", "failed", "up", 1, "yaml.parser.ParserError"),
        ("failed_git_pull", "failed", "git-pull", 128, "fatal: not a git repository"),
        ("failed_cd", "failed", "cd", 125, "can't cd to"),
        ("running", "running", "up", None, "== "),
        ("lost", "lost", "up", None, "Creating reclost_dep_1"),  # runner killed -9: "running" on disk, not alive
    ],
)
def test_one_deploy(case: str, status: str, step: str, exit_code: int | None, log_has: str) -> None:
    [state] = parsed(f"deploy_status/{case}")
    assert (state.status, state.step, state.exit_code) == (status, step, exit_code)
    assert log_has in state.log_tail
    assert state.started_at is not None
    assert (state.finished_at is None) == (status in ("running", "lost"))
    assert state.done == (status != "running")


def test_latest_of_every_project_and_of_one() -> None:
    by_project = {s.project: s.status for s in parsed("deploy_status/latest_all")}
    assert by_project == {"recok": "succeeded", "recbad": "failed", "recnogit": "failed", "recgone": "failed",
                          "recslow": "succeeded", "reclost": "lost"}
    [one] = parsed("deploy_status/latest_project")
    assert one.project == "recbad"


def test_a_cut_log_is_only_the_tail() -> None:
    [state] = parsed("deploy_status/log_cut")
    assert load("deploy_status/log_cut")["argv"][-1] == "40"
    assert state.status == "succeeded" and len(state.log_tail) <= 40
    assert state.log_tail.endswith("deploy succeeded (exit 0)")


def test_a_foreign_marker_is_not_a_section() -> None:
    fx = load("deploy_status/succeeded")
    argv = list(fx["argv"])
    argv[4] = "@@dozor-ffffffffffffffff"
    assert DEPLOY_STATUS.parse(result({**fx, "argv": argv})) == []
    assert len(parsed("deploy_status/succeeded")) == 1


def test_a_command_without_a_marker_or_that_failed_is_an_error() -> None:
    from dozor.errors import ActionFailed, CollectorError

    fx = load("deploy_status/succeeded")
    with pytest.raises(CollectorError, match="no section marker"):
        DEPLOY_STATUS.parse(result({**fx, "argv": fx["argv"][:4]}))
    with pytest.raises(ActionFailed, match=r"cannot read deploy state \(exit 2\): sh: bad"):
        DEPLOY_STATUS.parse(result({**fx, "exit_status": 2, "stderr": "sh: bad\n"}))


def test_a_fresh_marker_per_status_command() -> None:
    a, b = DEPLOY_STATUS.argv(), DEPLOY_STATUS.argv()
    assert a[4] != b[4] and a[4].startswith("@@dozor-")
    assert DEPLOY_STATUS.argv(log_bytes=10**9)[-1] == "262144" and DEPLOY_STATUS.argv(log_bytes=-5)[-1] == "0"
    assert isinstance(parsed("deploy_status/succeeded")[0], DeployState)


# ------------------------------------------------------------------------------------------------ prune


def test_stopped_containers_listing() -> None:
    rows = parsed("prune_containers/two_stopped")
    assert sorted(r.id for r in rows) == load("prune_containers/two_stopped")["known"]["planted"]
    for r in rows:
        assert r.created is not None
        assert r.size == 0  # "0B (virtual 1.98MB)": the container's own layer
    assert parsed("prune_containers/nothing") == []


@pytest.mark.parametrize("case", ["dangling", "all"])
def test_image_listings(case: str) -> None:
    rows = parsed(f"prune_images/{case}")
    assert sorted(r.id for r in rows) == sorted(load(f"prune_images/{case}")["known"]["planted"])
    assert all(r.size == 1_980_000 for r in rows)  # "1.98MB"
    assert all(r.created is not None for r in rows)
    assert sorted(r.name for r in rows) == ([""] if case == "dangling" else ["", "dozor-test/recprune:1"])


@pytest.mark.parametrize("case", sorted(LISTINGS))
def test_the_20_10_cli_lists_the_same(case: str) -> None:
    """``{{json .}}`` rows: the 20.10 CLI (which prints the word "json" for ``--format json``) lists the same."""
    got = parsed(case)
    assert got and parsed(case + CLI20) == got


def test_container_ids_and_images_in_use() -> None:
    for tag in ("", CLI20):
        assert sorted(parsed(f"prune_container_ids/all{tag}")) == load("prune_container_ids/all")["known"]["containers"]
        fx = load(f"prune_images_in_use/kept_container{tag}")
        assert parsed(f"prune_images_in_use/kept_container{tag}") == fx["known"]["images"]
        assert len(fx["argv"]) == 6  # one container asked, one image answered


def test_only_the_anonymous_volume_is_listed_and_a_volume_prune_names_what_it_removed() -> None:
    assert parsed("prune_volumes/anonymous") == load("prune_volumes/anonymous")["known"]["planted"]
    done = parsed("prune/volumes")
    assert sorted(i.id for i in done.removed) == load("prune/volumes")["known"]["planted"]
    assert all(i.kind == "volume" and i.name == i.id for i in done.removed)


def test_disk_usage_has_the_build_cache_row() -> None:
    rows = parsed("prune_disk_usage/planted")
    assert {r["Type"] for r in rows} == {"Images", "Containers", "Local Volumes", "Build Cache"}
    cache = next(r for r in rows if r["Type"] == "Build Cache")
    assert prune.parse_size(cache["Reclaimable"]) == 0


def test_engine_api_version() -> None:
    assert parsed("engine_api_version/docker20_engine").version == (1, 41)
    assert prune.parse_api_version("") is None and prune.parse_api_version("garbage") is None


def test_container_prune_output() -> None:
    done = parsed("prune/containers")
    assert sorted(i.id for i in done.removed) == [i[:12] for i in load("prune/containers")["known"]["planted"]]
    assert done.space_freed_bytes == 0
    assert load("prune/containers_nothing")["stdout"].strip() == "Total reclaimed space: 0B"
    assert parsed("prune/containers_nothing").removed == []


def test_image_prune_output() -> None:
    planted = load("prune/images_dangling")["known"]["planted"]
    assert [i.id for i in parsed("prune/images_dangling").removed] == [p.removeprefix("sha256:")[:12] for p in planted]
    assert parsed("prune/images_nothing").removed == []
    known = load("prune/images_all")["known"]
    removed = parsed("prune/images_all").removed
    assert [i.name for i in removed if not i.id] == known["untagged"]
    assert [i.id for i in removed if i.id] == [p.removeprefix("sha256:")[:12] for p in known["planted"]]


def test_builder_prune_and_a_command_that_is_no_prune() -> None:
    done = parsed("prune/build_cache")
    assert (done.kind, done.removed, done.space_freed_bytes) == ("build-cache", [], 0)
    from dozor.errors import CollectorError

    with pytest.raises(CollectorError, match="not a docker prune command"):
        prune.PRUNE.parse(CommandResult(argv=["docker", "system", "df"], exit_status=0, stdout=""))


@pytest.mark.parametrize(("text", "size"), [("1.98MB", 1_980_000), ("0B", 0), ("800kB (66%)", 800_000),
                                            ("2GiB", 2 * 1024**3), ("", 0)])
def test_parse_size(text: str, size: int) -> None:
    assert prune.parse_size(text) == size
