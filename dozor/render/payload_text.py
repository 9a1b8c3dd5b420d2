"""Concise AI text for fleet answers: a line per host, problems first, untrusted text fenced."""

from __future__ import annotations

from typing import Any

from dozor.collectors.status import ContainerStatus, ServiceState
from dozor.outcome import HostResult
from dozor.render.sanitize import fence
from dozor.render.sanitize import inline_name as name
from dozor.runner.fleet_result import FleetResult
from dozor.runner.questions import HostContainers, ServiceLogs

LOG_TEXT_CHARS = 6_000
"""Most characters of log text one host contributes to an AI answer."""


def header(result: FleetResult[Any], what: str) -> str:
    """``status of @web: 2 of 2 hosts answered in 0.31s``."""
    where = result.selector or "the whole fleet"
    return f"{what} of {where}: {result.coverage} in {result.duration:.2f}s"


def failure(h: HostResult[Any]) -> str:
    """One line for a host that did not answer."""
    return f"- {h.host}: {h.status.value.upper()} — {h.reason or 'no reason given'}"


def _container_problem(c: ContainerStatus) -> str | None:
    bits = []
    if c.state.value != "running":
        bits.append(c.state.value + (f" (exit {c.exit_code})" if c.exit_code is not None else ""))
    if c.health is not None and c.health.value not in ("healthy", "starting"):
        bits.append(f"{c.health.value}, failing streak {c.health_failing_streak}")
    if c.oom_killed:
        bits.append("OOM-killed")
    if c.restart_count:
        bits.append(f"{c.restart_count} restarts")
    return ", ".join(bits) or None


def _service_line(s: ServiceState) -> tuple[str, bool]:
    """The service's line and whether it shows a problem."""
    label = f"{name(s.project)}/{name(s.service)}"
    if s.missing:
        return f"{label}: MISSING (declared, no container)", True
    problems = [p for c in s.containers if (p := _container_problem(c))]
    running = sum(1 for c in s.containers if c.state.value == "running")
    state = f"{running}/{len(s.containers)} running"
    health = {c.health.value for c in s.containers if c.health is not None}
    if health:
        state += " (" + "/".join(sorted(health)) + ")"
    line = f"{label}: {state}" + (f" — {'; '.join(problems)}" if problems else "")
    return line, bool(problems) or running == 0


def status_text(result: FleetResult[HostContainers]) -> str:
    """Per host: services with problems spelled out, healthy ones summarised."""
    lines = [header(result, "status")]
    for h in result.hosts:
        if not h.ok or h.data is None:
            lines.append(failure(h))
            continue
        services = h.data.services
        if not services:
            lines.append(f"- {h.host}: ok, no compose services found")
            continue
        rendered = [_service_line(s) for s in services]
        bad = [line for line, problem in rendered if problem]
        good = [line for line, problem in rendered if not problem]
        lines.append(f"- {h.host}: {len(services)} services, {len(bad)} with problems")
        lines.extend(f"    ! {r}" for r in bad)
        lines.extend(f"    {r}" for r in good)
    return "\n".join(lines)


def logs_text(result: FleetResult[ServiceLogs], service: str) -> str:
    """Per host: how many lines came back, then the lines fenced as untrusted data."""
    lines = [header(result, f"logs of {name(service)}")]
    for h in result.hosts:
        if not h.ok or h.data is None:
            lines.append(failure(h))
            continue
        logs = h.data.logs
        if not h.data.found or logs is None:
            lines.append(f"- {h.host}: no container for service {name(service)}")
            continue
        note = f"{len(logs.lines)} lines" + (" (older lines cut to bound the size)" if logs.truncated else "")
        if logs.filtered:
            note += f", {logs.matched_lines} matched the filter"
        lines.append(f"- {h.host} ({name(logs.container_name)}): {note}")
        if logs.lines:
            body = "\n".join(
                (ln.timestamp.isoformat(timespec="seconds") + " " if ln.timestamp else "") + ln.text
                for ln in logs.lines
            )
            lines.append(fence(body, source=f"{h.host}/{name(service)} container logs", max_chars=LOG_TEXT_CHARS))
    return "\n".join(lines)
