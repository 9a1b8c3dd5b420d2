"""Where the inventory comes from: a TOML file, the seed's SERVER_* variables, or this machine alone.

Search order, first hit wins:

1. the ``path`` argument (must exist);
2. ``$DOZOR_INVENTORY`` (must exist);
3. ``./fleet.toml``;
4. ``$XDG_CONFIG_HOME/dozor/fleet.toml`` (``~/.config/dozor/fleet.toml``);
5. ``SERVER_HOST`` and friends, from the environment or ``./.env`` (the environment wins);
6. one host named after this machine, ``address = "local"``, projects discovered from container labels.
"""

from __future__ import annotations

import difflib
import os
import re
import socket
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

import tomli_w
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from dozor.errors import InventoryError  # re-exported: defined with the other errors
from dozor.inventory.models import LOCAL, Inventory, Timeouts

ENV_INVENTORY = "DOZOR_INVENTORY"
FILE_NAME = "fleet.toml"

# The seed's single-host variables, and the host field each one fills (for error messages).
_SEED_FIELDS = {
    "SERVER_HOST": "address",
    "SERVER_USER": "user",
    "SERVER_PORT": "port",
    "SERVER_SSH_KEY": "identity_files",
    "SERVER_COMPOSE_PATH": "path",
    "SERVER_SERVICES": "services",
    "SERVER_TIMEOUT": "command",
}


