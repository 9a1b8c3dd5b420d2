"""MongoDB server (structured JSON log) lines and what its drivers report."""

from __future__ import annotations

from dozor.analysis.patterns.base import MG, Pattern

MONGODB: tuple[Pattern, ...] = (
    Pattern(
        id="mongodb.auth_failed",
        kind="mongodb",
        category="auth",
        source="mongo src/mongo/db/auth/sasl_commands.cpp",
        severity="critical",
        regex=r'"msg":"Authentication failed"|\bAuthenticationFailed\b'
        r"|MongoServerError: Authentication failed|OperationFailure: Authentication failed",
        meaning="A client used a wrong user/password or authentication database (authSource).",
        action="Check credentials and authSource in the URI (users created via MONGO_INITDB_* live in 'admin').",
        examples=(
            MG + '"s":"I",  "c":"ACCESS",   "id":20249,   "ctx":"conn12","msg":"Authentication failed",'
            '"attr":{"mechanism":"SCRAM-SHA-256","speculative":true,"principalName":"app",'
            '"authenticationDatabase":"admin","remote":"172.18.0.5:51234","extraInfo":{},'
            '"error":"AuthenticationFailed: SCRAM authentication failed, storedKey mismatch"}}',
            "MongoServerError: Authentication failed.",
        ),
        near_misses=(
            MG + '"s":"I",  "c":"ACCESS",   "id":5286306, "ctx":"conn5","msg":"Successfully authenticated",'
            '"attr":{"client":"172.18.0.5:51236","mechanism":"SCRAM-SHA-256","user":"app","db":"admin"}}',
        ),
    ),
    Pattern(
        id="mongodb.unreachable",
        kind="mongodb",
        category="connections",
        source="pymongo pymongo/topology.py; node-mongodb-native src/sdam/topology.ts",
        severity="critical",
        regex=r"MongoServerSelectionError|ServerSelectionTimeoutError|MongoNetworkError"
        r"|ECONNREFUSED \S+:27017\b|:27017: \[Errno 111\] Connection refused",
        meaning="The client could not reach any suitable MongoDB server (down, wrong host, replica set name).",
        action="Check the mongo container, the URI host/port and replicaSet, and the network between them.",
        examples=(
            "pymongo.errors.ServerSelectionTimeoutError: mongo:27017: [Errno 111] Connection refused, "
            "Timeout: 30s, Topology Description: <TopologyDescription id: 1, topology_type: Unknown>",
            "MongoServerSelectionError: connect ECONNREFUSED 172.18.0.3:27017",
        ),
        near_misses=(
            MG + '"s":"I",  "c":"NETWORK",  "id":23016,   "ctx":"listener","msg":"Waiting for connections",'
            '"attr":{"port":27017,"ssl":"off"}}',
        ),
    ),
    Pattern(
        id="mongodb.pool_cleared",
        kind="mongodb",
        category="connections",
        source="mongo src/mongo/executor/connection_pool.cpp; node-mongodb-native src/cmap/errors.ts",
        severity="warning",
        regex=r"Connection pool for \S+ (?:was )?cleared|PoolClearedError|\"msg\":\"Connection pool cleared\""
        r"|\"msg\":\"Dropping all pooled connections\"",
        meaning="The driver or server dropped a connection pool after a network error or failover.",
        action="Look for the error that caused it (server restart, primary step-down, network).",
        examples=(
            "MongoPoolClearedError: Connection pool for mongo:27017 was cleared because another operation "
            'failed with: "connection <monitor> to 172.18.0.3:27017 closed"',
            MG + '"s":"I",  "c":"CONNPOOL", "id":22572,   "ctx":"MirrorMaestro","msg":"Dropping all pooled '
            'connections","attr":{"hostAndPort":"mongo2:27017","error":"ShutdownInProgress: Pool for '
            'mongo2:27017 has expired."}}',
        ),
        near_misses=(
            MG + '"s":"I",  "c":"CONNPOOL", "id":22576,   "ctx":"ReplNetwork","msg":"Connecting",'
            '"attr":{"hostAndPort":"mongo2:27017"}}',
        ),
    ),
    Pattern(
        id="mongodb.wiredtiger_error",
        kind="mongodb",
        category="persistence",
        source="mongo src/mongo/db/storage/wiredtiger/wiredtiger_util.cpp",
        severity="critical",
        regex=r'"s":"[EF]",\s*"c":"WT|WiredTiger error|WT_PANIC',
        meaning="The WiredTiger storage engine failed (permissions, disk, corruption, unclean shutdown).",
        action="Check /data/db ownership and free space; after a crash run mongod --repair on a copy.",
        examples=(
            MG + '"s":"E",  "c":"WT",       "id":22435,   "ctx":"initandlisten","msg":"WiredTiger error '
            'message","attr":{"error":13,"message":{"ts_sec":1764220398,"ts_usec":0,"thread":"1:0x7f",'
            '"session_name":"wiredtiger_open","category":"WT_VERB_DEFAULT","verbose_level":"ERROR",'
            '"msg":"__posix_open_file:805:/data/db/WiredTiger.wt: handle-open: open","error_str":'
            '"Permission denied","error_code":13}}}',
        ),
        near_misses=(
            MG + '"s":"I",  "c":"WTCHKPT",  "id":22430,   "ctx":"Checkpointer","msg":"WiredTiger message",'
            '"attr":{"message":{"ts_sec":1764220398,"ts_usec":123,"thread":"1:0x7f","msg":"saving '
            'checkpoint snapshot min: 37, snapshot max: 37 snapshot count: 0"}}}',
        ),
    ),
    Pattern(
        id="mongodb.error_log",
        kind="mongodb",
        category="crash",
        source="https://www.mongodb.com/docs/manual/reference/log-messages/",
        severity="warning",
        regex=r'\},"s":"E",|\},"s":"F",',
        meaning="mongod logged an error (E) or fatal (F) event.",
        action="Read the msg and attr.error fields of the line.",
        examples=(
            MG + '"s":"E",  "c":"CONTROL",  "id":20557,   "ctx":"initandlisten","msg":"DBException in '
            'initAndListen, terminating","attr":{"error":"DBPathInUse: Unable to lock the lock file"}}',
        ),
        near_misses=(
            MG + '"s":"I",  "c":"CONTROL",  "id":23285,   "ctx":"main","msg":"Automatically disabling TLS '
            "1.0, to force-enable TLS 1.0 specify --sslDisabledProtocols 'none'\"}",
        ),
        generic=True,
    ),
)
