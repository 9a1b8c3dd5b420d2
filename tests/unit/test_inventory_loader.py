"""Where the inventory comes from, and what its errors say."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

import dozor.inventory as inventory_pkg
from dozor.inventory import (
    Inventory,
    InventoryError,
    dump_inventory,
    load_inventory,
    parse_dotenv,
    user_inventory_path,
)

REPO = Path(__file__).resolve().parents[2]
ONE_HOST = '[hosts.{name}]\naddress = "{name}.example.com"\n'


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def cwd(tmp_path: Path) -> Path:
    d = tmp_path / "project"
    d.mkdir()
    return d


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    return {"HOME": str(home)}


@pytest.fixture
def everywhere(tmp_path: Path, cwd: Path, home: Path, env: dict[str, str]) -> dict[str, Path]:
    """An inventory at every level of the search order, each with a differently named host."""
    paths = {
        "explicit": write(tmp_path / "explicit.toml", ONE_HOST.format(name="explicit")),
        "envvar": write(tmp_path / "envvar.toml", ONE_HOST.format(name="envvar")),
        "cwd": write(cwd / "fleet.toml", ONE_HOST.format(name="cwd")),
        "user": write(home / ".config" / "dozor" / "fleet.toml", ONE_HOST.format(name="user")),
        "dotenv": write(cwd / ".env", "SERVER_HOST=dotenv.example.com\n"),
    }
    env["DOZOR_INVENTORY"] = str(paths["envvar"])
    return paths


def only_host(inv: Inventory) -> str:
    assert len(inv.hosts) == 1
    return next(iter(inv.hosts))


# --- precedence --------------------------------------------------------------------------------


def test_explicit_path_wins(everywhere: dict[str, Path], env: dict[str, str], cwd: Path) -> None:
    inv = load_inventory(everywhere["explicit"], env=env, cwd=cwd)
    assert only_host(inv) == "explicit"
    assert inv.source == f"file:{everywhere['explicit'].resolve()}"


def test_explicit_relative_path_is_under_cwd(cwd: Path, env: dict[str, str]) -> None:
    write(cwd / "inv" / "a.toml", ONE_HOST.format(name="rel"))
    assert only_host(load_inventory("inv/a.toml", env=env, cwd=cwd)) == "rel"


def test_explicit_tilde_path_uses_env_home(home: Path, cwd: Path, env: dict[str, str]) -> None:
    write(home / "my.toml", ONE_HOST.format(name="tilde"))
    assert only_host(load_inventory("~/my.toml", env=env, cwd=cwd)) == "tilde"


def test_dozor_inventory_comes_second(everywhere: dict[str, Path], env: dict[str, str], cwd: Path) -> None:
    assert only_host(load_inventory(env=env, cwd=cwd)) == "envvar"


def test_cwd_fleet_toml_comes_third(everywhere: dict[str, Path], env: dict[str, str], cwd: Path) -> None:
    del env["DOZOR_INVENTORY"]
    inv = load_inventory(env=env, cwd=cwd)
    assert only_host(inv) == "cwd"
    assert inv.source == f"file:{(cwd / 'fleet.toml').resolve()}"


def test_user_config_comes_fourth(everywhere: dict[str, Path], env: dict[str, str], cwd: Path) -> None:
    del env["DOZOR_INVENTORY"]
    everywhere["cwd"].unlink()
    assert only_host(load_inventory(env=env, cwd=cwd)) == "user"


def test_xdg_config_home_is_honoured(tmp_path: Path, cwd: Path, env: dict[str, str]) -> None:
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    write(tmp_path / "xdg" / "dozor" / "fleet.toml", ONE_HOST.format(name="xdg"))
    assert user_inventory_path(env) == tmp_path / "xdg" / "dozor" / "fleet.toml"
    assert only_host(load_inventory(env=env, cwd=cwd)) == "xdg"


def test_dotenv_comes_fifth(everywhere: dict[str, Path], env: dict[str, str], cwd: Path) -> None:
    del env["DOZOR_INVENTORY"]
    everywhere["cwd"].unlink()
    everywhere["user"].unlink()
    inv = load_inventory(env=env, cwd=cwd)
    assert only_host(inv) == "dotenv.example.com"
    assert inv.source == "env:SERVER_HOST"


def test_default_is_this_machine_alone(cwd: Path, env: dict[str, str]) -> None:
    inv = load_inventory(env=env, cwd=cwd)
    name = only_host(inv)
    assert name in (socket.gethostname().split(".")[0], "local")
    assert inv.hosts[name].is_local
    assert inv.hosts[name].projects == []
    assert inv.source == "default:local"


def test_default_falls_back_to_local_for_an_odd_hostname(
    monkeypatch: pytest.MonkeyPatch, cwd: Path, env: dict[str, str]
) -> None:
    monkeypatch.setattr(socket, "gethostname", lambda: "")
    assert only_host(load_inventory(env=env, cwd=cwd)) == "local"


def test_missing_explicit_file_is_an_error(tmp_path: Path, env: dict[str, str], cwd: Path) -> None:
    with pytest.raises(InventoryError, match=r"nope\.toml: file not found"):
        load_inventory(tmp_path / "nope.toml", env=env, cwd=cwd)


def test_missing_dozor_inventory_file_is_an_error_not_a_fallthrough(
    everywhere: dict[str, Path], env: dict[str, str], cwd: Path
) -> None:
    env["DOZOR_INVENTORY"] = str(cwd / "gone.toml")
    with pytest.raises(InventoryError, match=r"gone\.toml: file not found \(named by DOZOR_INVENTORY\)"):
        load_inventory(env=env, cwd=cwd)


def test_a_directory_is_not_an_inventory(tmp_path: Path, env: dict[str, str], cwd: Path) -> None:
    with pytest.raises(InventoryError, match="not a regular file"):
        load_inventory(tmp_path, env=env, cwd=cwd)


# --- the seed's SERVER_* variables -------------------------------------------------------------


def test_seed_variables_build_one_host(cwd: Path, env: dict[str, str]) -> None:
    env |= {
        "SERVER_HOST": "203.0.113.5",
        "SERVER_USER": "deploy",
        "SERVER_PORT": "2222",
        "SERVER_SSH_KEY": "~/.ssh/prod",
        "SERVER_COMPOSE_PATH": "/srv/My_Shop/",
        "SERVER_SERVICES": "web, worker,,db ",
        "SERVER_TIMEOUT": "90",
    }
    inv = load_inventory(env=env, cwd=cwd)
    host = inv.resolve("203.0.113.5")
    assert (host.address, host.user, host.port) == ("203.0.113.5", "deploy", 2222)
    assert host.identity_files == ["~/.ssh/prod"]
    [project] = host.projects
    assert (project.name, project.path, project.services) == ("my_shop", "/srv/My_Shop/", ["web", "worker", "db"])
    # The host and fleet layers grow so they never cut a long command short.
    assert (host.timeouts.command, host.timeouts.host, host.timeouts.fleet) == (90, 90, 120)


def test_seed_local_means_local_execution(cwd: Path, env: dict[str, str]) -> None:
    inv = load_inventory(env=env | {"SERVER_HOST": "local"}, cwd=cwd)
    assert inv.hosts[only_host(inv)].is_local


def test_seed_address_that_is_no_valid_name_gets_a_neutral_name(cwd: Path, env: dict[str, str]) -> None:
    inv = load_inventory(env=env | {"SERVER_HOST": "2001:db8::5"}, cwd=cwd)
    assert inv.hosts["server"].address == "2001:db8::5"


def test_environment_wins_over_dotenv(cwd: Path, env: dict[str, str]) -> None:
    write(cwd / ".env", "SERVER_HOST=from-file\nSERVER_USER=fileuser\nSERVER_PORT=2200\n")
    inv = load_inventory(env=env | {"SERVER_USER": "envuser"}, cwd=cwd)
    host = inv.resolve("from-file")
    assert (host.user, host.port) == ("envuser", 2200)


def test_seed_needs_server_host(cwd: Path, env: dict[str, str]) -> None:
    inv = load_inventory(env=env | {"SERVER_USER": "deploy"}, cwd=cwd)
    assert inv.source == "default:local"


def test_seed_bad_port_names_the_variable_and_where_it_came_from(cwd: Path, env: dict[str, str]) -> None:
    dotenv = write(cwd / ".env", "SERVER_HOST=web\nSERVER_PORT=99999\n")
    with pytest.raises(InventoryError) as err:
        load_inventory(env=env, cwd=cwd)
    assert str(err.value).startswith(f"{dotenv}: SERVER_PORT: Input should be less than or equal to 65535")


def test_seed_error_names_the_origin_of_the_bad_variable(cwd: Path, env: dict[str, str]) -> None:
    write(cwd / ".env", "SERVER_HOST=web\n")
    with pytest.raises(InventoryError, match=r"^environment: SERVER_PORT: Input should be a valid integer"):
        load_inventory(env=env | {"SERVER_PORT": "ssh"}, cwd=cwd)


def test_seed_bad_timeout(cwd: Path, env: dict[str, str]) -> None:
    with pytest.raises(InventoryError, match=r"^environment: SERVER_TIMEOUT: not a number of seconds: 'soon'"):
        load_inventory(env=env | {"SERVER_HOST": "web", "SERVER_TIMEOUT": "soon"}, cwd=cwd)
    with pytest.raises(InventoryError, match=r"SERVER_TIMEOUT: must be greater than 0"):
        load_inventory(env=env | {"SERVER_HOST": "web", "SERVER_TIMEOUT": "0"}, cwd=cwd)


def test_seed_services_without_compose_path(cwd: Path, env: dict[str, str]) -> None:
    with pytest.raises(InventoryError, match="SERVER_SERVICES: needs SERVER_COMPOSE_PATH"):
        load_inventory(env=env | {"SERVER_HOST": "web", "SERVER_SERVICES": "app"}, cwd=cwd)


# --- .env parsing ------------------------------------------------------------------------------


def test_parse_dotenv() -> None:
    text = "\n".join(
        [
            "# a comment",
            "",
            "PLAIN=value",
            "SPACED = spaced value  ",
            "export EXPORTED=yes",
            "INLINE=value # a comment",
            "HASH=a#b",
            "SINGLE='it''s # not a comment'",
            "SQ='keep \\n as is' # trailing",
            'DOUBLE="line\\nbreak \\"quoted\\" # kept"  # trailing',
            "EMPTY=",
            "EMPTY_QUOTED=''",
            "not an assignment",
            "1BAD=x",
            "URL=http://h:1/p?a=b",
        ]
    )
    assert parse_dotenv(text) == {
        "PLAIN": "value",
        "SPACED": "spaced value",
        "EXPORTED": "yes",
        "INLINE": "value",
        "HASH": "a#b",
        "SINGLE": "it",
        "SQ": "keep \\n as is",
        "DOUBLE": 'line\nbreak "quoted" # kept',
        "EMPTY": "",
        "EMPTY_QUOTED": "",
        "URL": "http://h:1/p?a=b",
    }


def test_parse_dotenv_last_assignment_wins() -> None:
    assert parse_dotenv("A=1\nA=2\n") == {"A": "2"}


# --- errors name the file and the key ----------------------------------------------------------


def load_text(tmp_path: Path, text: str) -> Inventory:
    return load_inventory(write(tmp_path / "bad.toml", text), env={}, cwd=tmp_path)


def error_lines(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(InventoryError) as err:
        load_text(tmp_path, text)
    prefix = f"{tmp_path / 'bad.toml'}: "
    lines = str(err.value).splitlines()
    assert all(line.startswith(prefix) for line in lines), lines
    return [line.removeprefix(prefix) for line in lines]


def test_error_names_file_and_dotted_key(tmp_path: Path) -> None:
    assert error_lines(tmp_path, '[hosts.web1]\naddress = "a"\nport = 70000\n') == [
        "hosts.web1.port: Input should be less than or equal to 65535 (got 70000)"
    ]


def test_every_problem_is_reported_with_list_indexes(tmp_path: Path) -> None:
    text = """
