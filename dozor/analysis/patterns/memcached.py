"""memcached's own (few) messages, and the server errors its clients report."""

from __future__ import annotations

from dozor.analysis.patterns.base import Pattern

MEMCACHED: tuple[Pattern, ...] = (
    Pattern(
        id="memcached.port_in_use",
        kind="memcached",
        category="startup",
        source="memcached memcached.c (server_sockets)",
        severity="critical",
        regex=r"failed to listen on \b(?:TCP|UDP) port \d+",
        meaning="memcached could not open its port and exited (another process or container holds it).",
        action="Find the holder (ss -ltnp, docker ps) or change the port (-p) and the clients' address.",
        examples=("failed to listen on TCP port 11211: Address already in use",),
        near_misses=("<26 server listening (auto-negotiate)",),
    ),
    Pattern(
        id="memcached.rlimit",
        kind="memcached",
        category="startup",
        source="memcached memcached.c (main)",
        severity="critical",
        regex=r"failed to set rlimit for open files",
        meaning="memcached could not raise its open-files limit for the requested max connections (-c) and "
        "exited.",
        action="Raise the container's nofile ulimit (ulimits: nofile in compose) or lower -c.",
        examples=("failed to set rlimit for open files. Try starting as root or requesting smaller maxconns value.",),
        near_misses=("maxconns: 1024",),
    ),
    Pattern(
        id="memcached.out_of_memory",
        kind="memcached",
        category="memory",
        source="memcached proto_text.c (process_update_command)",
        severity="warning",
        regex=r"\bout of memory storing object\b",
        meaning="memcached refused to store an item: its memory (-m) is full and eviction is disabled (-M), or "
        "the slab class for that size has no free pages.",
        action="Give it more memory (-m), allow eviction (drop -M), or check with 'stats slabs' whether one "
        "item size starves the others (slab_reassign/slab_automove).",
        examples=(
            "SERVER_ERROR out of memory storing object",
            "pymemcache.exceptions.MemcacheServerError: b'out of memory storing object'",
        ),
        near_misses=("STAT limit_maxbytes 67108864",),
    ),
    Pattern(
        id="memcached.object_too_large",
        kind="memcached",
        category="limits",
        source="memcached proto_text.c (process_update_command)",
        severity="warning",
        regex=r"object too large for cache",
        meaning="An item larger than the item size limit (-I, 1 MB by default) was refused: it is not cached.",
        action="Cache smaller values (compress, split) or raise -I on the server.",
        examples=(
            "SERVER_ERROR object too large for cache",
            "pymemcache.exceptions.MemcacheServerError: b'object too large for cache'",
        ),
        near_misses=("STAT item_size_max 1048576",),
    ),
    Pattern(
        id="memcached.too_many_connections",
        kind="memcached",
        category="connections",
        source="memcached memcached.c (accept_new_conns / conn_new)",
        severity="critical",
        regex=r"Too many open connections",
        meaning="memcached reached its connection limit (-c) or the open-files limit: new clients are refused.",
        action="Raise -c and the nofile ulimit, or find the client that leaks connections (stats conns).",
        examples=("ERROR Too many open connections",),
        near_misses=("STAT curr_connections 10",),
    ),
    Pattern(
        id="memcached.client_unreachable",
        kind="memcached",
        category="connections",
        source="pymemcache pymemcache/exceptions.py; libmemcached libmemcached/strerror.cc",
        severity="warning",
        regex=r"\bMemcacheUnexpectedClose(?=Error)|SERVER HAS FAILED AND IS DISABLED UNTIL TIMED RETRY",
        meaning="An application lost its memcached server: every lookup misses and goes to the database.",
        action="Check the memcached container and the address the client uses (port 11211).",
        examples=(
            "pymemcache.exceptions.MemcacheUnexpectedCloseError",
            "[2026-11-27 05:13:18] production.ERROR: Memcached error: SERVER HAS FAILED AND IS DISABLED UNTIL "
            "TIMED RETRY",
        ),
        near_misses=("memcached: connected to cache:11211",),
    ),
)
