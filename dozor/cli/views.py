"""How each CLI command prints: JSON for scripts, rich tables for people."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dozor.cli.context import Options
from dozor.render.json_text import render_json

if TYPE_CHECKING:
    from dozor.runner.fleet_result import FleetResult


def status(opts: Options, result: FleetResult[Any]) -> None:
    """``dozor status``: containers per host."""
    if not _printed_json(opts, result):
        from dozor.render import terminal

        terminal.print_renderable(terminal.render_fleet(result, terminal.status_body))


def resources(opts: Options, result: FleetResult[Any]) -> None:
    """``dozor resources``: host and container usage per host."""
    if not _printed_json(opts, result):
        from dozor.render import terminal

        terminal.print_renderable(terminal.render_fleet(result, terminal.resources_body))


def logs(opts: Options, result: FleetResult[Any]) -> None:
    """``dozor logs``: one service's lines per host."""
    if not _printed_json(opts, result):
        from dozor.render import terminal

        terminal.print_renderable(terminal.render_fleet(result, terminal.logs_body))


def _printed_json(opts: Options, result: FleetResult[Any]) -> bool:
    """With ``--json``, print the result (redacted) and say so; tables are imported only when needed."""
    if not opts.json:
        return False

    print(render_json(result))
    return True


def hosts(opts: Options, check: bool) -> None:
    """``dozor hosts``: the inventory, optionally with a reachability check."""
    from rich.table import Table

    from dozor.cli.context import Exit, fail, open_fleet
    from dozor.inventory.selector import UnknownHostError
    from dozor.render import terminal
    from dozor.render.style import plain
    from dozor.runner.sync import run_sync

    fleet = open_fleet(opts)
    try:
        chosen = fleet.select(opts.host)
    except UnknownHostError as exc:
        raise fail(str(exc)) from None
    reach: dict[str, Any] = {}
    if check:
        from dozor.cli import gc_policy

        gc_policy.one_shot()

        async def probe() -> Any:
            async with fleet:
                return await fleet.check(opts.host)

        reach = {r.host: r for r in run_sync(probe()).hosts}
    if opts.json:
        rows = []
        for h in chosen:
            row = h.model_dump(mode="json", include={"name", "address", "port", "user", "tags", "groups", "read_only"})
            row["projects"] = [p.model_dump(mode="json") for p in h.projects]
            if check:
                r = reach[h.name]
                row["reachable"] = r.ok
                row["status"] = r.status.value
                row["reason"] = r.reason
                row["latency"] = round(r.duration, 3)
                row["docker"] = r.data.docker_version if r.ok else None
                row["compose"] = r.data.compose if r.ok else None
            rows.append(row)
        import json

        print(json.dumps({"source": fleet.inventory.source, "hosts": rows}, indent=2))
    else:
        t = Table(
            box=None,
            pad_edge=False,
            header_style="dim",
            title=f"inventory: {fleet.inventory.source}",
            title_justify="left",
            title_style="dim",
        )
        cols = ["host", "address", "groups/tags", "projects"] + (["reachable"] if check else [])
        for c in cols:
            t.add_column(c)
        for h in chosen:
            addr = h.address if h.is_local else f"{h.user + '@' if h.user else ''}{h.address}:{h.port or 22}"
            labels = " ".join(f"@{g}" for g in dict.fromkeys([*h.groups, *h.tags]))
            projects = ", ".join(f"{p.name}({len(p.services)})" if p.services else p.name for p in h.projects)
            row = [h.name + (" [ro]" if h.read_only else ""), addr, labels, projects or "(discover)"]
            if check:
                r = reach[h.name]
                if r.ok:
                    d = r.data
                    compose = f"compose {d.compose} {d.compose_version}" if d.compose else "no compose"
                    row.append(f"yes {r.duration * 1000:.0f} ms, docker {d.docker_version}, {compose}")
                else:
                    row.append(f"{r.status.value}: {r.reason}")
            t.add_row(*(plain(x, 300) for x in row))
        terminal.print_renderable(t)
    if check and any(not r.ok for r in reach.values()):
        raise SystemExit(int(Exit.HOSTS_FAILED))
