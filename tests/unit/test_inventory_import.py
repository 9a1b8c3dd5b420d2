"""``dozor inventory import``: ssh_config and Ansible (INI, YAML) inventories to a fleet.toml that dozor's
own loader reads back, with everything left out said on stderr. Samples: tests/fixtures/inventory_import."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dozor.cli.app import app
from dozor.errors import InventoryError
from dozor.inventory.imports.ansible import expand_range, import_ansible, parse_ini, parse_yaml, to_inventory
from dozor.inventory.imports.ssh_config import import_ssh_config, parse_ssh_config
from dozor.inventory.loader import load_inventory_file

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "inventory_import"


def invoke(*args: str):
    return CliRunner(env={"DOZOR_INVENTORY": None}).invoke(app, list(args))


def round_trip(tmp_path: Path, text: str):
    out = tmp_path / "fleet.toml"
    out.write_text(text)
    return load_inventory_file(out)


# ---------------------------------------------------------------------------------------------- ansible INI


def test_ansible_ini_hosts_groups_children_vars(tmp_path: Path) -> None:
    imported = import_ansible(SAMPLES / "ansible_hosts.ini")
    inv = round_trip(tmp_path, imported.to_toml())
    assert list(inv.hosts) == [
        "bastion.example.com", "web01.example.com", "web02.example.com", "web03.example.com", "web-canary",
        "db-1", "db-2", "control",
    ]
    assert inv.groups == {
        "web": ["web01.example.com", "web02.example.com", "web03.example.com", "web-canary"],
        "db": ["db-1", "db-2"],
        "local": ["control"],
        "prod": ["@web", "@db"],
    }
    assert inv.defaults.port == 22  # [all:vars]

    def eff(name: str) -> tuple:
        r = inv.resolve(name)
        return r.address, r.user, r.port, r.identity_files

    key = ["~/.ssh/prod_ed25519"]
    assert eff("bastion.example.com") == ("bastion.example.com", "jump", 22, [])  # ungrouped
    assert eff("web01.example.com") == ("web01.example.com", "deploy", 22, key)  # [web:vars] beats [prod:vars]
    assert eff("web-canary") == ("10.20.0.19", "deploy", 2222, key)
    assert eff("db-1") == ("10.20.0.21", "postgres", 22, key)  # host var beats group vars
    assert eff("db-2") == ("10.20.0.22", "ops", 2200, key)  # host:port
    assert inv.hosts["control"].is_local
    assert inv.resolve("web02.example.com").groups == ["prod", "web"]
    assert imported.dropped == [
        "variable http_port dropped (group web): dozor has no such setting",
        "variable ansible_python_interpreter dropped (group prod): dozor has no such setting",
        "variable ntp_server dropped (group all): dozor has no such setting",
        "variable ansible_become dropped (host db-1): dozor has no such setting",
    ]


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("[web]\nweb1 ansible_port\n", "line 2", "expected key=value after the host name"),
        ("[web:vars]\nansible_user\n", "line 2", "[web:vars] expects key=value"),
        ("[web:child]\nweb1\n", "line 1", "unknown section kind ':child'"),
        ("# x\n[web\nweb1\n", "line 2", "bad section header"),
        ("[web]\nweb[5:x]\n", "line 2", "bad host range"),
        ("[web]\nweb1 ansible_host='10.0.0.1\n", "line 2", "No closing quotation"),
        ("[prod:children]\nweb db\n", "line 2", "expects one group name"),
    ],
)
def test_ansible_ini_errors_name_the_line(text: str, line: str, problem: str) -> None:
    with pytest.raises(InventoryError) as info:
        parse_ini(text, "hosts.ini")
    assert info.value.where == "hosts.ini" and info.value.problems[0][0] == line
    assert problem in info.value.problems[0][1]


def test_ansible_ranges() -> None:
    assert expand_range("web[01:03].x", "", "") == ["web01.x", "web02.x", "web03.x"]
    assert expand_range("db-[a:c]", "", "") == ["db-a", "db-b", "db-c"]
    assert expand_range("n[0:10:5]", "", "") == ["n0", "n5", "n10"]
    assert expand_range("r[1:2]-[a:b]", "", "") == ["r1-a", "r1-b", "r2-a", "r2-b"]


# --------------------------------------------------------------------------------------------- ansible YAML


def test_ansible_yaml_nested_children(tmp_path: Path) -> None:
    imported = import_ansible(SAMPLES / "ansible_hosts.yml")
    inv = round_trip(tmp_path, imported.to_toml())
    assert list(inv.hosts) == [
        "monitor", "eu-web-a", "eu-web-b", "eu-web-c", "eu-db-1", "us-web-1", "us-web-4", "localhost",
    ]
    assert inv.groups["eu"] == ["@eu_web", "@eu_db"] and inv.groups["us_web"] == ["us-web-1", "us-web-4"]
    assert inv.members("eu") == ["eu-web-a", "eu-web-b", "eu-web-c", "eu-db-1"]
    assert inv.defaults.user == "deploy"  # all.vars
    web = inv.resolve("eu-web-b")
    assert (web.address, web.user, web.port, web.identity_files) == ("eu-web-b", "www", 2201, ["~/.ssh/eu"])
    db = inv.resolve("eu-db-1")
    assert (db.address, db.user, db.identity_files) == ("10.40.0.21", "deploy", ["~/.ssh/eu"])
    assert inv.resolve("monitor").address == "10.30.0.5" and inv.hosts["localhost"].is_local
    assert imported.dropped == [
        "variable timezone dropped (group all): dozor has no such setting",
        "variable ansible_become dropped (host eu-db-1): dozor has no such setting",
    ]


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ("all:\n  hosts:\n    a: 1\n", "all.hosts.a", "host variables must be a mapping"),
        ("all:\n  children:\n    web:\n      host:\n        a:\n", "all.children.web.host", "unknown key"),
        ("all:\n  hosts: [a, b]\n", "all.hosts", "must be a mapping"),
        ("all:\n  hosts:\n    a: {x: [}\n", "line 3", "YAML error"),
        ("- a\n- b\n", "", "expected a mapping of group names"),
    ],
)
def test_ansible_yaml_errors_name_the_key(text: str, where: str, problem: str) -> None:
    with pytest.raises(InventoryError) as info:
        parse_yaml(text, "hosts.yml")
    assert info.value.problems[0][0] == where and problem in info.value.problems[0][1]


def test_ansible_invalid_names_are_skipped_and_said() -> None:
    parsed = parse_ini("[web]\nweb1\nfe80::1 ansible_user=x\n[bad@group]\nweb1\n", "h.ini")
    imported = to_inventory(parsed, "h.ini")
    assert list(imported.data["hosts"]) == ["web1"]
    assert any("'fe80::1' skipped" in d for d in imported.dropped)
    assert any("group 'bad@group' skipped" in d for d in imported.dropped)
    imported.inventory()


# ----------------------------------------------------------------------------------------------- ssh_config


def test_ssh_config_hosts_wildcards_match(tmp_path: Path) -> None:
    imported = import_ssh_config(SAMPLES / "ssh_config")
    data = tomllib.loads(imported.to_toml())
    assert data["defaults"] == {"ssh_config": [str(SAMPLES / "ssh_config")]}
    assert data["hosts"] == {
        "bastion": {"address": "bastion.example.com", "user": "jump", "identity_files": ["~/.ssh/id_ed25519"]},
        # Host web1 web2 first: its User wins over the later block's; IdentityFile adds up
        "web1": {"address": "10.20.0.11", "user": "deploy", "identity_files": ["~/.ssh/fleet", "~/.ssh/fleet_old"]},
        "web2": {"address": "10.20.0.12", "user": "deploy", "port": 2222,
                 "identity_files": ["~/.ssh/fleet", "~/.ssh/fleet_old"]},
        "db-1": {"address": "db-1"},  # ProxyJump: the alias stays, ssh_config supplies the rest
        "pi": {"address": "pi.local"},  # %h expanded
    }
    assert imported.dropped == [
        "line 2: Include not followed: ~/.ssh/config.d/*",
        "line 3: ServerAliveInterval before any Host skipped (applies to every host via ssh_config)",
        "line 28: Host pattern '*.internal' skipped (it still applies through ssh_config)",
        "line 28: Host pattern '!secret.internal' skipped (it still applies through ssh_config)",
        "line 31: Match block skipped (it still applies through ssh_config): "
        'Match host *.corp exec "test -f /tmp/vpn"',
        "line 37: Host pattern '*' skipped (it still applies through ssh_config)",
        "db-1: HostName 10.20.0.21, ProxyJump, ForwardAgent left to ssh_config (address kept as the alias 'db-1')",
    ]
    inv = round_trip(tmp_path, imported.to_toml())
    assert list(inv.hosts) == ["bastion", "web1", "web2", "db-1", "pi"]


def test_ssh_config_default_file_is_not_repeated() -> None:
    imported = parse_ssh_config("Host a\n  HostName 10.0.0.1\n", "~/.ssh/config")
    assert "defaults" not in imported.data


def test_ssh_config_errors_name_the_line() -> None:
    with pytest.raises(InventoryError) as info:
        parse_ssh_config("Host a\n  Port twenty\n", "cfg")
    assert info.value.problems == [("line 2", "Port must be a number 1..65535, got 'twenty'")]
    with pytest.raises(InventoryError, match="no host to import"):
        parse_ssh_config("Host *\n  User x\n", "cfg").to_toml()


# ------------------------------------------------------------------------------------------------------ CLI


def test_cli_import_to_stdout_and_file(tmp_path: Path) -> None:
    r = invoke("inventory", "import", "--ansible", str(SAMPLES / "ansible_hosts.ini"))
    assert r.exit_code == 0, r.output
    assert round_trip(tmp_path, r.stdout).hosts["db-2"].port == 2200
    assert "left out: variable ansible_become dropped (host db-1)" in r.stderr
    assert "8 host(s), 4 group(s)" in r.stderr
    out = tmp_path / "new.toml"
    r = invoke("inventory", "import", "--ssh-config", str(SAMPLES / "ssh_config"), "-o", str(out))
    assert r.exit_code == 0 and not r.stdout and "Match block skipped" in r.stderr
    assert list(load_inventory_file(out).hosts) == ["bastion", "web1", "web2", "db-1", "pi"]
    before = out.read_text()
    r = invoke("inventory", "import", "--ansible", str(SAMPLES / "ansible_hosts.yml"), "-o", str(out))
    assert r.exit_code == 2 and "exists; use --force" in r.stderr and out.read_text() == before
    r = invoke("inventory", "import", "--ansible", str(SAMPLES / "ansible_hosts.yml"), "-o", str(out), "--force")
    assert r.exit_code == 0 and "monitor" in load_inventory_file(out).hosts


def test_cli_import_usage_and_errors(tmp_path: Path) -> None:
    assert invoke("inventory", "import").exit_code == 2
    both = invoke("inventory", "import", "--ssh-config", "--ansible", "x")
    assert both.exit_code == 2 and "one of them" in both.stderr
    bad = tmp_path / "hosts.ini"
    bad.write_text("[web]\nweb1 port\n")
    r = invoke("inventory", "import", "--ansible", str(bad))
    assert r.exit_code == 2 and f"{bad}: line 2: expected key=value" in " ".join(r.stderr.split())
