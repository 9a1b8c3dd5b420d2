"""RabbitMQ broker lines, and what its clients (pika, the Java client, kombu) report."""

from __future__ import annotations

from dozor.analysis.patterns.base import RMQ, Pattern

RABBITMQ: tuple[Pattern, ...] = (
    Pattern(
        id="rabbitmq.memory_alarm",
        kind="rabbitmq",
        category="memory",
        source="rabbitmq-server deps/rabbit/src/rabbit_alarm.erl",
        severity="critical",
        regex=r"(?<=memory) resource limit alarm set on node\b",
        meaning="The broker crossed its memory high watermark: every publishing connection is blocked "
        "until memory falls again (producers hang).",
        action="Find the queues holding messages (rabbitmqctl list_queues name messages memory) and make their "
        "consumers catch up or purge them; raise the container memory limit with vm_memory_high_watermark.",
        examples=(
            RMQ + "[warning] <0.210.0> memory resource limit alarm set on node rabbit@queue.",
            "memory resource limit alarm set on node rabbit@node1.",
        ),
        near_misses=(
            RMQ + "[warning] <0.210.0> memory resource limit alarm cleared on node rabbit@queue",
            RMQ + "[info] <0.210.0> Memory high watermark set to 3200 MiB (3355443200 bytes) of 8000 MiB",
        ),
    ),
    Pattern(
        id="rabbitmq.disk_alarm",
        kind="rabbitmq",
        category="disk",
        source="rabbitmq-server deps/rabbit/src/rabbit_alarm.erl, deps/rabbit/src/rabbit_disk_monitor.erl",
        severity="critical",
        regex=r"(?<=disk) resource limit alarm set on node\b|Free disk space is insufficient\. Free bytes: ",
        meaning="Free disk fell below disk_free_limit: the broker blocks every publisher so it cannot run out "
        "of disk.",
        action="Free space on the broker's volume (docker system df, old logs, queues with a backlog) or grow "
        "it; the alarm clears by itself once free space is above the limit.",
        examples=(
            RMQ + "[warning] <0.375.0> disk resource limit alarm set on node rabbit@queue.",
            RMQ + "[info] <0.382.0> Free disk space is insufficient. Free bytes: 36388864. Limit: 50000000",
        ),
        near_misses=(
            RMQ + "[info] <0.375.0> Enabling free disk space monitoring (disk free space: 41943040000)",
        ),
    ),
    Pattern(
        id="rabbitmq.auth_failed",
        kind="rabbitmq",
        category="auth",
        source="rabbitmq-server deps/rabbit/src/rabbit_reader.erl, deps/rabbit/src/rabbit_access_control.erl",
        severity="critical",
        regex=r"login refused: user '[^']*' - invalid credentials|ProbableAuthentication(?=Error)",
        meaning="A client connected with a wrong user name or password and was refused.",
        action="Compare the client's AMQP URL with the broker's users (rabbitmqctl list_users); "
        "RABBITMQ_DEFAULT_USER/PASS apply only when the data volume is first created.",
        examples=(
            RMQ + "[error] <0.28993.9> PLAIN login refused: user 'app' - invalid credentials",
            "pika.exceptions.ProbableAuthenticationError: ConnectionClosedByBroker: (403) 'ACCESS_REFUSED - Login "
            "was refused using authentication mechanism PLAIN. For details see the broker logfile.'",
        ),
        near_misses=(RMQ + "[info] <0.918.0> connection <0.918.0> (172.18.0.5:51234 -> 172.18.0.3:5672): "
                     "user 'app' authenticated and granted access to vhost '/'",),
    ),
    Pattern(
        id="rabbitmq.guest_remote",
        kind="rabbitmq",
        category="auth",
        source="https://www.rabbitmq.com/docs/access-control#loopback-users",
        severity="critical",
        regex=r"user 'guest' can only connect via localhost",
        meaning="A client used the default guest account from another container: guest may only log in "
        "over loopback, so every such connection is refused.",
        action="Create a real user (RABBITMQ_DEFAULT_USER/RABBITMQ_DEFAULT_PASS on a fresh volume, or "
        "rabbitmqctl add_user + set_permissions) and point the client's AMQP URL at it.",
        examples=(RMQ + "[error] <0.918.0> PLAIN login refused: user 'guest' can only connect via localhost",),
        near_misses=(RMQ + "[warning] <0.230.0> Default user 'guest' can only log in via localhost: "
                     "loopback_users is set",),
    ),
    Pattern(
        id="rabbitmq.vhost_refused",
        kind="rabbitmq",
        category="auth",
        source="rabbitmq-server deps/rabbit/src/rabbit_access_control.erl",
        severity="critical",
        regex=r"access to vhost '[^']*' refused for user '[^']*'",
        meaning="The user logged in but has no permission on (or there is no) virtual host it asked for.",
        action="Grant it: rabbitmqctl set_permissions -p <vhost> <user> '.*' '.*' '.*', or create the vhost; "
        "check the vhost part of the client's AMQP URL (a trailing '/' is the vhost '/').",
        examples=(
            RMQ + "[error] <0.1021.0> access to vhost 'orders' refused for user 'app'",
            "com.rabbitmq.client.ShutdownSignalException: connection error; protocol method: #method<connection.close>"
            "(reply-code=530, reply-text=NOT_ALLOWED - access to vhost 'orders' refused for user 'app', class-id=10, "
            "method-id=40)",
        ),
        near_misses=(RMQ + "[info] <0.1021.0> Adding vhost 'orders' (description: '', tags: [])",),
    ),
    Pattern(
        id="rabbitmq.missed_heartbeats",
        kind="rabbitmq",
        category="connections",
        source="rabbitmq-server deps/rabbit/src/rabbit_reader.erl",
        severity="warning",
        regex=r"missed heartbeats from client\W+timeout: \d+s",
        meaning="The broker closed a connection whose client stopped answering heartbeats (a blocked event "
        "loop, a long task on the I/O thread, or a network drop).",
        action="Look at the client at that time: a long job blocking pika's thread, GC pauses, CPU throttling; "
        "run work off the connection thread or raise the heartbeat on both sides.",
        examples=(
            RMQ + "[error] <0.919.0> missed heartbeats from client, timeout: 60s",
            "missed heartbeats from client, timeout: 60s",
        ),
        near_misses=(RMQ + "[info] <0.919.0> connection <0.919.0>: heartbeat timeout negotiated as 60s",),
    ),
    Pattern(
        id="rabbitmq.connection_closed_abruptly",
        kind="rabbitmq",
        category="connections",
        source="rabbitmq-server deps/rabbit/src/rabbit_reader.erl",
        severity="info",
        regex=r"client unexpectedly closed TCP connection",
        meaning="A client went away without closing its AMQP connection (a short-lived script, a crash or a "
        "restart of the client container).",
        action="Harmless now and then; many per minute point at a client that crashes or reconnects in a loop: "
        "check that client's restarts and logs.",
        examples=(
            RMQ + "[warning] <0.589.0> client unexpectedly closed TCP connection",
            "client unexpectedly closed TCP connection",
        ),
        near_misses=(RMQ + "[info] <0.589.0> closing AMQP connection <0.589.0> (172.18.0.5:51234 -> "
                     "172.18.0.3:5672, vhost: '/', user: 'app')",),
    ),
    Pattern(
        id="rabbitmq.channel_error",
        kind="rabbitmq",
        category="schema",
        source="rabbitmq-server deps/rabbit/src/rabbit_channel.erl",
        severity="warning",
        regex=r"caused a channel exception (?:not_found|precondition_failed|access_refused|resource_locked)",
        meaning="A client's AMQP operation was rejected: a queue/exchange that does not exist, declared with "
        "different arguments than the existing one, or locked by an exclusive consumer.",
        action="Read the reason after the colon: declare the missing exchange/queue, or make every client "
        "declare it with the same arguments (durable, x-queue-type) — or delete and recreate it.",
        examples=(
            RMQ + "[error] <0.598.0> operation queue.declare caused a channel exception precondition_failed: "
            "inequivalent arg 'durable' for queue 'tasks' in vhost '/': received 'false' but current is 'true'",
            RMQ + "[error] <0.598.0> operation basic.publish caused a channel exception not_found: "
            "no exchange 'events' in vhost '/'",
        ),
        near_misses=(RMQ + "[info] <0.598.0> queue 'tasks' in vhost '/' declared",),
    ),
    Pattern(
        id="rabbitmq.erlang_cookie",
        kind="rabbitmq",
        category="startup",
        source="erlang/otp lib/kernel/src/auth.erl",
        severity="critical",
        regex=r"Cookie file \S+ must be accessible by owner only",
        meaning="The Erlang cookie file is readable by others, so the node refuses to start (a crash loop).",
        action="chmod 600 the .erlang.cookie on the data volume (often reset by a group-writable mount or "
        "fsGroup), then restart the container.",
        examples=("Cookie file /var/lib/rabbitmq/.erlang.cookie must be accessible by owner only",),
        near_misses=("Cookie file /var/lib/rabbitmq/.erlang.cookie created",),
    ),
    Pattern(
        id="rabbitmq.partition",
        kind="rabbitmq",
        category="cluster",
        source="https://www.rabbitmq.com/docs/partitions",
        severity="critical",
        regex=r"inconsistent_database, running_partitioned_network",
        meaning="The cluster split (network partition): nodes disagree about the cluster state and may each "
        "accept messages that the other side never sees.",
        action="Pick the partition to trust, restart the nodes of the other side (or rely on "
        "cluster_partition_handling = pause_minority/autoheal) and check the network between the nodes.",
        examples=(
            RMQ + "[error] <0.341.0> Mnesia(rabbit@rabbit1): ** ERROR ** mnesia_event got {inconsistent_database, "
            "running_partitioned_network, rabbit@rabbit2}",
        ),
        near_misses=(RMQ + "[info] <0.524.0> node rabbit@rabbit2 up",),
    ),
    Pattern(
        id="rabbitmq.node_down",
        kind="rabbitmq",
        category="cluster",
        source="rabbitmq-server deps/rabbit/src/rabbit_node_monitor.erl",
        severity="warning",
        regex=r"\bnode \S+ down: \w",
        meaning="A cluster peer stopped answering (restart, crash, or network trouble between the nodes).",
        action="Check that node's container (restarts, OOM) and the network between nodes; queues led by it "
        "are unavailable or fail over until it returns.",
        examples=(
            RMQ + "[info] <0.524.0> node rabbit@rabbit2 down: net_tick_timeout",
            RMQ + "[info] <0.524.0> node rabbit@rabbit2 down: connection_closed",
        ),
        near_misses=(RMQ + "[info] <0.524.0> node rabbit@rabbit2 up",),
    ),
    Pattern(
        id="rabbitmq.client_unreachable",
        kind="rabbitmq",
        category="connections",
        source="pika pika/exceptions.py; rabbitmq-java-client src/main/java/com/rabbitmq/client/"
        "ShutdownSignalException.java",
        severity="critical",
        regex=r"(?<=pika\.exceptions\.)(?:AMQPConnection|StreamLost|ConnectionClosedByBroker|IncompatibleProtocol)"
        r"|com\.rabbitmq\.client\.(?:ShutdownSignal|AuthenticationFailure|MissedHeartbeat)Exception\b",
        meaning="An application lost (or never got) its connection to the RabbitMQ broker.",
        action="Check the broker is running and reachable under that name and port (5672), its log at the same "
        "time (alarms, auth refusals), and that the client reconnects.",
        examples=(
            "pika.exceptions.AMQPConnectionError",
            "pika.exceptions.StreamLostError: Stream connection lost: ConnectionResetError(104, "
            "'Connection reset by peer')",
            "com.rabbitmq.client.ShutdownSignalException: connection error; protocol method: "
            "#method<connection.close>(reply-code=320, reply-text=CONNECTION_FORCED - broker forced connection "
            "closure with reason 'shutdown', class-id=0, method-id=0)",
        ),
        near_misses=("pika.adapters.blocking_connection: Created channel=1",),
    ),
)
