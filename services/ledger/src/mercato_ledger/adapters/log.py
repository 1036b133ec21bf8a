"""LogReader: the ledger's topics read from offset zero, up to the end offsets they had when
reading began: one consumer, partitions assigned by hand, no group, nothing committed.

aiokafka, not kafka-python (which Mercato's other tooling uses): reading the same topic to its
end, aiokafka was 8 to 11 times faster on this project's machine (docs/benchmarks.md, the
ledger's section: about 33,000 records/s against 4,000), and a replay reads the whole log.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol

from aiokafka import AIOKafkaConsumer, TopicPartition

from mercato_kit.consumer import topic_partitions

__all__ = ["LogReader", "LogRecord"]


class LogRecord(Protocol):
    """What a replay reads of a record: where it sat and its value (aiokafka's records as
    fetched, and the kit's ConsumedRecord, are both one)."""

    @property
    def topic(self) -> str: ...

    @property
    def partition(self) -> int: ...

    @property
    def offset(self) -> int: ...

    @property
    def value(self) -> bytes | None: ...


class LogReader:
    """Open with `await LogReader.open(...)`; `end` and `total` are known from then on."""

    def __init__(self, consumer: AIOKafkaConsumer, batch: int) -> None:
        self._consumer = consumer
        self._batch = batch
        self.end: dict[tuple[str, int], int] = {}
        self.total = 0
        self._pending: set[TopicPartition] = set()

    @classmethod
    async def open(
        cls, bootstrap_servers: str, topics: Sequence[str], *, batch: int = 5000
    ) -> LogReader:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            isolation_level="read_committed",
            fetch_max_bytes=64 * 1024 * 1024,
            max_partition_fetch_bytes=16 * 1024 * 1024,
        )
        await consumer.start()
        reader = cls(consumer, batch)
        try:
            await reader._assign(topics)
        except BaseException:
            await consumer.stop()
            raise
        return reader

    async def _assign(self, topics: Sequence[str]) -> None:
        partitions = await topic_partitions(self._consumer, topics)
        known = {tp.topic for tp in partitions}
        for topic in topics:
            if topic not in known:
                raise LookupError(f"topic {topic} does not exist")
        self._consumer.assign(partitions)
        await self._consumer.seek_to_beginning(*partitions)
        starts = await self._consumer.beginning_offsets(partitions)
        ends = await self._consumer.end_offsets(partitions)
        self.end = {(tp.topic, tp.partition): int(ends[tp]) for tp in partitions}
        self.total = sum(int(ends[tp]) - int(starts[tp]) for tp in partitions)
        self._pending = {tp for tp in partitions if ends[tp] > starts[tp]}

    async def batches(self, timeout_ms: int = 500) -> AsyncIterator[list[LogRecord]]:
        """Records up to the end offsets, a fetch at a time (partitions interleaved), as
        aiokafka fetched them."""
        while self._pending:
            fetched = await self._consumer.getmany(timeout_ms=timeout_ms, max_records=self._batch)
            batch: list[LogRecord] = []
            for tp, records in fetched.items():
                limit = self.end[(tp.topic, tp.partition)]
                # Not copied: a replay reads only a record's place and value (the envelope is
                # the truth), and copying each record (with its five headers, at first) was a
                # tenth of a replay's time.
                if records and records[-1].offset < limit:
                    batch += records
                else:
                    batch += [r for r in records if r.offset < limit]
            for tp in list(self._pending):
                if await self._consumer.position(tp) >= self.end[(tp.topic, tp.partition)]:
                    self._pending.discard(tp)
                    self._consumer.pause(tp)
            if batch:
                yield batch

    async def close(self) -> None:
        await self._consumer.stop()
