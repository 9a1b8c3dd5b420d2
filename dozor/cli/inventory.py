"""``dozor inventory``: the inventory's JSON Schema, a check of what each host will use, imports from elsewhere.

Nothing here connects to a host. A bad inventory exits 2 with the loader's messages (file: key: problem).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from dozor.cli.context import fail, options

app = typer.Typer(
    name="inventory",
    help="The inventory itself: its JSON Schema, a check of every host's effective settings, imports.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command("schema")
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write it to this file (e.g. fleet.schema.json).")
    ] = None,
) -> None:
    """Print the JSON Schema of fleet.toml (for editors: put '#:schema ./fleet.schema.json' atop fleet.toml)."""
    from dozor.inventory.schema import schema_json

    text = schema_json()
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror or exc}") from None


@app.command("check")
def check(
    ctx: typer.Context,
    file: Annotated[
        str | None,
        typer.Argument(help="Inventory file. Default: --inventory, else the usual search (./fleet.toml...)."),
    ] = None,
) -> None:
    """Validate the inventory and print what every host will use: address, user, port, keys, timeouts, groups."""
    from dozor.inventory.effective import effective_hosts
    from dozor.inventory.loader import InventoryError, load_inventory
    from dozor.inventory.selector import UnknownHostError, select_hosts

    opts = options(ctx)
    try:
        inv = load_inventory(file if file is not None else opts.inventory)
        hosts = effective_hosts(inv)  # every host is checked; --host only narrows what is shown
        if opts.host:
            shown = set(select_hosts(inv, opts.host))
            hosts = [h for h in hosts if h.name in shown]
    except (InventoryError, UnknownHostError) as exc:
        raise fail(str(exc)) from None
    if opts.json:
        data = {"source": inv.source, "hosts": [h.model_dump(mode="json") for h in hosts]}
        typer.echo(json.dumps(data, indent=2))
        return
    _check_table(inv.source, hosts)


def _check_table(source: str, hosts: list) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(hosts)} host(s) from {source}", title_justify="left")
    for col in ("host", "connects to", "user", "port", "identity", "timeouts c/cmd/h/f", "groups", "notes"):
        table.add_column(col, overflow="fold")
    for h in hosts:
        t = h.timeouts
        timeouts = f"{t.connect:g}/{t.command:g}/{t.host:g}/{t.fleet:g}"
        if h.local:
            table.add_row(h.name, "local (no SSH)", "-", "-", "-", timeouts, ", ".join(h.groups), _notes(h))
            continue
        target = h.hostname if h.hostname == h.address else f"{h.hostname} (alias {h.address})"
        if h.proxy_jump:
            target += f" via {h.proxy_jump}"
        table.add_row(
            h.name, target, h.user or "", str(h.port), ", ".join(h.identity_files) or "agent / ssh defaults",
            timeouts, ", ".join(h.groups), _notes(h),
        )
    Console().print(table)


def _notes(h) -> str:
    notes = []
    if h.from_ssh_config:
        notes.append("ssh_config: " + ", ".join(h.from_ssh_config))
    if h.read_only:
        notes.append("read-only")
    if h.known_hosts != "strict":
        notes.append(f"known_hosts {h.known_hosts}")
    if not h.engine_api:
        notes.append("CLI only")
    elif h.docker_socket:
        notes.append(f"socket {h.docker_socket}")
    return "; ".join(notes)


@app.command("import")
def import_(
    file: Annotated[
        str | None, typer.Argument(help="With --ssh-config: the file to read. Default: ~/.ssh/config.")
    ] = None,
    ssh_config: Annotated[
        bool, typer.Option("--ssh-config", help="Import the Host entries of an OpenSSH client config.")
    ] = False,
    ansible: Annotated[
        str | None, typer.Option("--ansible", help="Import an Ansible inventory file (INI or YAML).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write fleet.toml here instead of printing it.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --output if it exists.")] = False,
) -> None:
    """Write a fleet.toml from an ssh_config or an Ansible inventory; what is left out is said on stderr."""
    from dozor.inventory.imports.ansible import import_ansible
    from dozor.inventory.imports.ssh_config import DEFAULT_FILE, import_ssh_config
    from dozor.inventory.loader import InventoryError

    if ssh_config == (ansible is not None):
        raise fail("say what to import: --ssh-config [FILE] or --ansible FILE (one of them)")
    if ansible is not None and file is not None:
        raise fail(f"unexpected argument {file!r}: --ansible takes the file itself")
    if output is not None and output.exists() and not force:
        raise fail(f"{output} exists; use --force to overwrite it")
    try:
        imported = import_ansible(ansible) if ansible is not None else import_ssh_config(file or DEFAULT_FILE)
        text = imported.to_toml()
        inv = imported.inventory()
    except InventoryError as exc:
        raise fail(str(exc)) from None
    for note in imported.dropped:
        _stderr(f"dozor: left out: {note}")
    summary = f"dozor: {len(inv.hosts)} host(s), {len(inv.groups)} group(s) from {imported.source}"
    if output is None:
        typer.echo(text, nl=False)
        _stderr(summary)
        return
    try:
        with output.open("w" if force else "x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError:
        raise fail(f"{output} exists; use --force to overwrite it") from None
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror or exc}") from None
    _stderr(f"{summary} written to {output}")


def _stderr(message: str) -> None:
    sys.stderr.write(message + "\n")


__all__ = ["app"]
