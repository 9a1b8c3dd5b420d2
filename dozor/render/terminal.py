"""Terminal renderers (rich) of fleet answers (status, resources, logs). Data never imports this."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from dozor.outcome import HostResult
from dozor.render.style import STATUS_STYLE, human_bytes, human_duration, plain
from dozor.runner.fleet_result import FleetResult


def host_header(r: HostResult[Any]) -> Text:
    """``web1  ok  0.21s`` or ``dead  unreachable  connection refused…``."""
    t = Text()
    t.append(r.host, style="bold")
    t.append("  ")
    t.append(r.status.value, style=STATUS_STYLE.get(r.status, "bold red"))
    t.append(f"  {r.duration:.2f}s", style="dim")
    if r.reason:
        t.append("  ")
        t.append_text(plain(r.reason, 500))
    return t


def render_fleet(result: FleetResult[Any], body: Callable[[Any], RenderableType | None]) -> Group:
    """One header per host, its body when it answered, and the coverage line."""
    parts: list[RenderableType] = []
    for r in result.hosts:
        parts.append(host_header(r))
        if r.ok and r.data is not None:
            b = body(r.data)
            if b is not None:
                parts.append(b)
        parts.append(Text(""))
    parts.append(Text(f"{result.coverage} in {result.duration:.2f}s", style="dim"))
    return Group(*parts)


def _state_text(state: str, health: str | None, exit_code: int | None, oom: bool, missing: bool) -> Text:
    if missing:
        return Text("missing", style="bold red")
    style = "green" if state == "running" else "red" if state in ("exited", "dead", "restarting") else "yellow"
    t = Text(state, style=style)
    if state != "running" and exit_code not in (None, 0):
        t.append(f" ({exit_code})", style=style)
    if oom:
        t.append(" OOM", style="bold red")
    if health:
        t.append(f" {health}", style="green" if health == "healthy" else "red" if health == "unhealthy" else "yellow")
    return t


def status_body(data: Any) -> RenderableType:
    """The services of one host as a table."""
    from dozor.collectors.status import uptime_seconds

    now = datetime.now(UTC)
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="dim")
    for col in ("project", "service", "container", "state", "restarts", "uptime", "image", "ports"):
        table.add_column(col)
    if not data.services:
        return Text("  no compose containers", style="dim")
    for s in data.services:
        if s.missing or not s.containers:
            table.add_row(
                plain(s.project),
                plain(s.service or "-"),
                "-",
                _state_text("", None, None, False, True),
                "-",
                "-",
                "-",
                "-",
            )
            continue
        for c in s.containers:
            ports = ", ".join(
                f"{p.host_ip or '*'}:{p.host_port}->{p.container_port}/{p.protocol}"
                if p.host_port
                else f"{p.container_port}/{p.protocol}"
                for p in c.ports
            )
            table.add_row(
                plain(s.project),
                plain(s.service or "-"),
                plain(c.name),
                _state_text(c.state.value, c.health.value if c.health else None, c.exit_code, c.oom_killed, False),
                str(c.restart_count),
                human_duration(uptime_seconds(c, now)),
                plain(c.image, 60),
                plain(ports or "-", 80),
            )
    return table


def print_renderable(obj: RenderableType, console: Console | None = None) -> None:
    """Print to stdout (a plain console when not a terminal)."""
    (console or Console(highlight=False)).print(obj)


def resources_body(data: Any) -> RenderableType:
    """Host figures on one line, then a table of containers and one of disks."""
    parts: list[RenderableType] = []
    line = Text("  ")
    if data.cpus:
        line.append(f"cpus {data.cpus}  ")
    if data.load:
        line.append(f"load {data.load.load1:.2f} {data.load.load5:.2f} {data.load.load15:.2f}  ")
    if data.memory:
        m = data.memory
        style = "red" if m.used_percent >= 90 else ""
        line.append(f"mem {human_bytes(m.used)}/{human_bytes(m.total)} ({m.used_percent:.0f}%)  ", style=style)
    if data.swap and data.swap.total:
        line.append(f"swap {human_bytes(data.swap.used)}/{human_bytes(data.swap.total)}")
    parts.append(line)
    if data.disks:
        t = Table(box=None, pad_edge=False, header_style="dim")
        for col in ("mount", "filesystem", "size", "used", "avail", "use%"):
            t.add_column(col)
        for d in data.disks:
            style = "red" if d.use_percent >= 95 else "yellow" if d.use_percent >= 85 else ""
            t.add_row(
                plain(d.mount),
                plain(d.filesystem),
                human_bytes(d.size),
                human_bytes(d.used),
                human_bytes(d.available),
                Text(f"{d.use_percent:.0f}%", style=style),
            )
        parts.append(t)
    if data.containers:
        t = Table(box=None, pad_edge=False, header_style="dim")
        for col in ("container", "cpu%", "mem", "limit", "mem%"):
            t.add_column(col)
        for c in data.containers:
            t.add_row(
                plain(c.name),
                "-" if c.cpu_percent is None else f"{c.cpu_percent:.1f}",
                human_bytes(c.mem_usage),
                human_bytes(c.mem_limit),
                "-" if c.mem_percent is None else f"{c.mem_percent:.1f}",
            )
        parts.append(t)
        parts += [plain(f"  {a.severity.value}: {a.title} — {a.evidence}", 400, "yellow") for a in contention(data)]
    if data.docker_df is not None:
        parts.append(docker_df_table(data.docker_df))
    if data.docker_error:
        parts.append(Text("  docker: ", style="yellow") + plain(data.docker_error))
    for name, err in data.section_errors.items():
        parts.append(Text(f"  {name}: ", style="yellow") + plain(err))
    return Group(*parts)


def contention(data: Any) -> list[Any]:
    """The containers' contention problems in a resources answer (default thresholds): CPU throttling by the
    quota and memory within 10% of the limit, worded by its trend when the answer carries one — the rules
    ``diagnose`` applies."""
    from dozor.inventory.models import Thresholds
    from dozor.noise.contention import throttling_alerts
    from dozor.report.alerts import AlertCode
    from dozor.report.rules import resource_alerts

    now = datetime.now(UTC)
    memory = [a for a in resource_alerts("", data, Thresholds(), now) if a.code is AlertCode.CONTAINER_MEMORY]
    return throttling_alerts("", data, [], [], now) + memory


def docker_df_table(df: Any) -> RenderableType:
    """``docker system df`` as a table: count, in use, size and reclaimable per kind."""
    t = Table(box=None, pad_edge=False, header_style="dim")
    for col in ("docker", "total", "active", "size", "reclaimable"):
        t.add_column(col)
    for label, e in (("images", df.images), ("containers", df.containers), ("volumes", df.volumes),
                     ("build cache", df.build_cache)):
        share = f" ({100 * e.reclaimable / e.size:.0f}%)" if e.size else ""
        t.add_row(label, str(e.count), str(e.active), human_bytes(e.size), human_bytes(e.reclaimable) + share)
    return t


def logs_body(data: Any) -> RenderableType | None:
    """Log lines of one host, untrusted text cleaned, with counts."""
    if not data.found or data.logs is None:
        return Text(f"  {data.service}: no container on this host", style="dim")
    lg = data.logs
    parts: list[RenderableType] = []
    for line in lg.lines:
        t = Text("  ")
        if line.timestamp:
            t.append(line.timestamp.strftime("%Y-%m-%d %H:%M:%S "), style="dim")
        t.append_text(plain(line.text, 2000))
        parts.append(t)
    summary = f"  {lg.container_name}: {len(lg.lines)} lines shown"
    if lg.filtered and lg.total_lines is not None:
        summary += f", {lg.matched_lines} of {lg.total_lines} matched"
    if lg.truncated:
        summary += ", older lines cut by the size cap"
    parts.append(Text(summary, style="dim"))
    return Group(*parts)
