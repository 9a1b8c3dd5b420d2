"""Background deploys: started over SSH, run detached on the host, state kept on the host.

A deploy runs ``[git pull] [compose pull] [compose build] compose up -d [SERVICE...]`` in the
project's directory from the inventory. It is started by a constant script (see
:mod:`dozor.ops.deploy_scripts`) that takes a per-project lock, writes the state file and
spawns the runner with ``setsid nohup`` so it survives the controller exiting or the
connection dropping. Its state (running / succeeded / failed with exit code, start and end
time, log) is read back by :func:`read_deploys` from any process, through the ``DEPLOY_STATUS`` collector
(the status script plus :func:`parse_deploy_status`, tested on recorded output like every collector).
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dozor.collectors.base import Collector, CollectorError, check_docker, first_line
from dozor.collectors.compose import COMPOSE_DETECT
from dozor.ops import deploy_scripts
from dozor.ops.action import ActionFailed
from dozor.ops.guard import GuardRefused, check_names, declared_project
from dozor.runner.fanout import HostContext
from dozor.transport.base import CommandResult

DEPLOY_ID_RE = re.compile(r"[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}")
DEFAULT_LOG_BYTES = 8192
MAX_LOG_BYTES = 256 * 1024
START_TIMEOUT = 30.0

DeployStatus = Literal["running", "succeeded", "failed", "lost"]


def new_deploy_id(now: datetime | None = None) -> str:
    """A unique, sortable deploy id: UTC time plus 24 random bits, e.g. ``20250101T120000Z-3fa2c1``."""
    return f"{(now or datetime.now(UTC)):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def check_deploy_id(value: object) -> str:
    """Return ``value`` if it is a deploy id, else raise ``GuardRefused``."""
    if not isinstance(value, str) or not DEPLOY_ID_RE.fullmatch(value):
        raise GuardRefused("deploy-id", f"{str(value)[:80]!r} is not a deploy id (like 20250101T120000Z-3fa2c1)")
    return value


class DeployStarted(BaseModel):
    """A deploy that was started on a host (it keeps running there on its own)."""

    id: str
    project: str
    services: list[str] = Field(default_factory=list)
    pid: int | None = None


class DeployState(BaseModel):
    """A deploy's state as kept on the host."""

    id: str
    project: str | None = None
    status: DeployStatus = Field(description="running, succeeded, failed, or lost (its runner died unrecorded).")
    exit_code: int | None = None
    step: str | None = Field(default=None, description="git-pull, pull, build, up, done (or where it failed).")
    started_at: datetime | None = None
    finished_at: datetime | None = None
    services: list[str] = Field(default_factory=list)
    log_tail: str = Field(default="", description="The end of the deploy's log (bounded).")

    @property
    def done(self) -> bool:
        """True once the deploy is no longer running."""
        return self.status != "running"


class DeployRequest(BaseModel):
    """What to deploy and how: one object shared by the Python API, the CLI and the MCP tool."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    project: str = Field(description="Compose project name from the inventory.")
    services: list[str] | None = Field(default=None, description="Only these services (default: all).")
    git_pull: bool = Field(default=False, description="git pull in the project directory first.")
    pull: bool = Field(default=False, description="Pull images first.")
    build: bool = Field(default=False, description="Build images first.")
    rolling: bool = Field(
        default=False, description="One host at a time, each waited for and checked healthy before the next."
    )
    continue_on_error: bool = Field(default=False, description="Rolling: go on after a host fails.")
    wait: bool = Field(default=False, description="Follow a non-rolling deploy to its end and check health.")
    wait_timeout: float = Field(default=600.0, gt=0, description="Seconds to wait for a deploy to end.")
    health_timeout: float = Field(default=60.0, gt=0, description="Seconds to wait for services to be healthy.")


class DeployReport(BaseModel):
    """One host's deploy: what was started and, when waited for, how it ended and whether it is healthy."""

    id: str
    project: str
    status: DeployStatus
    exit_code: int | None = None
    step: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    healthy: bool | None = Field(default=None, description="Services running/healthy after the deploy (when waited).")
    detail: str = ""
    log_tail: str = ""


async def _variant(ctx: HostContext) -> str:
    info = await ctx.collect(COMPOSE_DETECT)
    if not info.variant:
        raise ActionFailed(f"no docker compose on {ctx.host.name}: {info.detail or 'not found'}")
    return info.variant


