"""The idempotent consumer against a real Kafka broker, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer
from google.protobuf.wrappers_pb2 import Int64Value, StringValue
from kafka import KafkaConsumer
from kafka.structs import OffsetAndMetadata
from kafka.structs import TopicPartition as KafkaTopicPartition
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.consumer import (
    DEAD_LETTER_CONTENT_TYPE,
    ConsumedRecord,
    IdempotentConsumer,
    Partition,
    SqlTracking,
)
from mercato_kit.context import MessageContext, current_context
from mercato_kit.events import EventEnvelope, to_kafka_record
from mercato_kit.storage import Database, append_to_outbox
from tests.kit.consumer.consumer_app import KAFKA_OPTIONS, record_effect
from tests.kit.consumer.support import (
    Reader,
    dead_letter_count,
    envelope,
    parse_dead_letter,
    prepare,
    produce,
    produce_envelopes,
    read_dead_letters,
    running,
    wait_until,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
async def database(fresh_database_url: str) -> AsyncIterator[Database]:
    database = Database(fresh_database_url)
    yield database
    await database.dispose()


@pytest.fixture
def reader(fresh_database_url: str) -> AsyncIterator[Reader]:
    reader = Reader(fresh_database_url)
    yield reader
    reader.close()


def group(topic: str) -> str:
    return f"consumer-{topic}"[:128]


async def test_the_same_event_delivered_twice_has_one_effect(
    kafka_bootstrap_servers: str,
    fresh_database_url: str,
    database: Database,
    reader: Reader,
    unique_topic: str,
) -> None:
    await prepare(kafka_bootstrap_servers, unique_topic, 1, fresh_database_url)
    first, second = envelope("first"), envelope("second")
    await produce_envelopes(kafka_bootstrap_servers, unique_topic, [first, first, second])
    name = group(unique_topic)
    consumer = IdempotentConsumer(
        database,
        kafka_bootstrap_servers,
        name=name,
        topics=[unique_topic],
        handler=record_effect(),
        kafka_options=KAFKA_OPTIONS,
    )

    async with running(consumer) as alive:
        await wait_until(lambda: _at(reader, name, 3), "the first three records", alive=alive)
        # Delivered again later, in another batch: a producer retry or a replay.
        await produce_envelopes(kafka_bootstrap_servers, unique_topic, [second, first])
        await wait_until(lambda: _at(reader, name, 5), "the redeliveries", alive=alive)

    rows = await reader.effects()
    assert sorted((row.event_id, row.value) for row in rows) == sorted(
        [(first.event_id, "first"), (second.event_id, "second")]
    )
    assert await reader.outcomes(name) == {first.event_id: "applied", second.event_id: "applied"}


async def test_the_handler_runs_in_the_context_of_its_event(
    kafka_bootstrap_servers: str, fresh_sqlite_url: str, unique_topic: str
) -> None:
    await prepare(kafka_bootstrap_servers, unique_topic, 1, fresh_sqlite_url)
    cause = envelope("cause")
    seen: list[tuple[MessageContext, EventEnvelope]] = []

    async def react(session: AsyncSession, event: EventEnvelope, record: ConsumedRecord) -> None:
        reaction = EventEnvelope.new(
            Int64Value(value=1),
            aggregate_type="kit.example",
            aggregate_id="reaction",
            aggregate_version=1,
            producer="tests",
        )
        seen.append((current_context(), reaction))

    database, reader = Database(fresh_sqlite_url), Reader(fresh_sqlite_url)
    consumer = IdempotentConsumer(
        database,
        kafka_bootstrap_servers,
        name=group(unique_topic),
        topics=[unique_topic],
        handler=react,
        kafka_options=KAFKA_OPTIONS,
    )
    await produce_envelopes(kafka_bootstrap_servers, unique_topic, [cause])
    try:
        async with running(consumer) as alive:
            await wait_until(lambda: _at(reader, consumer.name, 1), "the event", alive=alive)
    finally:
        await database.dispose()
        reader.close()

    [(context, reaction)] = seen
    assert context.correlation_id == cause.correlation_id
    assert context.causation_id == cause.event_id
    assert reaction.correlation_id == cause.correlation_id
    assert reaction.causation_id == cause.event_id
    assert reaction.traceparent.split("-")[1] == cause.traceparent.split("-")[1]
    assert current_context().correlation_id != cause.correlation_id


async def test_only_a_batch_whose_effects_wrote_the_outbox_wakes_the_relay(
    kafka_bootstrap_servers: str, fresh_sqlite_url: str, unique_topic: str
) -> None:
    await prepare(kafka_bootstrap_servers, unique_topic, 1, fresh_sqlite_url)
    committed: list[str] = []
    woken: list[str] = []

    async def react(session: AsyncSession, event: EventEnvelope, record: ConsumedRecord) -> None:
        committed.append(event.event_id)
        if event.unpack(StringValue).value == "publish":
            await append_to_outbox(session, [envelope("reaction", aggregate_id=event.event_id)])

    database = Database(fresh_sqlite_url)
    consumer = IdempotentConsumer(
        database,
        kafka_bootstrap_servers,
        name=group(unique_topic),
        topics=[unique_topic],
        handler=react,
        kafka_options=KAFKA_OPTIONS,
        after_commit=lambda: woken.append("commit"),
        after_outbox_commit=lambda: woken.append("outbox"),
    )
    try:
        async with running(consumer) as alive:
            await produce_envelopes(kafka_bootstrap_servers, unique_topic, [envelope("quiet")])
            await wait_until(lambda: _called(woken, 1), "the quiet event's commit", alive=alive)
            await produce_envelopes(kafka_bootstrap_servers, unique_topic, [envelope("publish")])
            await wait_until(lambda: _called(woken, 3), "the other's commit", alive=alive)
    finally:
        await database.dispose()

    assert woken == ["commit", "commit", "outbox"]
    assert len(committed) == 2


async def test_a_polls_records_of_several_partitions_are_applied_once_in_one_transaction(
    kafka_bootstrap_servers: str,
    fresh_database_url: str,
    database: Database,
    reader: Reader,
    unique_topic: str,
) -> None:
    await prepare(kafka_bootstrap_servers, unique_topic, 3, fresh_database_url)
    sent = await _produce_to_partitions(kafka_bootstrap_servers, unique_topic, 3, each=20)
    first = sent[0][0]
    name = group(unique_topic)
    applying = record_effect()
    partitions_of: dict[AsyncSession, set[int]] = {}  # the sessions kept: no id reused

    async def handle(session: AsyncSession, event: EventEnvelope, record: ConsumedRecord) -> None:
        partitions_of.setdefault(session, set()).add(record.partition)
        await applying(session, event, record)

    consumer = IdempotentConsumer(
        database,
        kafka_bootstrap_servers,
        name=name,
        topics=[unique_topic],
        handler=handle,
        kafka_options=KAFKA_OPTIONS,
    )
    async with running(consumer) as alive:
        await wait_until(lambda: _at(reader, name, 60), "every record", alive=alive)
        # Delivered again: recognised whichever transaction applied it.
        await produce_envelopes(kafka_bootstrap_servers, unique_topic, [first])
        await wait_until(lambda: _at(reader, name, 61), "the redelivery", alive=alive)

    assert max(len(partitions) for partitions in partitions_of.values()) > 1
    rows = await reader.effects()
    assert sorted(row.event_id for row in rows) == sorted(e.event_id for p in sent for e in p)
    for partition, envelopes in enumerate(sent):
        applied = sorted((r.offset, r.event_id) for r in rows if r.partition == partition)
        assert [event_id for _, event_id in applied] == [e.event_id for e in envelopes]
    async with database.transaction() as session:
        positions = await SqlTracking(session).positions(name, [unique_topic])
    assert sorted(positions.values()) == sorted([20, 20, 21])


async def test_a_failing_record_in_a_multi_partition_poll_holds_back_only_itself(
    kafka_bootstrap_servers: str,
    fresh_database_url: str,
    database: Database,
    reader: Reader,
    unique_topic: str,
) -> None:
    await prepare(kafka_bootstrap_servers, unique_topic, 3, fresh_database_url)
    sent = await _produce_to_partitions(kafka_bootstrap_servers, unique_topic, 3, each=5)
    poison = sent[1][2]
    name = group(unique_topic)
    attempts: list[str] = []
    failing = record_effect(fail_for={poison.event_id})

    async def handle(session: AsyncSession, event: EventEnvelope, record: ConsumedRecord) -> None:
        attempts.append(event.event_id)
        await failing(session, event, record)

    consumer = IdempotentConsumer(
        database,
        kafka_bootstrap_servers,
        name=name,
        topics=[unique_topic],
        handler=handle,
        max_attempts=2,
        retry_backoff=0.05,
        kafka_options=KAFKA_OPTIONS,
    )
    async with running(consumer) as alive:
        await wait_until(lambda: _at(reader, name, 15), "every record", alive=alive)

    rows = await reader.effects()
    good = [e.event_id for p in sent for e in p if e is not poison]
    assert sorted(row.event_id for row in rows) == sorted(good)
    assert (await reader.outcomes(name))[poison.event_id] == "dead_lettered"
    [record] = await read_dead_letters(kafka_bootstrap_servers, unique_topic, 1)
    letter = parse_dead_letter(record.value)
    assert (letter.partition, letter.offset, letter.attempts) == (1, 2, 2)


async def test_poison_messages_go_to_the_dead_letter_topic_and_the_partition_goes_on(
    kafka_bootstrap_servers: str,
    fresh_database_url: str,
    database: Database,
    reader: Reader,
    unique_topic: str,
) -> None:
    await prepare(kafka_bootstrap_servers, unique_topic, 1, fresh_database_url)
    good = [envelope(f"good-{i}") for i in range(3)]
    poison = envelope("poison")
    garbage = b"\x08\x96\x01 this is not an envelope \xff"
    await produce(
        kafka_bootstrap_servers,
        [
            to_kafka_record(good[0], unique_topic),
            (unique_topic, garbage),  # offset 1: undecodable
            (unique_topic, None),  # offset 2: a tombstone is not an event
            to_kafka_record(good[1], unique_topic),
            to_kafka_record(poison, unique_topic),  # offset 4: its handler always fails
            to_kafka_record(good[2], unique_topic),
        ],
    )
    name = group(unique_topic)
    attempts: list[str] = []
    failing = record_effect(fail_for={poison.event_id})

    async def handle(session: AsyncSession, event: EventEnvelope, record: ConsumedRecord) -> None:
        attempts.append(event.event_id)
        await failing(session, event, record)

    consumer = IdempotentConsumer(
        database,
        kafka_bootstrap_servers,
        name=name,
        topics=[unique_topic],
        handler=handle,
        max_attempts=3,
        retry_backoff=0.05,
        kafka_options=KAFKA_OPTIONS,
    )

    async with running(consumer) as alive:
        await wait_until(lambda: _at(reader, name, 6), "every record", alive=alive)

    assert [row.value for row in await reader.effects()] == ["good-0", "good-1", "good-2"]
    assert attempts.count(poison.event_id) == 3
    assert (await reader.outcomes(name))[poison.event_id] == "dead_lettered"

    records = await read_dead_letters(kafka_bootstrap_servers, unique_topic, 3)
    letters = [parse_dead_letter(record.value) for record in records]
    assert [letter.offset for letter in letters] == [1, 2, 4]
    for record, letter in zip(records, letters, strict=True):
        assert (letter.topic, letter.partition, letter.consumer) == (unique_topic, 0, name)
        assert letter.failed_at.seconds > 0
        assert "Traceback" not in letter.error
        assert dict(record.headers)["content-type"] == DEAD_LETTER_CONTENT_TYPE.encode()
    undecodable, tombstone, failed = letters
    assert (undecodable.value, undecodable.key, undecodable.attempts) == (garbage, b"raw", 1)
    assert undecodable.error.startswith("mercato_kit.events._envelope.EnvelopeDecodeError: ")
    assert (tombstone.value, tombstone.attempts) == (b"", 1)
    assert "tombstone" in tombstone.error
    assert failed.value == poison.to_bytes()
    assert failed.key == poison.aggregate_id.encode()
    assert failed.attempts == 3
    assert (
        failed.error
        == f"tests.kit.consumer.consumer_app.EffectFailed: cannot apply {poison.event_id}"
    )
    assert {(h.key, h.value) for h in failed.headers} == set(
        to_kafka_record(poison, unique_topic).headers
    )
    assert records[2].key == poison.aggregate_id.encode()


async def test_a_redriven_dead_letter_is_applied_once_its_cause_is_fixed(
    kafka_bootstrap_servers: str, fresh_sqlite_url: str, unique_topic: str
) -> None:
    await prepare(kafka_bootstrap_servers, unique_topic, 1, fresh_sqlite_url)
    poison = envelope("poison")
    broken = {poison.event_id}
    database, reader = Database(fresh_sqlite_url), Reader(fresh_sqlite_url)
    consumer = IdempotentConsumer(
        database,
        kafka_bootstrap_servers,
        name=group(unique_topic),
        topics=[unique_topic],
        handler=record_effect(fail_for=broken),
        max_attempts=1,
        kafka_options=KAFKA_OPTIONS,
    )
    try:
        async with running(consumer) as alive:
            await produce_envelopes(kafka_bootstrap_servers, unique_topic, [poison])
            await wait_until(lambda: _at(reader, consumer.name, 1), "the poison", alive=alive)
            [record] = await read_dead_letters(kafka_bootstrap_servers, unique_topic, 1)
            broken.clear()  # the bug is fixed; the operator redrives the dead letter
            letter = parse_dead_letter(record.value)
            await produce(kafka_bootstrap_servers, [(letter.topic, letter.value)])
            await wait_until(lambda: _at(reader, consumer.name, 2), "the redrive", alive=alive)
        assert [row.event_id for row in await reader.effects()] == [poison.event_id]
        assert await reader.outcomes(consumer.name) == {poison.event_id: "applied"}
    finally:
        await database.dispose()
        reader.close()


async def test_a_database_error_in_the_handler_is_retried_and_never_dead_lettered(
    kafka_bootstrap_servers: str, fresh_sqlite_url: str, unique_topic: str
) -> None:
    await prepare(kafka_bootstrap_servers, unique_topic, 1, fresh_sqlite_url)
    event = envelope("survives an outage")
    outage = 2
    apply = record_effect()

    async def handle(session: AsyncSession, event: EventEnvelope, record: ConsumedRecord) -> None:
        nonlocal outage
        if outage:
            outage -= 1
            raise OperationalError(
                "INSERT ...", {}, ConnectionError("server closed the connection")
            )
        await apply(session, event, record)

    database, reader = Database(fresh_sqlite_url), Reader(fresh_sqlite_url)
    consumer = IdempotentConsumer(
        database,
        kafka_bootstrap_servers,
        name=group(unique_topic),
        topics=[unique_topic],
        handler=handle,
        max_attempts=1,
        retry_backoff=0.05,
        kafka_options=KAFKA_OPTIONS,
    )
    try:
        await produce_envelopes(kafka_bootstrap_servers, unique_topic, [event])
        async with running(consumer) as alive:
            await wait_until(lambda: _at(reader, consumer.name, 1), "the event", alive=alive)
        assert outage == 0
        assert [row.event_id for row in await reader.effects()] == [event.event_id]
        assert await dead_letter_count(kafka_bootstrap_servers, unique_topic) == 0
    finally:
        await database.dispose()
        reader.close()


async def test_a_consumer_resumes_from_its_database_position_not_from_kafka(
    kafka_bootstrap_servers: str,
    fresh_database_url: str,
    database: Database,
    reader: Reader,
    unique_topic: str,
) -> None:
    await prepare(kafka_bootstrap_servers, unique_topic, 1, fresh_database_url)
    await produce_envelopes(
        kafka_bootstrap_servers, unique_topic, [envelope(f"event-{i}") for i in range(40)]
    )
    name = group(unique_topic)
    # The database says 10 records are done; Kafka's committed offset says 30 (ahead of the
    # work, as faust #606 can leave it): the consumer must start at 10.
    async with database.transaction() as session:
        await SqlTracking(session).advance(name, Partition(unique_topic, 0), 10)
    await asyncio.to_thread(_commit_kafka_offset, kafka_bootstrap_servers, name, unique_topic, 30)
    consumer = IdempotentConsumer(
        database,
        kafka_bootstrap_servers,
        name=name,
        topics=[unique_topic],
        handler=record_effect(),
        kafka_options=KAFKA_OPTIONS,
    )

    async with running(consumer) as alive:
        await wait_until(lambda: _at(reader, name, 40), "the end of the partition", alive=alive)

    rows = await reader.effects()
    assert [row.offset for row in rows] == list(range(10, 40))
    assert [row.value for row in rows] == [f"event-{i}" for i in range(10, 40)]
    # Kafka's offset follows the database (for lag monitoring), never the other way round.
    committed = await asyncio.to_thread(_kafka_offset, kafka_bootstrap_servers, name, unique_topic)
    assert committed == 40


async def test_every_event_is_applied_once_when_an_instance_leaves_its_group_mid_way(
    kafka_bootstrap_servers: str, fresh_database_url: str, reader: Reader, unique_topic: str
) -> None:
    await prepare(kafka_bootstrap_servers, unique_topic, 4, fresh_database_url)
    events = [envelope(f"event-{i}", aggregate_id=f"agg-{i % 40}") for i in range(400)]
    await produce_envelopes(kafka_bootstrap_servers, unique_topic, events)
    name = group(unique_topic)
    databases = [Database(fresh_database_url) for _ in range(2)]
    first, second = (
        IdempotentConsumer(
            database,
            kafka_bootstrap_servers,
            name=name,
            topics=[unique_topic],
            handler=record_effect(instance, delay=delay),
            batch_size=20,
            kafka_options=KAFKA_OPTIONS,
        )
        # The first is slower (its partitions' events take it 10 s at least), so it still has
        # events left when it leaves, however long the second takes to join on a busy machine.
        for instance, database, delay in zip(
            ("first", "second"), databases, (0.05, 0.01), strict=True
        )
    )
    first_task = asyncio.create_task(first.run())
    try:
        await wait_until(lambda: _more_than(reader, 40), "the first instance to apply events")
        async with running(second) as alive:
            await wait_until(
                lambda: _applied_by(reader, "second", 20),
                "the second instance to get partitions",
                alive=alive,
            )
            await asyncio.wait_for(first.stop(), 60)
            await asyncio.wait_for(first_task, 60)
            applied_when_first_left = await reader.effect_count()
            applied_by_first = await _count_by(reader, "first")
            await wait_until(lambda: _at(reader, name, len(events)), "every event", alive=alive)
    finally:
        await asyncio.wait_for(first.stop(), 60)
        for database in databases:
            await database.dispose()

    assert applied_when_first_left < len(events)
    rows = await reader.effects()
    assert sorted(row.event_id for row in rows) == sorted(e.event_id for e in events)
    assert await reader.duplicated_event_ids() == []
    assert await _count_by(reader, "first") == applied_by_first


async def _produce_to_partitions(
    bootstrap: str, topic: str, partitions: int, *, each: int
) -> list[list[EventEnvelope]]:
    """`each` envelopes on every partition of `topic`, produced before anyone consumes."""
    sent = [
        [envelope(f"p{partition}-{n}", aggregate_id=f"agg-{partition}") for n in range(each)]
        for partition in range(partitions)
    ]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for partition, envelopes in enumerate(sent):
            for sending in envelopes:
                record = to_kafka_record(sending, topic)
                await producer.send_and_wait(
                    topic,
                    record.value,
                    key=record.key,
                    headers=list(record.headers),
                    partition=partition,
                )
    finally:
        await producer.stop()
    return sent


async def _called(calls: list[str], count: int) -> bool:
    return len(calls) >= count


async def _at(reader: Reader, consumer: str, total_offsets: int) -> bool:
    return await reader.position_sum(consumer) >= total_offsets


async def _more_than(reader: Reader, count: int) -> bool:
    return await reader.effect_count() > count


async def _count_by(reader: Reader, instance: str) -> int:
    return sum(row.instance == instance for row in await reader.effects())


async def _applied_by(reader: Reader, instance: str, count: int) -> bool:
    return await _count_by(reader, instance) >= count


def _commit_kafka_offset(bootstrap: str, group_id: str, topic: str, offset: int) -> None:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group_id, enable_auto_commit=False
    )
    try:
        tp = KafkaTopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.commit({tp: OffsetAndMetadata(offset, "", -1)})
        assert consumer.committed(tp) == offset
    finally:
        consumer.close()


def _kafka_offset(bootstrap: str, group_id: str, topic: str) -> int | None:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group_id, enable_auto_commit=False
    )
    try:
        return consumer.committed(KafkaTopicPartition(topic, 0))
    finally:
        consumer.close()
