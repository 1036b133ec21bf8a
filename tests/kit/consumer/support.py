"""What the consumer tests share: topics, real envelopes on Kafka, database reads, bounded waits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from google.protobuf.wrappers_pb2 import StringValue
from kafka.admin import KafkaAdminClient, NewTopic
from sqlalchemy import create_engine, func, select

from mercato.events.v1 import envelope_pb2
from mercato_kit.consumer import IdempotentConsumer
from mercato_kit.events import EventEnvelope, KafkaRecord, dlq_topic, to_kafka_record
from mercato_kit.storage import consumer_positions, migrate, processed_events, sync_url
from tests.kit.consumer.consumer_app import effects, test_metadata

WAIT = 120.0


def create_topics(bootstrap: str, topic: str, partitions: int) -> None:
    """The topic and its dead-letter topic."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics(
            [
                NewTopic(topic, num_partitions=partitions, replication_factor=1),
                NewTopic(dlq_topic(topic), num_partitions=1, replication_factor=1),
            ]
        )
    finally:
        admin.close()


async def prepare(bootstrap: str, topic: str, partitions: int, database_url: str) -> None:
    """Topics, the kit's tables and the test's `effects` table."""
    await asyncio.to_thread(create_topics, bootstrap, topic, partitions)
    await asyncio.to_thread(migrate, database_url)
    await asyncio.to_thread(_create_effects, database_url)


def _create_effects(database_url: str) -> None:
    engine = create_engine(sync_url(database_url))
    try:
        test_metadata.create_all(engine)
    finally:
        engine.dispose()


def envelope(value: str, aggregate_id: str = "agg-1") -> EventEnvelope:
    return EventEnvelope.new(
        StringValue(value=value),
        aggregate_type="kit.example",
        aggregate_id=aggregate_id,
        aggregate_version=1,
        producer="tests",
    )


async def produce(
    bootstrap: str, records: Sequence[KafkaRecord | tuple[str, bytes | None]]
) -> None:
    """Produce in order; a (topic, value) pair is a raw record with key b"raw"."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        sent = []
        for record in records:
            if isinstance(record, KafkaRecord):
                sent.append(
                    await producer.send(
                        record.topic, record.value, key=record.key, headers=list(record.headers)
                    )
                )
            else:
                topic, value = record
                sent.append(await producer.send(topic, value, key=b"raw"))
        await asyncio.wait_for(asyncio.gather(*sent), WAIT)
    finally:
        await producer.stop()


async def produce_envelopes(bootstrap: str, topic: str, envelopes: Sequence[EventEnvelope]) -> None:
    await produce(bootstrap, [to_kafka_record(e, topic) for e in envelopes])


async def read_dead_letters(bootstrap: str, topic: str, count: int) -> list[Any]:
    """The first `count` records of `<topic>.dlq` (waits for them, bounded)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    records: list[Any] = []
    try:
        tp = TopicPartition(dlq_topic(topic), 0)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        deadline = time.monotonic() + WAIT
        while len(records) < count and time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records


async def dead_letter_count(bootstrap: str, topic: str) -> int:
    """How many records `<topic>.dlq` holds."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(dlq_topic(topic), 0)
        return int((await consumer.end_offsets([tp]))[tp])
    finally:
        await consumer.stop()


def parse_dead_letter(value: bytes) -> envelope_pb2.DeadLetter:
    letter = envelope_pb2.DeadLetter()
    letter.ParseFromString(value)
    return letter


class Reader:
    """Reads what the consumers committed, without taking SQLite's write lock."""

    def __init__(self, database_url: str) -> None:
        self._engine = create_engine(sync_url(database_url))

    def close(self) -> None:
        self._engine.dispose()

    async def _scalar(self, statement: Any) -> Any:
        def run() -> Any:
            with self._engine.connect() as connection:
                return connection.execute(statement).scalar()

        return await asyncio.to_thread(run)

    async def _rows(self, statement: Any) -> list[Any]:
        def run() -> list[Any]:
            with self._engine.connect() as connection:
                return list(connection.execute(statement))

        return await asyncio.to_thread(run)

    async def effect_count(self) -> int:
        return int(await self._scalar(select(func.count()).select_from(effects)))

    async def effects(self) -> list[Any]:
        return await self._rows(select(effects).order_by(effects.c.id))

    async def duplicated_event_ids(self) -> list[str]:
        return [
            row.event_id
            for row in await self._rows(
                select(effects.c.event_id).group_by(effects.c.event_id).having(func.count() > 1)
            )
        ]

    async def position_sum(self, consumer: str) -> int:
        return int(
            await self._scalar(
                select(func.coalesce(func.sum(consumer_positions.c.next_offset), 0)).where(
                    consumer_positions.c.consumer == consumer
                )
            )
        )

    async def outcomes(self, consumer: str) -> dict[str, str]:
        rows = await self._rows(
            select(processed_events.c.event_id, processed_events.c.outcome).where(
                processed_events.c.consumer == consumer
            )
        )
        return {row.event_id: row.outcome for row in rows}


async def wait_until(
    condition: Callable[[], Awaitable[bool]],
    what: str,
    *,
    alive: Callable[[], None] = lambda: None,
) -> None:
    """Poll `condition` until true; fail after WAIT seconds or as soon as `alive` raises."""
    deadline = time.monotonic() + WAIT
    while not await condition():
        alive()
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {WAIT}s waiting for {what}")
        await asyncio.sleep(0.1)


@asynccontextmanager
async def running(*consumers: IdempotentConsumer) -> AsyncIterator[Callable[[], None]]:
    """Run consumers as tasks; yield a check that fails if one of them crashed; stop them all."""
    tasks = [asyncio.create_task(consumer.run()) for consumer in consumers]

    def alive() -> None:
        for task in tasks:
            if task.done():
                task.result()
                raise AssertionError("a consumer stopped by itself")

    try:
        yield alive
    finally:
        await asyncio.wait_for(asyncio.gather(*(c.stop() for c in consumers)), WAIT)
        await asyncio.wait_for(asyncio.gather(*tasks), WAIT)
