"""The engine's held event log of one host: through the Engine API when it can, else ``docker events``."""

from __future__ import annotations

from typing import Any

from dozor.collectors.base import CollectorError
from dozor.collectors.events import (
    ENGINE_EVENTS,
    INFO_TARGET,
    EngineEvents,
    events_target,
    info_time,
    parse_event_lines,
)
from dozor.engine import queries
from dozor.engine.client import EngineClient, EngineUnavailable, answer_json
from dozor.engine.http import HTTPResponse
from dozor.runner.docker import _answer
from dozor.runner.fanout import HostContext


async def engine_events(ctx: HostContext) -> EngineEvents:
    """Every event the host's engine still holds, up to the host's own clock (a finite answer).

    Engine API: ``/info`` (the host's ``SystemTime``) then ``/events?since=0&until=<that>`` on one stream.
    """

    async def api(engine: EngineClient) -> EngineEvents:
        clock: list[Any] = []

        def events(answers: list[HTTPResponse]) -> list[str]:
            try:
                clock.append(info_time(answer_json(answers[0])))
            except CollectorError as exc:
                raise EngineUnavailable(str(exc)) from exc
            return [events_target(clock[0])]

        _, answer = await engine.exchange([INFO_TARGET], events)
        if not answer.ok:
            raise EngineUnavailable(f"engine answered {answer.target}: "
                                    f"{queries.error_message(answer.status, answer.body)}")
        return parse_event_lines(answer.body.decode("utf-8", "replace"), host_time=clock[0], source="engine")

    return await _answer(ctx, api, lambda: ctx.collect(ENGINE_EVENTS))


__all__ = ["engine_events"]
