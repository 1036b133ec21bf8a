"""The idempotent consumer: each event's effect applied once, resuming from the database.

    consumer = IdempotentConsumer(
        database, bootstrap_servers, name="ledger", topics=[topic_for("orders.order")],
        handler=post_order_entries,
    )
    await consumer.run()        # until `await consumer.stop()`

`handler(session, envelope, record)` applies one event in `session`; the consumer records the
event id and the partition's next offset in the same transaction (`Tracking`, on the kit's
`consumer_positions` and `processed_events` tables), so a redelivered event is skipped and a
restarted or rebalanced consumer resumes exactly where its committed work ends. Poison records
go to `<topic>.dlq` as `mercato.events.v1.DeadLetter` and the partition goes on.

Why aiokafka and not faust-streaming (kept for windowed, table-backed stream processing whose
state may be rebuilt from its changelog, such as marketing's traffic windows, never the money
path):
faust keeps its positions in Kafka and commits offsets from its own background task, so it
cannot resume from positions held in the service's database, and it has open bugs that commit
past messages still being processed (faust-streaming #606): after a crash those are lost. The
kit's consumer is therefore aiokafka (faust's own client) with auto-commit off and a rebalance
listener that, on every assignment, seeks each partition to the position stored in the
database. Kafka offsets are committed after the database commit only so that lag can be
monitored; they are never read back.
"""

from mercato_kit.consumer._consumer import Handler, IdempotentConsumer
from mercato_kit.consumer._dead_letters import (
    DEAD_LETTER_CONTENT_TYPE,
    dead_letter_record,
    describe_error,
)
from mercato_kit.consumer._memory import InMemoryTracking
from mercato_kit.consumer._partitions import topic_partitions
from mercato_kit.consumer._record import ConsumedRecord
from mercato_kit.consumer._sql import SqlTracking
from mercato_kit.consumer._tracking import (
    Outcome,
    Partition,
    TrackedEvent,
    Tracking,
    TrackingConflict,
)

__all__ = [
    "DEAD_LETTER_CONTENT_TYPE",
    "ConsumedRecord",
    "Handler",
    "IdempotentConsumer",
    "InMemoryTracking",
    "Outcome",
    "Partition",
    "SqlTracking",
    "TrackedEvent",
    "Tracking",
    "TrackingConflict",
    "dead_letter_record",
    "describe_error",
    "topic_partitions",
]