async def start_deploy(
    ctx: HostContext,
    project: str,
    services: list[str],
    *,
    git_pull: bool = False,
    pull: bool = False,
    build: bool = False,
    lock_mode: Literal["auto", "mkdir"] = "auto",
) -> DeployStarted:
    """Start a detached deploy of a declared project; ``GuardRefused`` (rule ``lock``) if one is running."""
    proj = declared_project(ctx.host, project)
    for s in services:
        if proj.services and s not in proj.services:
            raise GuardRefused("service", f"service {s!r} is not declared in project {proj.name!r} on {ctx.host.name}")
    variant = await _variant(ctx)
    deploy_id = new_deploy_id()
    argv = [
        "sh", "-c", deploy_scripts.STARTER, "dozor-deploy", deploy_scripts.RUNNER, lock_mode,
        deploy_id, proj.name, proj.path or "",
        _flag(git_pull), _flag(pull), _flag(build), variant, ":".join(proj.files), *services,
    ]  # fmt: skip
    result = await ctx.run(argv, timeout=START_TIMEOUT)
    check_docker(result)
    for line in result.stdout.splitlines():
        word, _, rest = line.partition(" ")
        if word == "@@started":
            pid = rest.split()[-1] if rest.split() else ""
            return DeployStarted(id=deploy_id, project=proj.name, services=services,
                                 pid=int(pid) if pid.isdigit() else None)
        if word == "@@busy":
            raise GuardRefused(
                "lock",
                f"deploy {rest.strip()} of project {proj.name!r} is still running on {ctx.host.name}; "
                f"not starting another (see: dozor --host {ctx.host.name} deploy-status {rest.strip()})",
            )
        if word == "@@error":
            raise ActionFailed(f"deploy not started on {ctx.host.name}: {rest.strip()}")
    raise ActionFailed(
        f"deploy start gave no answer (exit {result.exit_status}): {first_line(result.stderr or result.stdout)}"
    )


def _flag(value: bool) -> str:
    return "true" if value else "false"


def parse_deploys(stdout: str, marker: str) -> list[DeployState]:
    """Parse the status script's sections into ``DeployState`` objects (unknown ids are skipped)."""
    states: list[DeployState] = []
    current: dict[str, list[str]] = {}
    section = ""
    deploy_id = ""

    def flush() -> None:
        if not deploy_id:
            return
        text = "\n".join(current.get("state", [])).strip()
        if not text:
            return
        try:
            raw = json.loads(text)
        except json.JSONDecodeError:
            raw = {"id": deploy_id, "status": "lost"}
        alive = "".join(current.get("alive", [])).strip() == "1"
        status = raw.get("status", "lost")
        if status == "running" and not alive:
            status = "lost"  # the runner is gone without writing its end (killed -9, host rebooted)
        log = "\n".join(current.get("log", [])).strip("\n")
        states.append(
            DeployState(
                id=str(raw.get("id") or deploy_id),
                project=raw.get("project"),
                status=status if status in ("running", "succeeded", "failed", "lost") else "lost",
                exit_code=raw.get("exit_code"),
                step=raw.get("step"),
                started_at=raw.get("started_at"),
                finished_at=raw.get("finished_at"),
                services=list(raw.get("services") or []),
                log_tail=log,
            )
        )

    for line in stdout.split("\n"):
        if line.startswith(marker + " "):
            parts = line[len(marker) + 1 :].split(" ", 1)
            if parts[0] == "state":
                flush()
                current, deploy_id = {}, (parts[1] if len(parts) > 1 else "")
            section = parts[0]
            if section == "end":
                flush()
                deploy_id, current = "", {}
            continue
        current.setdefault(section, []).append(line)
    flush()
    return states


def deploy_status_argv(
    deploy_id: str | None = None, project: str | None = None, log_bytes: int = DEFAULT_LOG_BYTES,
    marker: str | None = None,
) -> list[str]:
    """The status script for one deploy (by id) or the latest of each project (or of ``project``).

    Sections start with ``marker`` (argv[4]), fresh and random unless given, so a log line cannot fake one.
    """
    n = max(0, min(int(log_bytes), MAX_LOG_BYTES))
    marker = marker or "@@dozor-" + secrets.token_hex(8)
    return ["sh", "-c", deploy_scripts.STATUS, "dozor-deploy-status", marker, deploy_id or "", project or "", str(n)]


def parse_deploy_status(result: CommandResult) -> list[DeployState]:
    """The deploys the status script printed, its section marker read from the command (argv[4])."""
    if len(result.argv) < 5 or not result.argv[4].startswith("@@"):
        raise CollectorError(f"not a deploy status command (no section marker in argv[4]): {result.argv[:5]!r}")
    if not result.ok:
        raise ActionFailed(f"cannot read deploy state (exit {result.exit_status}): {first_line(result.stderr)}")
    return parse_deploys(result.stdout, result.argv[4])


DEPLOY_STATUS = Collector(
    name="deploy_status", argv=deploy_status_argv, parse=parse_deploy_status,
    description="The state kept on the host of one deploy or of each project's latest: status, step, exit, log.",
)


async def read_deploys(
    ctx: HostContext, deploy_id: str | None = None, project: str | None = None, *, log_bytes: int = DEFAULT_LOG_BYTES
) -> list[DeployState]:
    """The state of one deploy (by id) or the latest deploy of each project (or of ``project``)."""
    return await ctx.collect(DEPLOY_STATUS, deploy_id=deploy_id, project=project, log_bytes=log_bytes)


def validate_deploy_args(project: object, services: object) -> list[str]:
    """Check a deploy's project name and service list before anything is contacted."""
    from dozor.ops.guard import check_name

    check_name("project", project)
    return check_names("services", services)  # type: ignore[arg-type]
