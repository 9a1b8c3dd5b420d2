"""``dozor inventory schema`` and ``dozor inventory check``: the schema accepts every shipped inventory;
check prints each host's effective settings and fails like the loader (exit 2, file and key named)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from dozor.cli.app import app
from dozor.inventory.models import Inventory
from dozor.inventory.schema import DRAFT, inventory_schema, schema_json

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [ROOT / "fleet.toml.example", *sorted((ROOT / "inventories").glob("*.toml"))]


def invoke(*args: str):
    return CliRunner(env={"COLUMNS": "200", "DOZOR_INVENTORY": None, "DOZOR_HOST": None}).invoke(app, list(args))


def test_schema_is_draft7_with_descriptions() -> None:
    schema = inventory_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["$schema"] == DRAFT
    assert set(schema["properties"]) == {"defaults", "groups", "hosts"}  # no loader bookkeeping (source)
    host = schema["$defs"]["Host"]
    assert host["required"] == ["address"] and "name" not in host["properties"]
    assert host["additionalProperties"] is False
    for model in ("Defaults", "Host", "Timeouts", "Thresholds", "Project"):
        for field, spec in schema["$defs"][model]["properties"].items():
            assert spec.get("description"), f"{model}.{field} has no description"
    assert schema["$defs"]["Host"]["properties"]["port"] == {
        "maximum": 65535, "minimum": 1, "type": "integer",
        "description": "SSH port; default from ssh config or 22.", "title": "Port",
    }
    assert "null" not in schema_json()  # TOML has no null: optional fields are plain
    assert json.loads(schema_json()) == schema and schema_json() == schema_json()


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_schema_validates_shipped_inventories(path: Path) -> None:
    data = tomllib.loads(path.read_text())
    jsonschema.Draft7Validator(inventory_schema()).validate(data)
    Inventory.model_validate(data)  # and the loader's models agree


def test_schema_rejects_what_the_loader_rejects() -> None:
    v = jsonschema.Draft7Validator(inventory_schema())
    for bad in (
        {"hosts": {"a": {"address": "x", "prot": 22}}},
        {"hosts": {"a": {"address": "x", "port": 70000}}},
        {"hosts": {"a": {"user": "x"}}},
        {"hosts": {"bad name": {"address": "x"}}},
        {"defaults": {"known_hosts": "yes"}},
        {"defaults": {"timeouts": {"connect": 0}}},
    ):
        assert list(v.iter_errors(bad)), bad


def test_schema_command_prints_and_writes(tmp_path: Path) -> None:
    r = invoke("inventory", "schema")
    assert r.exit_code == 0 and json.loads(r.stdout) == inventory_schema()
    out = tmp_path / "fleet.schema.json"
    assert invoke("inventory", "schema", "-o", str(out)).exit_code == 0
    assert out.read_text() == schema_json()


SSH_CONFIG = """\
Host staging-vm
    HostName 192.168.50.7
    User ubuntu
    ProxyJump bastion.example.com
    IdentityFile ~/.ssh/staging_ed25519

Host *
    Port 2200
"""

FLEET = """\
[defaults]
user = "deploy"
identity_files = ["~/.ssh/fleet_ed25519"]
ssh_config = ["{cfg}"]

[defaults.timeouts]
connect = 8
command = 30
host = 90
fleet = 180

[groups]
web = ["web-1"]
prod = ["@web", "db-1"]

[hosts.web-1]
address = "10.20.0.11"
port = 22

[hosts.db-1]
address = "10.20.0.21"
user = "postgres"
read_only = true
[hosts.db-1.timeouts]
connect = 3
command = 10
host = 20
fleet = 40

[hosts.staging]
address = "staging-vm"
identity_files = []
ssh_config = ["{cfg}"]