[defaults.timeouts]
command = -1
[hosts.web1]
address = "a"
[[hosts.web1.projects]]
name = "ok"
[[hosts.web1.projects]]
name = "not ok"
[hosts.db1]
port = "ssh"
"""
    assert error_lines(tmp_path, text) == [
        "defaults.timeouts.command: Input should be greater than 0 (got -1)",
        "hosts.web1.projects[1].name: project name may hold only letters, digits, '-', '_' and '.'",
        "hosts.db1.port: Input should be a valid integer, unable to parse string as an integer (got 'ssh')",
        "hosts.db1.address: Field required",
    ]


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    text = '[defaults]\nconcurency = 5\n[hosts.web1]\naddress = "a"\nidentity_file = ["k"]\n'
    assert error_lines(tmp_path, text) == [
        "defaults.concurency: unknown key (did you mean 'concurrency'?)",
        "hosts.web1.identity_file: unknown key (did you mean 'identity_files'?)",
    ]


def test_unknown_key_inside_nested_tables(tmp_path: Path) -> None:
    text = """
[hosts.web1]
address = "a"
[hosts.web1.thresholds]
disk_warn = 1
[[hosts.web1.projects]]
name = "p"
service = []
"""
    assert error_lines(tmp_path, text) == [
        "hosts.web1.projects[0].service: unknown key (did you mean 'services'?)",
        "hosts.web1.thresholds.disk_warn: unknown key (did you mean 'disk_warning'?)",
    ]


def test_toml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    [line] = error_lines(tmp_path, '[hosts.web1]\naddress = "a"\nport = \n')
    assert line.startswith("TOML syntax error:") and "line 3" in line and "column" in line


def test_toml_duplicate_host_is_an_error(tmp_path: Path) -> None:
    [line] = error_lines(tmp_path, ONE_HOST.format(name="web1") * 2)
    assert line.startswith("TOML syntax error:")


def test_unknown_group_member_suggests(tmp_path: Path) -> None:
    text = '[groups]\nweb = ["web1", "wbe2"]\n' + ONE_HOST.format(name="web1") + ONE_HOST.format(name="web2")
    assert error_lines(tmp_path, text) == ["groups.web: unknown host 'wbe2' (did you mean web2?)"]


def test_unknown_nested_group(tmp_path: Path) -> None:
    text = '[groups]\nweb = ["web1"]\nall_eu = ["@wb"]\n' + ONE_HOST.format(name="web1")
    assert error_lines(tmp_path, text) == ["groups.all_eu: unknown group or tag '@wb' (did you mean @web?)"]


def test_duplicate_group_member(tmp_path: Path) -> None:
    text = '[groups]\nweb = ["web1", "web1"]\n' + ONE_HOST.format(name="web1")
    assert error_lines(tmp_path, text) == ["groups.web: 'web1' is listed twice"]


def test_duplicate_project_names(tmp_path: Path) -> None:
    text = ONE_HOST.format(name="web1") + '[[hosts.web1.projects]]\nname = "a"\n[[hosts.web1.projects]]\nname = "a"\n'
    assert error_lines(tmp_path, text) == ["hosts.web1.projects: duplicate project name 'a'"]


def test_group_cycle_is_a_load_error(tmp_path: Path) -> None:
    text = '[groups]\na = ["@b"]\nb = ["@c"]\nc = ["@a", "web1"]\n' + ONE_HOST.format(name="web1")
    assert error_lines(tmp_path, text) == ["groups.c: group cycle @a -> @b -> @c -> @a"]


def test_names_that_clash_with_pattern_syntax_are_refused(tmp_path: Path) -> None:
    bad_host = '[hosts."web:1"]\naddress = "a"\n'
    assert error_lines(tmp_path, bad_host)[0].startswith("host name 'web:1' may hold only")
    bad_tag = ONE_HOST.format(name="web1") + 'tags = ["a,b"]\n'
    assert error_lines(tmp_path, bad_tag)[0].startswith("hosts.web1.tags: group/tag name 'a,b' may hold only")


def test_a_file_without_hosts_is_an_error(tmp_path: Path) -> None:
    assert error_lines(tmp_path, "[defaults]\nuser = 'x'\n") == [
        "hosts: no hosts declared; add at least one [hosts.NAME] table"
    ]


# --- export and the shipped examples ----------------------------------------------------------

EXAMPLES = ["fleet.toml.example", "inventories/local.toml", "inventories/example-fleet.toml"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_shipped_examples_load(name: str) -> None:
    inv = load_inventory(REPO / name, env={}, cwd=REPO)
    assert inv.hosts
    for host in inv.hosts:
        inv.resolve(host)


@pytest.mark.parametrize("name", EXAMPLES)
def test_dump_reads_back_the_same_inventory(tmp_path: Path, name: str) -> None:
    inv = load_inventory(REPO / name, env={}, cwd=REPO)
    again = load_inventory(write(tmp_path / "out.toml", dump_inventory(inv)), env={}, cwd=tmp_path)
    assert again.model_dump(exclude={"source"}) == inv.model_dump(exclude={"source"})


def test_fleet_example_sets_every_field() -> None:
    """The commented example is the reference: every model field appears in it."""
    from dozor.inventory import Defaults, Host, Project, Thresholds, Timeouts

    text = (REPO / "fleet.toml.example").read_text()
    for model in (Defaults, Host, Project, Thresholds, Timeouts):
        for field in model.model_fields:
            if model is Host and field == "name":
                continue  # the table key
            # Set as a key (maybe commented out, to show its default) or opened as a table.
            assert re.search(rf"^#? ?{field} =|\.{field}\]+$", text, re.MULTILINE), (model.__name__, field)
    assert 'address = "local"' in text and 'known_hosts = "accept-new"' in text and "read_only = true" in text


def test_dump_of_seed_and_default(cwd: Path, env: dict[str, str]) -> None:
    inv = load_inventory(env=env | {"SERVER_HOST": "web", "SERVER_COMPOSE_PATH": "/srv/app"}, cwd=cwd)
    out = dump_inventory(inv)
    assert out.startswith("# dozor inventory, exported from env:SERVER_HOST")
    assert '[hosts.web]\naddress = "web"' in out and 'name = "app"' in out


def test_public_api_is_pinned() -> None:
    assert sorted(inventory_pkg.__all__) == [
        "Defaults",
        "ENV_INVENTORY",
        "Host",
        "HostSettings",
        "Inventory",
        "InventoryError",
        "KnownHostsPolicy",
        "LOCAL",
        "Project",
        "ResolvedHost",
        "Thresholds",
        "Timeouts",
        "UnknownHostError",
        "default_inventory",
        "dump_inventory",
        "host_names_for_completion",
        "load_inventory",
        "load_inventory_file",
        "parse_dotenv",
        "select_hosts",
        "user_inventory_path",
    ]
