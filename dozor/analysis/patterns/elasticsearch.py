"""Elasticsearch / OpenSearch node lines, and what their clients report."""

from __future__ import annotations

from dozor.analysis.patterns.base import ES, Pattern

_WARN = ES + "[WARN ][o.e.c.r.a.DiskThresholdMonitor] [es01] "

ELASTICSEARCH: tuple[Pattern, ...] = (
    Pattern(
        id="elasticsearch.flood_stage",
        kind="elasticsearch",
        category="disk",
        source="elasticsearch server/src/main/java/org/elasticsearch/cluster/routing/allocation/"
        "DiskThresholdMonitor.java",
        severity="critical",
        regex=r"(?<=flood stage) disk watermark \[[^\]]+\] exceeded",
        meaning="A data node's disk passed the flood-stage watermark (95% by default): every index with a shard "
        "there is made read-only; writes fail.",
        action="Free disk on that node (delete old indices, grow the volume); recent versions lift the "
        "read-only-allow-delete block by themselves once usage drops below the high watermark.",
        examples=(
            _WARN + "flood stage disk watermark [95%] exceeded on [I6rPVGlWTzqPrbJvFboLXQ][es01]"
            "[/usr/share/elasticsearch/data] free: 10gb[2.2%], all indices on this node will be marked read-only",
        ),
        near_misses=(ES + "[INFO ][o.e.c.r.a.DiskThresholdMonitor] [es01] flood stage disk watermark [95%] no "
                     "longer exceeded on [I6rPVGlWTzqPrbJvFboLXQ][es01][/usr/share/elasticsearch/data]",),
    ),
    Pattern(
        id="elasticsearch.disk_watermark",
        kind="elasticsearch",
        category="disk",
        source="elasticsearch server/src/main/java/org/elasticsearch/cluster/routing/allocation/"
        "DiskThresholdMonitor.java",
        severity="warning",
        regex=r"(?:(?<=high)|(?<=low)) disk watermark \[[^\]]+\] exceeded on",
        meaning="A node's disk passed the low (no new replicas) or high (shards moved away) watermark.",
        action="Free or add disk before the flood stage makes indices read-only (check _cat/allocation).",
        examples=(
            _WARN + "high disk watermark [90%] exceeded on [I6rPVGlWTzqPrbJvFboLXQ][es01][/usr/share/elasticsearch/"
            "data] free: 4.8gb[9.1%], shards will be relocated away from this node; currently relocating away "
            "shards totalling [0] bytes",
        ),
        near_misses=(ES + "[INFO ][o.e.c.r.a.DiskThresholdMonitor] [es01] high disk watermark [90%] no longer "
                     "exceeded on [I6rPVGlWTzqPrbJvFboLXQ][es01][/usr/share/elasticsearch/data]",),
    ),
    Pattern(
        id="elasticsearch.index_read_only",
        kind="elasticsearch",
        category="disk",
        source="elasticsearch server/src/main/java/org/elasticsearch/cluster/metadata/IndexMetadata.java",
        severity="critical",
        regex=r"(?:cluster_block_exception|ClusterBlockException)\b.{0,300}?read.only",
        meaning="A write was refused because the index is blocked read-only after the flood-stage disk "
        "watermark: documents are not indexed.",
        action="Free disk on the data nodes; on old versions then clear the block: PUT */_settings "
        "{\"index.blocks.read_only_allow_delete\": null}.",
        examples=(
            'elasticsearch.exceptions.AuthorizationException: AuthorizationException(403, '
            "'cluster_block_exception', 'index [orders] blocked by: [FORBIDDEN/12/index read-only / allow delete "
            "(api)];')",
            "ElasticsearchStatusException[Elasticsearch exception [type=cluster_block_exception, reason=index "
            "[orders] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has "
            "read-only-allow-delete block];]]",
        ),
        near_misses=('{"index":{"blocks":{"read_only":"false"}}}',),
    ),
    Pattern(
        id="elasticsearch.bootstrap_check",
        kind="elasticsearch",
        category="startup",
        source="elasticsearch server/src/main/java/org/elasticsearch/bootstrap/BootstrapChecks.java",
        severity="critical",
        regex=r"bootstrap checks? fail|vm\.max_map_count \[\d+\] is too low",
        meaning="The node refused to start: a bootstrap check failed (usually vm.max_map_count on the host, or "
        "the open-files limit).",
        action="On the Docker host: sysctl -w vm.max_map_count=262144 (and persist it in /etc/sysctl.d); "
        "raise nofile ulimits for the container.",
        examples=(
            "bootstrap check failure [1] of [1]: max virtual memory areas vm.max_map_count [65530] is too low, "
            "increase to at least [262144]",
            "[1] bootstrap checks failed. You must address the points described in the following [1] lines before "
            "starting Elasticsearch.",
        ),
        near_misses=(ES + "[INFO ][o.e.b.BootstrapChecks    ] [es01] bound or publishing to a non-loopback "
                     "address, enforcing bootstrap checks",),
    ),
    Pattern(
        id="elasticsearch.master_not_discovered",
        kind="elasticsearch",
        category="cluster",
        source="elasticsearch server/src/main/java/org/elasticsearch/cluster/coordination/"
        "ClusterFormationFailureHelper.java",
        severity="critical",
        regex=r"master not discovered \b(?:yet|or elected yet)",
        meaning="The node cannot find or elect a master: the cluster is not formed and no request is served.",
        action="Single node: set discovery.type=single-node. Cluster: check discovery.seed_hosts and "
        "cluster.initial_master_nodes (node names), and that nodes reach each other on port 9300.",
        examples=(
            ES + "[WARN ][o.e.c.c.ClusterFormationFailureHelper] [es01] master not discovered yet, this node has not "
            "previously joined a bootstrapped cluster, and [cluster.initial_master_nodes] is empty on this node: "
            "have discovered []",
        ),
        near_misses=(ES + "[INFO ][o.e.c.s.MasterService    ] [es01] elected-as-master ([1] nodes joined)",),
    ),
    Pattern(
        id="elasticsearch.cluster_red",
        kind="elasticsearch",
        category="cluster",
        source="elasticsearch server/src/main/java/org/elasticsearch/cluster/routing/allocation/"
        "AllocationService.java",
        severity="critical",
        regex=r"Cluster health status changed from \W\w+\W to \WRED\W",
        meaning="At least one primary shard is unassigned: some indices cannot be searched or written.",
        action="Find why: GET _cluster/allocation/explain (missing node, full disk, corrupted shard).",
        examples=(
            ES + "[INFO ][o.e.c.r.a.AllocationService] [es01] Cluster health status changed from [YELLOW] to [RED] "
            "(reason: [shards failed [[orders][0]]]).",
        ),
        near_misses=(
            ES + "[INFO ][o.e.c.r.a.AllocationService] [es01] Cluster health status changed from [RED] to [YELLOW] "
            "(reason: [shards started [[orders][0]]]).",
        ),
    ),
    Pattern(
        id="elasticsearch.cluster_yellow",
        kind="elasticsearch",
        category="cluster",
        source="elasticsearch server/src/main/java/org/elasticsearch/cluster/routing/allocation/"
        "AllocationService.java",
        severity="warning",
        regex=r"Cluster health status changed from \W(?:GREEN|RED)\W to \WYELLOW\W",
        meaning="Replica shards are unassigned (normal on a single node with replicas > 0; after a node left "
        "otherwise): one more failure can lose data.",
        action="On one node set number_of_replicas to 0 for its indices; in a cluster check which node left "
        "(GET _cat/nodes, _cluster/allocation/explain).",
        examples=(
            ES + "[INFO ][o.e.c.r.a.AllocationService] [es01] Cluster health status changed from [GREEN] to "
            "[YELLOW] (reason: [{es02}{...} reason: disconnected]).",
        ),
        near_misses=(
            ES + "[INFO ][o.e.c.r.a.AllocationService] [es01] Cluster health status changed from [YELLOW] to "
            "[GREEN] (reason: [shards started [[orders][0]]]).",
        ),
    ),
    Pattern(
        id="elasticsearch.circuit_breaker",
        kind="elasticsearch",
        category="memory",
        source="elasticsearch server/src/main/java/org/elasticsearch/indices/breaker/"
        "HierarchyCircuitBreakerService.java",
        severity="critical",
        regex=r"\bCircuitBreakingException\b|\bcircuit_breaking_exception\b",
        meaning="The node refused a request because its heap is nearly full (the circuit breaker tripped "
        "before an OutOfMemoryError).",
        action="Give the JVM more heap (ES_JAVA_OPTS=-Xms..-Xmx.., about half the container memory), reduce "
        "large aggregations/bulk sizes, and look for heavy fielddata use.",
        examples=(
            "CircuitBreakingException[[parent] Data too large, data for [<http_request>] would be [1021045760/"
            "973.7mb], which is larger than the limit of [1020054732/972.7mb]]",
        ),
        near_misses=(ES + "[INFO ][o.e.i.b.HierarchyCircuitBreakerService] [es01] attempting to trigger G1GC due "
                     "to high heap usage [1021045760]",),
    ),
    Pattern(
        id="elasticsearch.gc_overhead",
        kind="elasticsearch",
        category="memory",
        source="elasticsearch server/src/main/java/org/elasticsearch/monitor/jvm/JvmGcMonitorService.java",
        severity="warning",
        regex=r"\[gc\]\[\d+\] overhead\W+spent \S+ collecting in the last",
        meaning="The JVM spends much of its time in garbage collection: the node is slow and may drop out of "
        "the cluster or run out of memory.",
        action="Check heap usage (GET _nodes/stats/jvm); give it more heap or reduce load (shard count, large "
        "queries).",
        examples=(
            ES + "[WARN ][o.e.m.j.JvmGcMonitorService] [es01] [gc][15375] overhead, spent [1.3s] collecting in "
            "the last [1.3s]",
        ),
        near_misses=(
            ES + "[INFO ][o.e.m.j.JvmGcMonitorService] [es01] [gc][young][2][1] duration [1.1s], collections "
            "[1]/[1.5s], total [1.1s]/[1.1s], memory [284.7mb]->[51.7mb]/[1.9gb]",
        ),
    ),
    Pattern(
        id="elasticsearch.rejected_execution",
        kind="elasticsearch",
        category="load",
        source="elasticsearch server/src/main/java/org/elasticsearch/common/util/concurrent/"
        "EsRejectedExecutionException.java",
        severity="warning",
        regex=r"\bEsRejectedExecutionException\b|\bes_rejected_execution_exception\b",
        meaning="A thread pool queue (write/search) was full and the node refused the request (HTTP 429): "
        "clients must retry or the data is lost.",
        action="Make clients back off and retry; lower bulk concurrency; check the node is not starved of CPU "
        "or disk I/O.",
        examples=(
            "org.elasticsearch.common.util.concurrent.EsRejectedExecutionException: rejected execution of "
            "coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, "
            "coordinating_operation_bytes=5242880, max_coordinating_and_primary_bytes=107374182]",
        ),
        near_misses=('{"thread_pool":{"write":{"queue":0,"rejected":0}}}',),
    ),
    Pattern(
        id="elasticsearch.auth_failed",
        kind="elasticsearch",
        category="auth",
        source="elasticsearch x-pack/plugin/security/src/main/java/org/elasticsearch/xpack/security/authc/"
        "DefaultAuthenticationFailureHandler.java",
        severity="critical",
        regex=r"unable to authenticate user \W[^\]]*\] for (?:REST request|action)",
        meaning="A client (an app, Kibana, Logstash, a beat) sent a wrong user or password for Elasticsearch.",
        action="Compare the client's credentials with the Elasticsearch users (ELASTIC_PASSWORD applies only "
        "when the data volume is first created; reset with elasticsearch-reset-password).",
        examples=(
            "ElasticsearchStatusException[Elasticsearch exception [type=security_exception, reason=unable to "
            "authenticate user [app] for REST request [/_bulk?refresh=true&timeout=1m]]]",
            '{"error":{"root_cause":[{"type":"security_exception","reason":"unable to authenticate user '
            '[kibana_system] for REST request [/_nodes?filter_path=nodes.*.version]"}]},"status":401}',
        ),
        near_misses=('{"username":"elastic","roles":["superuser"],"authentication_realm":{"name":"reserved",'
                     '"type":"reserved"}}',),
    ),
    Pattern(
        id="elasticsearch.client_unreachable",
        kind="elasticsearch",
        category="connections",
        source="elastic-transport-python elastic_transport/_node/_http_urllib3.py; elasticsearch-js "
        "(@elastic/transport) src/errors.ts",
        severity="critical",
        regex=r"\belastic_transport\.Connection(?=Error\b)|\bNoLivingConnections(?=Error)",
        meaning="An application could not reach Elasticsearch (down, starting, wrong URL, or a full heap "
        "making it unresponsive).",
        action="Check the Elasticsearch container and its log at that time, and the URL the client uses "
        "(http vs https on 9200 since 8.x security defaults).",
        examples=(
            "elastic_transport.ConnectionError: Connection error caused by: NewConnectionError(<urllib3."
            "connection.HTTPConnection object at 0x7f>: Failed to establish a new connection: [Errno 111] "
            "Connection refused)",
            "NoLivingConnectionsError: There are no living connections",
        ),
        near_misses=("elasticsearch client connected to http://search:9200",),
    ),
)
