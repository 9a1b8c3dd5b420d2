"""Redis / Valkey server lines and what its clients report."""

from __future__ import annotations

from dozor.analysis.patterns.base import RD, Pattern

REDIS: tuple[Pattern, ...] = (
    Pattern(
        id="redis.oom",
        kind="redis",
        category="memory",
        source="redis src/server.c",
        severity="critical",
        regex=r"OOM command not allowed when used memory",
        meaning="Redis reached maxmemory and its eviction policy forbids freeing space; writes fail.",
        action="Raise maxmemory, pick an evicting maxmemory-policy (allkeys-lru) for caches, "
        "or find the keys that grow without TTL.",
        examples=(
            "redis.exceptions.OutOfMemoryError: OOM command not allowed when used memory > 'maxmemory'.",
            "ReplyError: OOM command not allowed when used memory > 'maxmemory'.",
        ),
        near_misses=(RD + "* DB loaded from disk: 0.012 seconds",),
    ),
    Pattern(
        id="redis.persistence_failed",
        kind="redis",
        category="persistence",
        source="redis src/server.c, src/rdb.c",
        severity="critical",
        regex=r"MISCONF Redis is configured to save RDB snapshots|Background saving error"
        r"|Failed opening the (?:temp )?RDB file|Can't save in background"
        r"|Background AOF rewrite terminated with error|Write error (?:saving DB|writing append only file)",
        meaning="Redis cannot write its RDB/AOF file; with stop-writes-on-bgsave-error it refuses writes.",
        action="Check free disk and permissions of /data, and fork memory (vm.overcommit_memory=1).",
        examples=(
            RD + "# Background saving error",
            RD + "# Failed opening the temp RDB file temp-1.rdb (in server root dir /data) for saving: "
            "Permission denied",
            RD + "# Can't save in background: fork: Cannot allocate memory",
            "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "
            "disk. Commands that may modify the data set are disabled.",
        ),
        near_misses=(
            RD + "* Background saving terminated with success",
            RD + "* Background saving started by pid 123",
        ),
    ),
    Pattern(
        id="redis.connection_refused",
        kind="redis",
        category="connections",
        source="redis src/redis-cli.c; redis-py redis/connection.py",
        severity="critical",
        regex=r"Could not connect to Redis at|Error 111 connecting to|ECONNREFUSED \S+:6379\b"
        r"|Connection to Redis \S+ refused",
        meaning="A client could not reach Redis (not running, wrong host/port, or not ready yet).",
        action="Check that the redis container is up and on the same network, and the host/port in the app.",
        examples=(
            "Could not connect to Redis at 127.0.0.1:6379: Connection refused",
            "redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.",
            "[ioredis] Unhandled error event: Error: connect ECONNREFUSED 172.18.0.3:6379",
        ),
        near_misses=(RD + "* Ready to accept connections tcp",),
    ),
    Pattern(
        id="redis.max_clients",
        kind="redis",
        category="connections",
        source="redis src/networking.c",
        severity="critical",
        regex=r"max number of clients reached",
        meaning="Redis hit maxclients; new connections are rejected.",
        action="Look for clients that leak connections; raise maxclients and the file-descriptor limit.",
        examples=(
            "ERR max number of clients reached",
            "redis.exceptions.ConnectionError: max number of clients reached",
        ),
        near_misses=(RD + "# You requested maxclients of 10000 requiring at least 10032 max file descriptors.",),
    ),
    Pattern(
        id="redis.auth_failed",
        kind="redis",
        category="auth",
        source="redis src/server.c, src/acl.c",
        severity="critical",
        regex=r"NOAUTH Authentication required|WRONGPASS invalid username-password pair"
        r"|invalid username-password pair or user is disabled",
        meaning="A client sent no password or the wrong one.",
        action="Align the client's Redis password/ACL user with requirepass or the ACL file.",
        examples=(
            "NOAUTH Authentication required.",
            "redis.exceptions.AuthenticationError: invalid username-password pair or user is disabled.",
        ),
        near_misses=(
            "1:C 27 Nov 2026 05:13:18.123 * Redis version=7.2.4, bits=64, commit=00000000, modified=0, "
            "pid=1, just started",
        ),
    ),
    Pattern(
        id="redis.loading",
        kind="redis",
        category="startup",
        source="redis src/server.c",
        severity="warning",
        regex=r"LOADING Redis is loading the dataset in memory",
        meaning="Clients connected while Redis was still loading its dataset after a start.",
        action="Wait for readiness in the client or healthcheck; large datasets load slowly.",
        examples=("redis.exceptions.BusyLoadingError: LOADING Redis is loading the dataset in memory",),
        near_misses=(RD + "* Loading RDB produced by version 7.2.4",),
    ),
    Pattern(
        id="redis.overcommit_warning",
        kind="redis",
        category="memory",
        source="redis src/syscheck.c",
        severity="info",
        regex=r"WARNING Memory overcommit must be enabled|overcommit_memory is set to 0",
        meaning="The host's vm.overcommit_memory is 0; background saves may fail under memory pressure.",
        action="Set vm.overcommit_memory=1 on the host (sysctl).",
        examples=(
            "1:C 27 Nov 2026 05:13:18.123 # WARNING Memory overcommit must be enabled! Without it, a "
            "background save or replication may fail under low memory condition.",
        ),
        near_misses=(RD + "* Server initialized",),
    ),
    Pattern(
        id="redis.readonly_replica",
        kind="redis",
        category="replication",
        source="redis src/server.c (shared.roslaveerr: READONLY You can't write against a read only replica.)",
        severity="critical",
        regex=r"(?:READONLY|ReadOnlyError:) You can't write against a read only (?:replica|slave)",
        meaning="A client writes to a Redis replica: after a failover the old primary became a replica, or the "
        "client points at the wrong node.",
        action="Point the client at the current primary (Sentinel/Cluster-aware client or the service name of the "
        "primary); check the failover and `INFO replication` on each node.",
        examples=(
            "redis.exceptions.ReadOnlyError: You can't write against a read only replica.",
            "ReplyError: READONLY You can't write against a read only replica.",
        ),
        near_misses=(RD + "* Connecting to MASTER redis-primary:6379",),
    ),
)