def load_inventory(
    path: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Inventory:
    """Find and load the inventory (search order in the module docstring); raise ``InventoryError``."""
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else Path(cwd)
    if path is not None:
        return load_inventory_file(_under(cwd, path, env))
    if env.get(ENV_INVENTORY):
        return load_inventory_file(_under(cwd, env[ENV_INVENTORY], env), named_by=ENV_INVENTORY)
    for candidate in (cwd / FILE_NAME, user_inventory_path(env)):
        if candidate.is_file():
            return load_inventory_file(candidate)
    seed = _seed_variables(env, cwd / ".env")
    if seed.get("SERVER_HOST", ("", ""))[0]:
        return _inventory_from_seed(seed)
    return default_inventory()


def user_inventory_path(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/dozor/fleet.toml``, default ``~/.config/dozor/fleet.toml``."""
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(_home(env) / ".config")
    return Path(base) / "dozor" / FILE_NAME


def load_inventory_file(path: str | Path, *, named_by: str | None = None) -> Inventory:
    """Load and validate one TOML inventory file."""
    path = Path(path)
    where = str(path)
    if not path.is_file():
        why = "file not found" if not path.exists() else "not a regular file"
        raise InventoryError(where, [("", why + (f" (named by {named_by})" if named_by else ""))])
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise InventoryError(where, [("", f"TOML syntax error: {e}")]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InventoryError(where, [("", f"cannot read: {e}")]) from None
    inv = _validate(data, where)
    if not inv.hosts:
        raise InventoryError(where, [("hosts", "no hosts declared; add at least one [hosts.NAME] table")])
    inv.source = f"file:{path.resolve()}"
    return inv


def default_inventory() -> Inventory:
    """This machine alone, with no declared projects: every compose project is discovered."""
    return Inventory.model_validate({"hosts": {_machine_name(): {"address": LOCAL}}, "source": f"default:{LOCAL}"})


def dump_inventory(inv: Inventory) -> str:
    """The inventory as TOML that ``load_inventory`` reads back (defaults and empty fields left out)."""
    data = inv.model_dump(mode="json", exclude_none=True, exclude_defaults=True, exclude={"source"})
    for host in data.get("hosts", {}).values():
        host.pop("name", None)
    header = f"# dozor inventory, exported from {inv.source}\n\n" if inv.source else ""
    return header + tomli_w.dumps(data)


def parse_dotenv(text: str) -> dict[str, str]:
    """Parse ``KEY=VALUE`` lines: ``#`` comments, optional ``export``, single or double quotes.

    Lines that are not assignments are skipped, as docker compose and python-dotenv do.
    """
    out: dict[str, str] = {}
    for line in text.splitlines():
        m = _DOTENV_LINE.match(line)
        if m:
            out[m["key"]] = _dotenv_value(m["value"])
    return out


_DOTENV_LINE = re.compile(r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>.*?)\s*$")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _dotenv_value(raw: str) -> str:
    if raw[:1] == "'":
        end = raw.find("'", 1)
        return raw[1:end] if end > 0 else raw[1:]
    if raw[:1] == '"':
        out, i = [], 1
        while i < len(raw) and raw[i] != '"':
            if raw[i] == "\\" and i + 1 < len(raw):
                i += 1
                out.append(_ESCAPES.get(raw[i], "\\" + raw[i]))
            else:
                out.append(raw[i])
            i += 1
        return "".join(out)
    # Unquoted: a '#' starts a comment only after whitespace, so 'a#b' stays a value.
    return re.split(r"\s+#", raw, maxsplit=1)[0].strip()


def load_seed_inventory(env: Mapping[str, str] | None = None, *, cwd: str | Path | None = None) -> Inventory:
    """The one-host inventory of the seed's ``SERVER_*`` variables (``./.env``, the environment over it).

    Unlike ``load_inventory`` this never picks up a ``fleet.toml``: the variables are the contract.
    Raises ``InventoryError`` when ``SERVER_HOST`` is unset or a variable is invalid.
    """
    env = os.environ if env is None else env
    base = Path.cwd() if cwd is None else Path(cwd)
    seed = _seed_variables(env, base / ".env")
    if not seed.get("SERVER_HOST", ("", ""))[0].strip():
        raise InventoryError("environment", [("SERVER_HOST", "not set (neither in the environment nor ./.env)")])
    return _inventory_from_seed(seed)


def _seed_variables(env: Mapping[str, str], dotenv: Path) -> dict[str, tuple[str, str]]:
    """SERVER_* values with where each came from: ``./.env`` first, the environment over it."""
    found: dict[str, tuple[str, str]] = {}
    if dotenv.is_file():
        try:
            values = parse_dotenv(dotenv.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as e:
            raise InventoryError(str(dotenv), [("", f"cannot read: {e}")]) from None
        found.update((k, (v, str(dotenv))) for k, v in values.items() if k in _SEED_FIELDS)
    found.update((k, (env[k], "environment")) for k in _SEED_FIELDS if k in env)
    return found


def _inventory_from_seed(seed: dict[str, tuple[str, str]]) -> Inventory:
    value = {k: v.strip() for k, (v, _) in seed.items()}
    where = seed["SERVER_HOST"][1]
    address = value["SERVER_HOST"]
    name = _machine_name() if address == LOCAL else _seed_host_name(address)
    host: dict[str, Any] = {"address": address}
    if value.get("SERVER_USER"):
        host["user"] = value["SERVER_USER"]
    if value.get("SERVER_PORT"):
        host["port"] = value["SERVER_PORT"]
    if value.get("SERVER_SSH_KEY"):
        host["identity_files"] = [value["SERVER_SSH_KEY"]]
    services = [s.strip() for s in value.get("SERVER_SERVICES", "").split(",") if s.strip()]
    compose_path = value.get("SERVER_COMPOSE_PATH", "")
    if compose_path:
        host["projects"] = [{"name": _compose_project_name(compose_path), "path": compose_path, "services": services}]
    elif services:
        raise InventoryError(
            seed["SERVER_SERVICES"][1], [("SERVER_SERVICES", "needs SERVER_COMPOSE_PATH to know which project")]
        )
    data: dict[str, Any] = {"hosts": {name: host}, "source": "env:SERVER_HOST"}
    if value.get("SERVER_TIMEOUT"):
        data["defaults"] = {"timeouts": _seed_timeouts(value["SERVER_TIMEOUT"], seed["SERVER_TIMEOUT"][1])}
    try:
        return Inventory.model_validate(data)
    except ValidationError as e:
        field_var = {field: var for var, field in _SEED_FIELDS.items()}
        problems = []
        for err in e.errors():
            var = next((field_var[p] for p in reversed(err["loc"]) if p in field_var), "")
            problems.append((var, _problem(err)))
        origins = sorted({seed[var][1] for var, _ in problems if var in seed}) or [where]
        raise InventoryError(" and ".join(origins), problems) from None


def _seed_timeouts(raw: str, where: str) -> dict[str, float]:
    try:
        command = float(raw)
    except ValueError:
        raise InventoryError(where, [("SERVER_TIMEOUT", f"not a number of seconds: {raw!r}")]) from None
    if command <= 0:
        raise InventoryError(where, [("SERVER_TIMEOUT", f"must be greater than 0, got {raw!r}")])
    # Keep the outer layers at least as long as one command, or they would cut it short.
    d = Timeouts()
    host = max(d.host, command)
    return {"command": command, "host": host, "fleet": max(d.fleet, host)}


def _seed_host_name(address: str) -> str:
    # An IPv6 address or a user@host alias is no valid name; fall back to a neutral one.
    return address if re.fullmatch(r"\w[\w.-]*", address) else "server"


def _compose_project_name(path: str) -> str:
    """Docker compose's default project name: the directory name, lowercased, [a-z0-9_-] only."""
    name = re.sub(r"[^a-z0-9_-]", "", Path(path.rstrip("/")).name.lower()).lstrip("_-")
    return name or "default"


def _machine_name() -> str:
    name = socket.gethostname().split(".")[0]
    return name if re.fullmatch(r"\w[\w-]*", name) else LOCAL


def _home(env: Mapping[str, str]) -> Path:
    return Path(env["HOME"]) if env.get("HOME") else Path.home()


def _under(cwd: Path, path: str | Path, env: Mapping[str, str]) -> Path:
    p = Path(path)
    if p.parts and p.parts[0] == "~":
        p = _home(env).joinpath(*p.parts[1:])
    return p if p.is_absolute() else cwd / p


def _validate(data: dict[str, Any], where: str) -> Inventory:
    try:
        return Inventory.model_validate(data)
    except ValidationError as e:
        raise InventoryError(where, [(_dotted(err["loc"]), _problem(err)) for err in e.errors()]) from None


def _dotted(loc: tuple[int | str, ...]) -> str:
    """``('hosts', 'web1', 'projects', 0, 'name')`` -> ``hosts.web1.projects[0].name``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            key = part if re.fullmatch(r"[\w-]+", part) else f'"{part}"'
            out += f".{key}" if out else key
    return out


def _problem(err: ErrorDetails) -> str:
    """One pydantic error as a sentence, with the offending value and, for a typo, the likely key."""
    if err["type"] == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"]))
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        model = _model_at(err["loc"][:-1])
        allowed = [f for f in model.model_fields if f not in ("name", "source")] if model else []
        close = difflib.get_close_matches(str(err["loc"][-1]), allowed, n=1)
        return "unknown key" + (f" (did you mean {close[0]!r}?)" if close else "")
    if err["type"] != "missing" and not isinstance(err.get("input"), dict | list):
        msg += f" (got {err['input']!r})"
    return msg


def _model_at(loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The model class whose table sits at ``loc`` inside an inventory, if any."""
    ann: Any = Inventory
    for part in loc:
        ann = _unwrap_optional(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            field = ann.model_fields.get(str(part))
            if field is None:
                return None
            ann = field.annotation
        elif get_origin(ann) in (dict, list):
            ann = get_args(ann)[-1]
        else:
            return None
    ann = _unwrap_optional(ann)
    return ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None


def _unwrap_optional(ann: Any) -> Any:
    if get_origin(ann) in (Union, UnionType):
        return next(a for a in get_args(ann) if a is not type(None))
    return ann
