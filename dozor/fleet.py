"""The Python API: a ``Fleet`` loaded from an inventory, one async method per question."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from dozor.collectors.resources import HostResources
from dozor.inventory.loader import load_inventory
from dozor.inventory.models import Inventory, ResolvedHost
from dozor.inventory.selector import select_hosts
from dozor.runner import questions
from dozor.runner.fanout import HostContext, Progress, run_on_hosts
from dozor.runner.fleet_result import FleetResult
from dozor.runner.questions import HostCheck, HostContainers, ServiceLogs
from dozor.runner.tails import DEFAULT_HOST_MAX_BYTES, DEFAULT_MAX_BYTES, DEFAULT_WINDOW
from dozor.transport.pool import TransportFactory, TransportPool

if TYPE_CHECKING:  # the domain packages load on first use: `dozor status` never pays for reports or ops
    from dozor.drift.models import DriftReport
    from dozor.noise.acks import Ack
    from dozor.noise.silences import Silence
    from dozor.ops.api import (
        DeployReport,
        DeployRequest,
        DeployState,
        ExecOutput,
        PruneOptions,
        PruneReport,
        RestartResult,
    )
    from dozor.report.memory import Memory
    from dozor.report.models import FleetReport
    from dozor.report.timeline_models import Timeline
    from dozor.reports import DiagnosisReport, SecurityReview

T = TypeVar("T")


class Fleet:
    """A set of hosts and a pool of connections to them.

    Every method takes an optional ``host`` selector (a name, glob, ``@group``/``@tag``,
    lists, ``!`` exclusion and ``&`` intersection); None means the whole fleet.
    Methods return ``FleetResult`` objects: one ``HostResult`` per selected host,
    failures included as data. Use as ``async with Fleet.load() as fleet: ...``.
    """

    def __init__(self, inventory: Inventory, *, transport_factory: TransportFactory | None = None) -> None:
        self.inventory = inventory
        self.pool = TransportPool(transport_factory)
        self._memory: dict[str, Memory] = {}  # the last diagnosis of each selection, when the state dir fails

    @classmethod
    def load(
        cls,
        path: str | Path | None = None,
        *,
        env: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Fleet:
        """Load the inventory (explicit path, ``DOZOR_INVENTORY``, ``./fleet.toml``, user config,
        ``.env`` single host, or this machine) and build a fleet from it."""
        return cls(load_inventory(path, env=env), **kwargs)

    async def __aenter__(self) -> Fleet:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.pool.close()

    # -- selection and the runner ------------------------------------------------------------

    def select(self, host: str | None = None) -> list[ResolvedHost]:
        """The hosts a selector picks, with defaults applied. Raises ``UnknownHostError``."""
        return [self.inventory.resolve(n) for n in select_hosts(self.inventory, host)]

    async def run(
        self,
        operation: Callable[[HostContext], Awaitable[T]],
        host: str | None = None,
        *,
        name: str = "run",
        hosts: list[ResolvedHost] | None = None,
        progress: Progress | None = None,
    ) -> FleetResult[T]:
        """Run ``operation`` on every selected host in parallel; never raises for a host's failure.

        ``progress(done, total, host)`` is called as hosts finish (this call only).
        """
        chosen = hosts if hosts is not None else self.select(host)
        started = time.monotonic()
        results = await run_on_hosts(
            chosen,
            operation,
            transport_for=self.pool.get,
            concurrency=self.inventory.defaults.concurrency,
            fleet_timeout=self.inventory.defaults.timeouts.fleet,
            progress=progress,
        )
        return FleetResult[T](operation=name, selector=host, duration=time.monotonic() - started, hosts=results)

    # -- questions -------------------------------------------------------------------------
    # Every method takes ``progress``: a callback for this call only (the Fleet holds no per-call state).

    async def status(
        self, host: str | None = None, *, service: str | None = None, progress: Progress | None = None
    ) -> FleetResult[HostContainers]:
        """Containers of each host's compose projects: state, health, exit code, OOM, restarts, ports.

        Declared services with no container are reported as missing; a host that declares no
        projects reports every compose project its engine knows. ``service`` keeps one service.
        """
        return await questions.status(self, host, service=service, progress=progress)

    async def resources(
        self, host: str | None = None, *, progress: Progress | None = None, remember: bool = True
    ) -> FleetResult[HostResources]:
        """Per-container CPU/memory (CPU throttling under a quota) and per-host disk, memory, swap, load and CPU
        count. ``remember``: each memory-limited container's sample is judged against its memory history in the
        state directory and recorded there (``ContainerResources.memory_trend``: rising, steady…), as a diagnosis
        does; a history that cannot be read or written is said in the host's ``section_errors``."""
        result = await questions.resources(self, host, progress=progress)
        if remember:
            from dozor.noise.memtrend import with_memory_trends

            with_memory_trends(result.hosts, self.state_dir)
        return result

    async def check(self, host: str | None = None, *, progress: Progress | None = None) -> FleetResult[HostCheck]:
        """Reachability: connect, ask the Docker engine its version and detect compose (v2 plugin or v1)."""
        return await questions.check(self, host, progress=progress)

    async def logs(
        self,
        service: str,
        host: str | None = None,
        *,
        lines: int = 100,
        since: str | None = None,
        errors_only: bool = False,
        grep: str | None = None,
        project: str | None = None,
        max_bytes: int = 256 * 1024,
        progress: Progress | None = None,
    ) -> FleetResult[ServiceLogs]:
        """Recent logs of ``service`` on each selected host where it may run, filtered and capped on the host.

        Hosts whose inventory says the service is not there are skipped; hosts where no container
        carries the service's labels answer ``found=False``. Invalid arguments raise ``ValueError``.
        """
        return await questions.logs(self, service, host, lines=lines, since=since, errors_only=errors_only,
                                    grep=grep, project=project, max_bytes=max_bytes, progress=progress)

    # -- diagnosis (dozor.report) ------------------------------------------------------------

    async def diagnose(
        self, host: str | None = None, *, services: list[str] | None = None, log_lines: int = 200,
        log_window: timedelta | None = DEFAULT_WINDOW, log_max_bytes: int = DEFAULT_MAX_BYTES,
        log_host_max_bytes: int = DEFAULT_HOST_MAX_BYTES, progress: Progress | None = None, remember: bool = True,
    ) -> DiagnosisReport:
        """Full diagnosis: status, resources and every service's recent log, analysed → ``DiagnosisReport``.

        Each running container's log is read for the last ``log_lines`` lines within ``log_window``, at most
        ``log_max_bytes`` per container and ``log_host_max_bytes`` per host (a cut tail is said in the report).
        ``remember``: compare with the previous diagnosis of the same selection (``report.changes``; each alert
        ``new`` or ``ongoing`` since T) and keep this one for the next (``dozor.report.memory``).
        """
        from dozor.report.diagnose import diagnose

        report = await diagnose(
            self, host, services=services, log_lines=log_lines, log_window=log_window, log_max_bytes=log_max_bytes,
            log_host_max_bytes=log_host_max_bytes, progress=progress, state_dir=self.state_dir,
        )
        return self._recalled(report, "diagnose", host, services, remember)

    async def health(
        self, host: str | None = None, *, services: list[str] | None = None, progress: Progress | None = None,
        remember: bool = True,
    ) -> DiagnosisReport:
        """Quick diagnosis: container state and health only (no resources, no logs); ``remember`` as in
        :meth:`diagnose` (health and diagnose are remembered apart: they look at different things)."""
        from dozor.report.diagnose import diagnose

        report = await diagnose(self, host, services=services, quick=True, progress=progress)
        return self._recalled(report, "health", host, services, remember)

    def _recalled(
        self, report: FleetReport, mode: str, host: str | None, services: list[str] | None, remember: bool
    ) -> DiagnosisReport:
        from dozor.inventory.models import default_state_dir
        from dozor.noise.apply import apply_baselines, apply_noise
        from dozor.report.memory import memory_path, recall, selection_key
        from dozor.reports import DiagnosisReport

        report = apply_noise(report, self.state_dir, self.inventory, full=mode == "diagnose" and not services)
        if mode == "diagnose":
            report = apply_baselines(report, self.state_dir)
        if remember:
            key = selection_key(mode, host, services, shard=self.inventory.shard)
            path = memory_path(self.inventory.defaults.state_dir or default_state_dir(), key)
            report, self._memory[key] = recall(report, path, selection=key, cached=self._memory.get(key))
        return DiagnosisReport.of(report)

    async def analyze(
        self, service: str, host: str | None = None, *, lines: int = 1000, project: str | None = None,
        progress: Progress | None = None,
    ) -> DiagnosisReport:
        """Deep log analysis of one service on every selected host where it runs."""
        from dozor.report.diagnose import analyze
        from dozor.reports import DiagnosisReport

        return DiagnosisReport.of(await analyze(self, service, host, lines=lines, project=project,
                                                progress=progress))

    async def timeline(
        self, host: str | None = None, *, since: str | None = "1h", until: str | None = None,
        services: list[str] | None = None, limit: int = 100, progress: Progress | None = None,
    ) -> Timeline:
        """What happened in a window, fleet-wide, oldest first: engine events (start, exit with code, OOM, kill,
        health changes, create/remove, image pulls), what container state proves where the engine's in-memory
        log no longer reaches, deploys kept on the hosts and audited restarts/deploys/prunes.

        ``since``/``until``: ``10m``, ``2h``, ``1d`` (before now) or a time. Crash loops and flapping
        healthchecks are one entry each; at most ``limit`` entries (the newest), ``omitted`` says how many more.
        Each host's coverage says when the window starts before what its engine still holds.
        """
        from dozor.report.timeline import timeline

        return await timeline(self, host, since=since, until=until, services=services, limit=limit,
                              progress=progress)

    # -- drift (dozor.drift) -------------------------------------------------------------------

    async def drift(
        self, host: str | None = None, *, project: str | None = None, progress: Progress | None = None
    ) -> DriftReport:
        """Configuration drift: every compose service running on two or more selected hosts, compared by image
        (reference and ID), command, entrypoint, environment variable NAMES (values are never read), memory/CPU
        limits, restart policy, ports, healthcheck and labels → ``DriftReport`` (differences only)."""
        from dozor.drift.api import drift

        return await drift(self, host, project=project, progress=progress)

    # -- operations (dozor.ops): guarded, audited ----------------------------------------------

    async def restart(
        self,
        service: str,
        host: str | None = None,
        *,
        project: str | None = None,
        actor: str | None = None,
        read_only: bool = False,
        allow_many: bool = False,
        progress: Progress | None = None,
    ) -> FleetResult[RestartResult]:
        """Restart a compose service on one host; reports the containers' new start time and health.

        A selector matching several hosts is refused unless ``allow_many``; read-only hosts refuse.
        """
        from dozor.ops.api import restart

        return await restart(self, service, host, project=project, actor=actor, read_only=read_only,
                             allow_many=allow_many, progress=progress)

    async def deploy(
        self,
        request: DeployRequest | str,
        host: str | None = None,
        *,
        actor: str | None = None,
        read_only: bool = False,
        allow_many: bool = False,
        progress: Progress | None = None,
        **options: Any,
    ) -> FleetResult[DeployReport]:
        """Start a background deploy of an inventory project (it survives this process).

        ``request`` is a :class:`~dozor.ops.api.DeployRequest`, or a project name with the request's
        fields as keyword ``options`` (``services``, ``git_pull``, ``pull``, ``build``, ``rolling``,
        ``continue_on_error``, ``wait``, ``wait_timeout``, ``health_timeout``). A deploy of a project
        already deploying on a host is refused.
        """
        from dozor.ops.api import DeployRequest, deploy

        if isinstance(request, str):
            request = DeployRequest(project=request, **options)
        elif options:
            raise TypeError("deploy(): pass options in the DeployRequest, not as keywords")
        return await deploy(self, request, host, actor=actor, read_only=read_only, allow_many=allow_many,
                            progress=progress)

    async def deploy_status(
        self, host: str | None = None, id: str | None = None, *, project: str | None = None, log_bytes: int = 8192,
        progress: Progress | None = None,
    ) -> FleetResult[list[DeployState]]:
        """A deploy's state by id, or the latest deploy of each project, read from each selected host."""
        from dozor.ops.api import deploy_status

        return await deploy_status(self, host, id, project=project, log_bytes=log_bytes, progress=progress)

    async def prune(
        self,
        host: str | None = None,
        *,
        options: PruneOptions | None = None,
        confirm: bool = False,
        actor: str | None = None,
        read_only: bool = False,
        allow_many: bool = False,
        progress: Progress | None = None,
    ) -> FleetResult[PruneReport]:
        """Preview what a prune would remove (default), or remove it with ``confirm=True``."""
        from dozor.ops.api import prune

        return await prune(self, host, options=options, confirm=confirm, actor=actor, read_only=read_only,
                           allow_many=allow_many, progress=progress)

    async def exec(
        self, command: str | list[str], host: str | None = None, *, actor: str | None = None,
        max_bytes: int = 65536, progress: Progress | None = None,
    ) -> FleetResult[ExecOutput]:
        """Run an allowlisted read-only command (``dozor exec --list``) on each selected host, audited."""
        from dozor.ops.api import exec_command

        return await exec_command(self, command, host, actor=actor, max_bytes=max_bytes, progress=progress)

    # -- noise (dozor.noise): silences and acks, in <state_dir>/noise.json, audited ----------------

    @property
    def state_dir(self) -> Path:
        """dozor's state directory for this inventory (``[defaults] state_dir``, else ``~/.local/state/dozor``)."""
        from dozor.inventory.models import default_state_dir

        return Path(self.inventory.defaults.state_dir or default_state_dir()).expanduser()

    def silence(self, match: str, duration: str, reason: str, *, actor: str | None = None,
                read_only: bool = False) -> Silence:
        """Silence the problems ``match`` picks (``"host=web* service=worker problem=redis.oom"``) for ``duration``
        (``30m``, ``4h``, ``2d``; at most 30 days) with a ``reason``. They stay in the report with ``silenced_by``,
        out of its exit code and notifications, until the silence ends or they get worse. Raises ``ValueError``
        (``NoiseRefused``) for a bad matcher, no end, or one matching everything."""
        from dozor.noise.api import add_silence
        from dozor.ops.audit import api_actor

        return add_silence(self.state_dir, self.inventory, match, duration, reason, actor=actor or api_actor(),
                           read_only=read_only)

    def silences(self, *, ended: bool = False) -> list[Silence]:
        """Active silences (``ended``: also those ended in the last week)."""
        from dozor.noise.api import list_silences

        return list_silences(self.state_dir, ended=ended)

    def expire_silence(self, silence_id: str, *, actor: str | None = None, read_only: bool = False) -> Silence:
        """End a silence now."""
        from dozor.noise.api import expire_silence
        from dozor.ops.audit import api_actor

        return expire_silence(self.state_dir, silence_id, actor=actor or api_actor(), read_only=read_only)

    def ack(self, incident: str, note: str, *, actor: str | None = None, read_only: bool = False) -> Ack:
        """Acknowledge an incident (its id, or 6+ characters of it, as a diagnosis showed) with a note; reports
        show it until the incident resolves. New symptoms joining it still notify."""
        from dozor.noise.api import ack_incident
        from dozor.ops.audit import api_actor

        return ack_incident(self.state_dir, incident, note, actor=actor or api_actor(), read_only=read_only)

    def unack(self, incident: str, *, actor: str | None = None, read_only: bool = False) -> Ack:
        """Drop an incident's ack by hand."""
        from dozor.noise.api import unack_incident
        from dozor.ops.audit import api_actor

        return unack_incident(self.state_dir, incident, actor=actor or api_actor(), read_only=read_only)

    def acks(self) -> list[Ack]:
        """Every acknowledged incident."""
        from dozor.noise.api import list_acks

        return list_acks(self.state_dir)

    # -- security (dozor.security) -------------------------------------------------------------

    async def security(
        self, host: str | None = None, *, logs: bool = True, progress: Progress | None = None
    ) -> SecurityReview:
        """Security review: exposure, container privileges/mounts/user/limits, sshd, Docker daemon,
        project secrets and scanner reconnaissance in web access logs → ``SecurityReview``."""
        from dozor.reports import SecurityReview
        from dozor.security.api import security

        return SecurityReview.of(await security(self, host, logs=logs, progress=progress))


__all__ = ["Fleet", "HostCheck", "HostContainers", "ServiceLogs"]
