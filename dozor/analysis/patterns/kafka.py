"""Apache Kafka broker lines, and what its clients (the Java client, librdkafka, kafka-python) report."""

from __future__ import annotations

from dozor.analysis.patterns.base import KAFKA as K
from dozor.analysis.patterns.base import Pattern

KAFKA: tuple[Pattern, ...] = (
    Pattern(
        id="kafka.log_dirs_failed",
        kind="kafka",
        category="disk",
        source="kafka core/src/main/scala/kafka/log/LogManager.scala",
        severity="critical",
        regex=r"Shutdown broker because all log dirs in .{1,300} have failed",
        meaning="Every data directory of the broker failed (full disk, I/O error, permissions): the broker "
        "halts.",
        action="Read the error just before it (KafkaStorageException, No space left on device, "
        "AccessDeniedException); free or fix the volume, then start the broker again.",
        examples=(
            K + "ERROR Shutdown broker because all log dirs in /var/lib/kafka/data have failed (kafka.log.LogManager)",
        ),
        near_misses=(K + "INFO Loading logs from log dirs ArraySeq(/var/lib/kafka/data) (kafka.log.LogManager)",),
    ),
    Pattern(
        id="kafka.storage_error",
        kind="kafka",
        category="disk",
        source="kafka clients/src/main/java/org/apache/kafka/common/errors/KafkaStorageException.java",
        severity="critical",
        regex=r"\bKafkaStorageException\b",
        meaning="The broker could not read or write a log segment (disk full, I/O error or permissions); the "
        "partitions on that directory go offline.",
        action="Check the broker's data volume (df -h, dmesg for I/O errors, ownership of the log dirs).",
        examples=(
            "org.apache.kafka.common.errors.KafkaStorageException: Error while deleting segments for orders-0 in "
            "dir /var/lib/kafka/data",
        ),
        near_misses=(K + "INFO [LogLoader partition=orders-0, dir=/var/lib/kafka/data] Loading producer state "
                     "till offset 0 (kafka.log.UnifiedLog$)",),
    ),
    Pattern(
        id="kafka.cluster_id_mismatch",
        kind="kafka",
        category="startup",
        source="kafka core/src/main/scala/kafka/server/KafkaServer.scala",
        severity="critical",
        regex=r"\bInconsistentClusterIdException\b",
        meaning="The broker's data volume belongs to another cluster than the ZooKeeper/KRaft metadata it "
        "joined (ZooKeeper's data was lost or recreated while Kafka's was kept): the broker refuses to start.",
        action="Persist ZooKeeper's data too; if the Kafka data is disposable, remove meta.properties from the "
        "log dirs, otherwise restore the original ZooKeeper data.",
        examples=(
            "kafka.common.InconsistentClusterIdException: The Cluster ID OkOjGPrdRimp8nkFohYkCw doesn't match "
            "stored clusterId Some(sbkcoiSiQV2h_mQpwy05zQ) in meta.properties. The broker is trying to join the "
            "wrong cluster. Configured zookeeper.connect may be wrong.",
        ),
        near_misses=(K + "INFO Cluster ID = OkOjGPrdRimp8nkFohYkCw (kafka.server.KafkaServer)",),
    ),
    Pattern(
        id="kafka.startup_failed",
        kind="kafka",
        category="startup",
        source="kafka core/src/main/scala/kafka/server/KafkaServer.scala, core/src/main/scala/kafka/server/"
        "BrokerServer.scala",
        severity="critical",
        regex=r"(?<=Fatal error) during \w+ startup\. Prepare to shutdown",
        meaning="The broker failed to start and is shutting down.",
        action="Read the exception on the next line (cluster ID mismatch, port in use, bad listener or "
        "storage configuration) and fix that.",
        examples=(
            K + "ERROR Fatal error during KafkaServer startup. Prepare to shutdown (kafka.server.KafkaServer)",
            K + "ERROR [BrokerServer id=1] Fatal error during broker startup. Prepare to shutdown "
            "(kafka.server.BrokerServer)",
        ),
        near_misses=(K + "INFO [KafkaServer id=1] started (kafka.server.KafkaServer)",),
    ),
    Pattern(
        id="kafka.auth_failed",
        kind="kafka",
        category="auth",
        source="kafka clients/src/main/java/org/apache/kafka/common/network/Selector.java",
        severity="critical",
        regex=r"Failed authentication with /\S+ .{0,200}?(?:invalid credentials|Authentication failed)",
        meaning="A client presented wrong SASL credentials to the broker and was refused.",
        action="Compare the client's sasl.jaas.config user/password with the broker's JAAS or SCRAM users "
        "(kafka-configs --describe --entity-type users).",
        examples=(
            K + "INFO [SocketServer listenerType=BROKER, nodeId=1] Failed authentication with /172.20.0.4 "
            "(channelId=172.20.0.2:9097-172.20.0.4:33076-4-3) (Authentication failed during authentication due "
            "to invalid credentials with SASL mechanism SCRAM-SHA-256) (org.apache.kafka.common.network.Selector)",
        ),
        near_misses=(
            K + "INFO [SocketServer listenerType=BROKER, nodeId=1] Failed authentication with /10.244.0.23 "
            "(channelId=10.244.0.17:9093-10.244.0.23:38710-39) (SSL handshake failed) "
            "(org.apache.kafka.common.network.Selector)",
        ),
    ),
    Pattern(
        id="kafka.isr_shrink",
        kind="kafka",
        category="replication",
        source="kafka core/src/main/scala/kafka/cluster/Partition.scala",
        severity="warning",
        regex=r"Shrinking ISR from \S+ to \S+",
        meaning="A follower fell behind and was removed from a partition's in-sync replicas: the partition is "
        "under-replicated (one more failure can lose acknowledged data with acks=1).",
        action="Check the follower broker named in 'Out of sync replicas' (restarts, disk, GC pauses, network); "
        "repeated shrink/expand means it cannot keep up.",
        examples=(
            K + "INFO [Partition orders-0 broker=1] Shrinking ISR from 1,2,3 to 1,3. Leader: (highWatermark: 150, "
            "endOffset: 150). Out of sync replicas: (brokerId: 2, endOffset: 132). (kafka.cluster.Partition)",
        ),
        near_misses=(K + "INFO [Partition orders-0 broker=1] Expanding ISR from 1,3 to 1,3,2 "
                     "(kafka.cluster.Partition)",),
    ),
    Pattern(
        id="kafka.broker_unavailable",
        kind="kafka",
        category="connections",
        source="kafka clients/src/main/java/org/apache/kafka/clients/NetworkClient.java",
        severity="warning",
        regex=r"could not be established\. \b(?:Node|Broker) may not be available",
        meaning="A Kafka client cannot reach a broker; it keeps retrying (producers buffer, then time out).",
        action="Check the broker is up and that its advertised.listeners name an address this client can reach "
        "(inside Docker: the service name, not localhost).",
        examples=(
            K + "WARN [Producer clientId=producer-1] Connection to node -1 (kafka/172.18.0.3:9092) could not be "
            "established. Broker may not be available. (org.apache.kafka.clients.NetworkClient)",
            "2026-11-27 05:13:18.123  WARN 1 --- [ad | producer-1] org.apache.kafka.clients.NetworkClient   : "
            "[Producer clientId=producer-1] Connection to node 1 (localhost/127.0.0.1:9092) could not be "
            "established. Node may not be available.",
        ),
        near_misses=(K + "INFO [Producer clientId=producer-1] Cluster ID: OkOjGPrdRimp8nkFohYkCw "
                     "(org.apache.kafka.clients.Metadata)",),
    ),
    Pattern(
        id="kafka.no_brokers",
        kind="kafka",
        category="connections",
        source="kafka-python kafka/errors.py; librdkafka src/rdkafka_broker.c",
        severity="critical",
        regex=r"(?<=errors\.)NoBrokersAvailable\b|\d+/\d+ brokers are down",
        meaning="The client could reach no broker at all: nothing is produced or consumed.",
        action="Check the brokers are running, the bootstrap servers the client uses, and advertised.listeners.",
        examples=(
            "kafka.errors.NoBrokersAvailable: NoBrokersAvailable",
            "%3|1795849998.123|FAIL|rdkafka#producer-1| [thrd:kafka:9092/bootstrap]: 1/1 brokers are down",
        ),
        near_misses=("%7|1795849998.123|BROKER|rdkafka#producer-1| [thrd:app]: kafka:9092/bootstrap: Added new "
                     "broker with NodeId -1",),
    ),
    Pattern(
        id="kafka.not_leader",
        kind="kafka",
        category="replication",
        source="kafka clients/src/main/java/org/apache/kafka/common/errors/NotLeaderOrFollowerException.java",
        severity="warning",
        regex=r"\bNotLeaderOrFollowerException\b|(?<=Error: )NOT_LEADER_OR_FOLLOWER\b|=LEADER_NOT_AVAILABLE\b",
        meaning="A client sent to a broker that no longer leads the partition (leadership moved: a broker "
        "restarted or fell out); clients refresh metadata and retry.",
        action="Transient during broker restarts; if it persists, check for a broker that is down or flapping "
        "and for offline partitions (kafka-topics --describe --unavailable-partitions).",
        examples=(
            K + "WARN [Producer clientId=producer-1] Got error produce response with correlation id 8 on "
            "topic-partition orders-0, retrying (2147483646 attempts left). Error: NOT_LEADER_OR_FOLLOWER "
            "(org.apache.kafka.clients.producer.internals.Sender)",
            K + "WARN [Producer clientId=producer-1] Error while fetching metadata with correlation id 4 : "
            "{orders=LEADER_NOT_AVAILABLE} (org.apache.kafka.clients.NetworkClient)",
        ),
        near_misses=(K + "INFO [Partition orders-0 broker=1] orders-0 starts at leader epoch 3 from offset 150 "
                     "with partition epoch 7 (kafka.cluster.Partition)",),
    ),
    Pattern(
        id="kafka.record_too_large",
        kind="kafka",
        category="limits",
        source="kafka clients/src/main/java/org/apache/kafka/common/errors/RecordTooLargeException.java",
        severity="critical",
        regex=r"\bRecordTooLargeException\b",
        meaning="A message larger than max.request.size (producer) or message.max.bytes (broker/topic) was "
        "refused: it is not stored.",
        action="Shrink or split the payload, or raise max.request.size on the producer together with "
        "message.max.bytes / max.message.bytes on the broker or topic.",
        examples=(
            "org.apache.kafka.common.errors.RecordTooLargeException: The message is 2000000 bytes when serialized "
            "which is larger than 1048576, which is the value of the max.request.size configuration.",
        ),
        near_misses=("max.request.size = 1048576",),
    ),
    Pattern(
        id="kafka.consumer_kicked",
        kind="kafka",
        category="consumers",
        source="kafka clients/src/main/java/org/apache/kafka/clients/consumer/CommitFailedException.java",
        severity="warning",
        regex=r"\bCommitFailedException\b|consumer poll timeout has expired",
        meaning="A consumer took longer than max.poll.interval.ms between polls and was removed from its group: "
        "its partitions were rebalanced and its offsets were not committed (messages are processed twice).",
        action="Process fewer records per poll (max.poll.records) or faster, or raise max.poll.interval.ms.",
        examples=(
            "org.apache.kafka.clients.consumer.CommitFailedException: Offset commit cannot be completed since the "
            "consumer is not part of an active group for auto partition assignment; it is likely that the "
            "consumer was kicked out of the group.",
            K + "WARN [Consumer clientId=consumer-app-1, groupId=app] consumer poll timeout has expired. This "
            "means the time between subsequent calls to poll() was longer than the configured "
            "max.poll.interval.ms (org.apache.kafka.clients.consumer.internals.ConsumerCoordinator)",
        ),
        near_misses=(K + "INFO [Consumer clientId=consumer-app-1, groupId=app] Successfully joined group with "
                     "generation Generation{generationId=3} (org.apache.kafka.clients.consumer.internals."
                     "ConsumerCoordinator)",),
    ),
    Pattern(
        id="kafka.zookeeper_session",
        kind="kafka",
        category="cluster",
        source="kafka core/src/main/scala/kafka/zookeeper/ZooKeeperClient.scala",
        severity="warning",
        regex=r"\bSession expired\b.{0,80}\(kafka\.zookeeper\.ZooKeeperClient\)|\bZooKeeperClientTimeoutException\b",
        meaning="The broker lost its ZooKeeper session or cannot reach ZooKeeper: it drops out of the cluster "
        "until it reconnects (leaders move away).",
        action="Check ZooKeeper is up and reachable, and for long GC pauses or CPU throttling on the broker.",
        examples=(
            "kafka.zookeeper.ZooKeeperClientTimeoutException: Timed out waiting for connection while in state: "
            "CONNECTING",
            K + "INFO [ZooKeeperClient Kafka server] Session expired. (kafka.zookeeper.ZooKeeperClient)",
        ),
        near_misses=(K + "INFO [ZooKeeperClient Kafka server] Connected. (kafka.zookeeper.ZooKeeperClient)",),
    ),
)
