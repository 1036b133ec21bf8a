"""Where a new deployment's feed starts: the topics' beginning (everything Kafka still keeps),
or their current end (PLATFORM_FEED_START=end: partners see what happens from now on)."""

from __future__ import annotations

from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer

from mercato_kit.consumer import Partition, SqlTracking, topic_partitions
from mercato_kit.logging import get_logger
from mercato_kit.storage import Database

_log = get_logger(__name__)


async def start_at_end_when_new(
    database: Database, bootstrap_servers: str, consumer: str, topics: Sequence[str]
) -> None:
    """Store the topics' end offsets as `consumer`'s positions unless it has positions already
    (a restart resumes where it stopped)."""
    async with database.transaction() as session:
        if await SqlTracking(session).positions(consumer, topics):
            return
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await reader.start()
    try:
        partitions = await topic_partitions(reader, topics)
        ends = await reader.end_offsets(partitions) if partitions else {}
    finally:
        await reader.stop()
    async with database.transaction() as session:
        tracking = SqlTracking(session)
        for tp, offset in ends.items():
            await tracking.advance(consumer, Partition(tp.topic, tp.partition), offset)
    _log.info("feed starts at the topics' end", consumer=consumer, partitions=len(ends))
