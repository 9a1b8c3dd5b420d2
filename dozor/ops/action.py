"""Run one audited action (a mutation or an exec) across selected hosts, behind the guard.

Every host the action is aimed at gets exactly one audit pair: a "before" line, then an
"after" line with the outcome (``ok``, ``failed``, ``refused``, ``timeout``, ``error``).
Argument validation happens before any host is contacted; a refusal becomes a ``refused``
``HostResult`` per host (data, not an exception), like every other per-host failure.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from dozor.errors import ActionFailed  # re-exported: defined with the other errors
from dozor.inventory.models import ResolvedHost
from dozor.ops.audit import AuditLog, api_actor, audit_path
from dozor.ops.guard import GuardRefused, check_selection, check_writable
from dozor.outcome import HostResult, HostStatus
from dozor.runner.fanout import HostContext, Progress, Refused
from dozor.runner.fleet_result import FleetResult
from dozor.runner.protocol import FleetRunner

T = TypeVar("T")


@dataclass
class Action:
    """What is being done, by whom, for the audit log and the guard."""

    tool: str
    argv: str | Sequence[object] | None
    actor: str | None = None
    mutation: bool = True
    read_only: bool = False
    allow_many: bool = False


def audit_log_for(fleet: FleetRunner) -> AuditLog:
    """The audit log of this fleet's inventory (``DOZOR_AUDIT_LOG`` wins)."""
    return AuditLog(audit_path(fleet.inventory.defaults.state_dir))


def refused_result(fleet: FleetRunner, action: Action, hosts: Sequence[ResolvedHost], selector: str | None,
                    reason: str) -> FleetResult:
    log = audit_log_for(fleet)
    actor = action.actor or api_actor()
    results = []
    for h in hosts or []:
        log.refused(actor=actor, tool=action.tool, host=h.name, argv=action.argv, reason=reason)
        from dozor.security.redact import redact

        results.append(HostResult(host=h.name, status=HostStatus.REFUSED, reason=redact(reason)))
    if not hosts:
        log.refused(actor=actor, tool=action.tool, host=str(selector), argv=action.argv, reason=reason)
    return FleetResult(operation=action.tool, selector=selector, hosts=results)


def select_or_audit(fleet: FleetRunner, action: Action, selector: str | None) -> list[ResolvedHost]:
    """``fleet.select``; an unknown selector is audited as a refusal and re-raised."""
    try:
        return fleet.select(selector)
    except Exception as exc:
        log = audit_log_for(fleet)
        log.refused(actor=action.actor or api_actor(), tool=action.tool, host=str(selector), argv=action.argv,
                    reason=str(exc))
        raise


async def run_action(
    fleet: FleetRunner,
    action: Action,
    selector: str | None,
    operation: Callable[[HostContext], Awaitable[T]],
    *,
    validate: Callable[[], None] | None = None,
    hosts: Sequence[ResolvedHost] | None = None,
    progress: Progress | None = None,
) -> FleetResult[T]:
    """Validate, apply the guard, then run ``operation`` on each host with an audit pair around it.

    ``validate`` checks the arguments (raising ``Refused``) before anything is contacted.
    ``operation`` may raise ``Refused`` (host-specific policy, e.g. an undeclared project)
    or ``ActionFailed``; both are recorded and become the host's status.
    """
    chosen = list(hosts) if hosts is not None else select_or_audit(fleet, action, selector)
    try:
        if validate is not None:
            validate()
        if action.mutation:
            check_selection(chosen, selector, allow_many=action.allow_many)
    except Refused as exc:
        return refused_result(fleet, action, chosen, selector, str(exc))
    log = audit_log_for(fleet)
    actor = action.actor or api_actor()

    async def op(ctx: HostContext) -> T:
        entry = log.begin(actor=actor, tool=action.tool, host=ctx.host.name, argv=action.argv)
        outcome, detail = "error", ""
        try:
            if action.mutation:
                check_writable(ctx.host, read_only=action.read_only)
            result = await operation(ctx)
            outcome = "ok"
            return result
        except Refused as exc:
            outcome, detail = "refused", str(exc)
            raise
        except ActionFailed as exc:
            outcome, detail = "failed", str(exc)
            raise
        except (TimeoutError, asyncio.CancelledError) as exc:
            outcome, detail = "timeout", str(exc) or "host deadline passed"
            raise
        except Exception as exc:
            outcome, detail = "error", f"{type(exc).__name__}: {exc}"
            raise
        finally:
            log.end(entry, outcome, detail)

    started = time.monotonic()
    result = await fleet.run(op, selector, name=action.tool, hosts=chosen, progress=progress)
    result.duration = time.monotonic() - started
    return result


__all__ = ["Action", "ActionFailed", "GuardRefused", "audit_log_for", "refused_result", "run_action", "select_or_audit"]
