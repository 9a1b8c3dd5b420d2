"""Celery worker and beat lines (``[2026-11-27 05:13:18,123: ERROR/MainProcess] ...``)."""

from __future__ import annotations

from dozor.analysis.patterns.base import CELERY as C
from dozor.analysis.patterns.base import Pattern

CELERY: tuple[Pattern, ...] = (
    Pattern(
        id="celery.broker_unreachable",
        kind="celery",
        category="connections",
        source="celery celery/worker/consumer/consumer.py (CONNECTION_RETRY, CONNECTION_ERROR)",
        severity="warning",
        regex=r"consumer: Cannot connect to \S+|beat: Connection (?=error: )",
        meaning="The worker (or beat) cannot reach its broker (RabbitMQ or Redis); it retries, and no task "
        "runs meanwhile.",
        action="Check the broker named in the URL is running and reachable from the worker, and the broker URL "
        "setting (the default amqp://guest@localhost means it was never set).",
        examples=(
            C + "ERROR/MainProcess] consumer: Cannot connect to amqp://guest:**@rabbitmq:5672//: [Errno 111] "
            "Connection refused.",
            C + "ERROR/MainProcess] consumer: Cannot connect to redis://redis:6379/0: Error 111 connecting to "
            "redis:6379. Connection refused..",
            C + "ERROR/Beat] beat: Connection error: [Errno 111] Connection refused. Trying again in 6.0 seconds...",
        ),
        near_misses=(C + "INFO/MainProcess] Connected to amqp://guest:**@rabbitmq:5672//",),
    ),
    Pattern(
        id="celery.broker_lost",
        kind="celery",
        category="connections",
        source="celery celery/worker/consumer/consumer.py (on_connection_error_after_connected)",
        severity="warning",
        regex=r"(?<=consumer: Connection to )broker lost\. Trying to re-establish the connection",
        meaning="The worker lost its broker connection and reconnects; tasks in flight may run again "
        "(acks_late) or be lost.",
        action="Check the broker's log and restarts at that time (memory alarms, restarts, network).",
        examples=(C + "WARNING/MainProcess] consumer: Connection to broker lost. Trying to re-establish the "
                  "connection...",),
        near_misses=(C + "INFO/MainProcess] mingle: searching for neighbors",),
    ),
    Pattern(
        id="celery.task_failed",
        kind="celery",
        category="exception",
        source="celery celery/app/trace.py (LOG_FAILURE)",
        severity="warning",
        regex=r"Task [\w.:-]+\[[\w-]+\] raised unexpected: ",
        meaning="A task raised an exception and failed (it is not retried unless the task asks for it).",
        action="Read the exception and traceback that follow; group by task name to find a failing dependency.",
        examples=(
            C + "ERROR/ForkPoolWorker-2] Task billing.tasks.charge[edb419e3-9418-4f34-80ac-33f69b9f9eaf] raised "
            "unexpected: ConnectionError('Error 111 connecting to redis:6379. Connection refused.')",
        ),
        near_misses=(
            C + "INFO/ForkPoolWorker-2] Task billing.tasks.charge[edb419e3-9418-4f34-80ac-33f69b9f9eaf] succeeded "
            "in 0.009s: None",
        ),
    ),
    Pattern(
        id="celery.worker_lost",
        kind="celery",
        category="crash",
        source="billiard billiard/pool.py (WorkerLostError), celery celery/concurrency/asynpool.py",
        severity="critical",
        regex=r"Process '[\w-]+' pid:\d+ exited with 'signal 9 \(SIGKILL\)'|\bWorkerLost(?=Error)",
        meaning="A pool process was killed (SIGKILL: almost always the OOM killer or a hard time limit) and its "
        "task was lost.",
        action="Check the container's memory limit and OOM events at that time; lower concurrency or "
        "max-memory-per-child; look for a 'Hard time limit' line just before.",
        examples=(
            C + "ERROR/MainProcess] Process 'ForkPoolWorker-4' pid:719 exited with 'signal 9 (SIGKILL)'",
            C + "ERROR/MainProcess] Task handler raised error: WorkerLostError('Worker exited prematurely: signal 9 "
            "(SIGKILL) Job: 348.')",
        ),
        near_misses=(C + "ERROR/MainProcess] Process 'ForkPoolWorker-1' pid:11 exited with 'signal 15 (SIGTERM)'",),
    ),
    Pattern(
        id="celery.time_limit",
        kind="celery",
        category="timeout",
        source="celery celery/worker/request.py (on_timeout)",
        severity="warning",
        regex=r"\b(?:Hard|Soft)\b time limit \(\d+(?:\.\d+)?s\) exceeded for ",
        meaning="A task ran past its time limit: soft raises SoftTimeLimitExceeded in the task, hard kills the "
        "pool process.",
        action="Find why the task is slow (a hanging call without timeout); raise the limit only if the work is "
        "legitimately long.",
        examples=(
            C + "ERROR/MainProcess] Hard time limit (300s) exceeded for reports.tasks.export[1a2b3c4d-0000-4000-"
            "8000-000000000001]",
            C + "WARNING/MainProcess] Soft time limit (240s) exceeded for reports.tasks.export[1a2b3c4d-0000-4000-"
            "8000-000000000001]",
        ),
        near_misses=(C + "INFO/MainProcess] Task reports.tasks.export[1a2b3c4d-0000-4000-8000-000000000001] "
                     "received",),
    ),
    Pattern(
        id="celery.unregistered_task",
        kind="celery",
        category="config",
        source="celery celery/worker/consumer/consumer.py (UNKNOWN_TASK_ERROR)",
        severity="critical",
        regex=r"Received unregistered task of type ",
        meaning="The worker got a task it does not know (its module is not imported by this worker, or a "
        "different code version): the message is discarded.",
        action="Make the worker import the task's module (include / autodiscover_tasks) and deploy the same "
        "code version to producers and workers.",
        examples=(C + "ERROR/MainProcess] Received unregistered task of type 'app.processing.tasks.process_job'.",),
        near_misses=(C + "INFO/MainProcess] Task app.processing.tasks.process_job[1a2b3c4d-0000-4000-8000-"
                     "000000000001] received",),
    ),
    Pattern(
        id="celery.clock_drift",
        kind="celery",
        category="cluster",
        source="celery celery/events/state.py (DRIFT_WARNING)",
        severity="warning",
        regex=r"Substantial drift from \S+ may mean clocks are out of sync",
        meaning="Another worker's clock differs from this one's: ETA/countdown tasks and heartbeats misbehave.",
        action="Run NTP (chrony/systemd-timesyncd) on every host running workers.",
        examples=(C + "WARNING/MainProcess] Substantial drift from celery@worker2 may mean clocks are out of sync. "
                  "Current drift is 70 seconds.",),
        near_misses=(C + "INFO/MainProcess] sync with celery@worker2",),
    ),
)