[hosts.here]
address = "local"
"""


def write_fleet(tmp_path: Path) -> Path:
    cfg = tmp_path / "ssh_config"
    cfg.write_text(SSH_CONFIG)
    fleet = tmp_path / "fleet.toml"
    fleet.write_text(FLEET.format(cfg=cfg))
    return fleet


def test_check_prints_effective_settings_as_json(tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path)
    r = invoke("--json", "inventory", "check", str(fleet))
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["source"] == f"file:{fleet.resolve()}"
    hosts = {h["name"]: h for h in data["hosts"]}
    assert list(hosts) == ["web-1", "db-1", "staging", "here"]
    web = hosts["web-1"]
    assert (web["hostname"], web["user"], web["port"], web["identity_files"]) == (
        "10.20.0.11", "deploy", 22, ["~/.ssh/fleet_ed25519"])
    assert web["timeouts"] == {"connect": 8.0, "command": 30.0, "host": 90.0, "fleet": 180.0}
    assert web["groups"] == ["prod", "web"] and web["from_ssh_config"] == []
    db = hosts["db-1"]
    assert (db["user"], db["port"], db["read_only"]) == ("postgres", 2200, True)  # port from Host *
    assert db["timeouts"] == {"connect": 3.0, "command": 10.0, "host": 20.0, "fleet": 40.0}
    assert db["from_ssh_config"] == ["port"] and db["groups"] == ["prod"]
    st = hosts["staging"]  # an ssh_config alias: HostName, ProxyJump, IdentityFile come from the file
    assert (st["hostname"], st["user"], st["port"], st["proxy_jump"]) == (
        "192.168.50.7", "deploy", 2200, "bastion.example.com")  # the inventory's user wins over the file's
    assert st["identity_files"] == ["~/.ssh/staging_ed25519"]
    assert st["from_ssh_config"] == ["hostname", "port", "identity_files", "proxy_jump"]
    assert hosts["here"]["local"] is True and hosts["here"]["port"] is None


def test_check_prints_a_table(tmp_path: Path) -> None:
    r = invoke("inventory", "check", str(write_fleet(tmp_path)))
    assert r.exit_code == 0, r.output
    for text in ("web-1", "10.20.0.11", "deploy", "~/.ssh/fleet_ed25519", "8/30/90/180", "3/10/20/40",
                 "192.168.50.7", "alias staging-vm", "bastion.example.com", "local (no SSH)", "read-only"):
        assert text in r.stdout, text


def test_check_uses_the_root_inventory_option(tmp_path: Path) -> None:
    r = invoke("--json", "-i", str(write_fleet(tmp_path)), "inventory", "check")
    assert r.exit_code == 0 and len(json.loads(r.stdout)["hosts"]) == 4


@pytest.mark.parametrize(
    ("body", "key", "problem"),
    [
        ('[hosts.a]\naddress = "x"\nprot = 22\n', "hosts.a.prot", "unknown key (did you mean 'port'?)"),
        ('[hosts.a]\naddress = "x"\nport = "ssh"\n', "hosts.a.port", "valid integer"),
        ('[groups]\nweb = ["a", "b"]\n[hosts.a]\naddress = "x"\n', "groups", "groups.web: unknown host 'b'"),
        ('[defaults]\nssh_config = ["/nonexistent/ssh_config"]\n[hosts.a]\naddress = "x"\n',
         "defaults.ssh_config", "/nonexistent/ssh_config: file not found"),
    ],
)
def test_check_fails_with_file_and_key(tmp_path: Path, body: str, key: str, problem: str) -> None:
    bad = tmp_path / "fleet.toml"
    bad.write_text(body)
    r = invoke("inventory", "check", str(bad))
    assert r.exit_code == 2
    err = " ".join(r.stderr.split())  # rich may wrap the line
    assert f"{bad}: {key}" in err and problem in err and not r.stdout


def test_check_missing_file() -> None:
    r = invoke("inventory", "check", "/nonexistent/fleet.toml")
    assert r.exit_code == 2 and "/nonexistent/fleet.toml: file not found" in " ".join(r.stderr.split())


def test_schema_directive_line_loads(tmp_path: Path) -> None:
    """The editor directive is a TOML comment: the loader reads the file as before."""
    fleet = tmp_path / "fleet.toml"
    fleet.write_text("#:schema ./fleet.schema.json\n" + (ROOT / "inventories" / "example-fleet.toml").read_text())
    from dozor.inventory.loader import load_inventory_file

    assert len(load_inventory_file(fleet).hosts) == 5


def test_check_host_selection_narrows_the_output(tmp_path: Path) -> None:
    fleet = str(write_fleet(tmp_path))
    r = invoke("--json", "-H", "@prod", "inventory", "check", fleet)
    assert r.exit_code == 0 and [h["name"] for h in json.loads(r.stdout)["hosts"]] == ["web-1", "db-1"]
    r = invoke("-H", "nosuch", "inventory", "check", fleet)
    assert r.exit_code == 2 and "nosuch" in r.stderr
