"""The outbox relay on real SQLite, PostgreSQL and Kafka: what commits is published, in order."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator

import pytest

from mercato_kit.events import (
    HEADER_EVENT_ID,
    HEADER_EVENT_TYPE,
    EventEnvelope,
    TopicSpec,
    to_kafka_record,
)
from mercato_kit.messaging import (
    InMemoryPublisher,
    KafkaPublisher,
    OutboxRelay,
    create_producer,
    ensure_topics,
)
from mercato_kit.storage import Database, append_to_outbox, migrate
from tests.kit.messaging._support import (
    WAIT,
    commit_events,
    envelope,
    first_copies_by_key,
    outbox_count,
    read_topic,
    wait_until,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


class Rollback(Exception):
    """Raised inside a transaction to roll it back."""


@pytest.fixture
async def database(fresh_database_url: str) -> AsyncIterator[Database]:
    await asyncio.to_thread(migrate, fresh_database_url)
    database = Database(fresh_database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def topic(kafka_bootstrap_servers: str, unique_topic: str) -> str:
    await ensure_topics(kafka_bootstrap_servers, [TopicSpec(unique_topic, partitions=3)])
    return unique_topic


@pytest.fixture
async def kafka(kafka_bootstrap_servers: str) -> AsyncIterator[KafkaPublisher]:
    async with KafkaPublisher(create_producer(kafka_bootstrap_servers)) as publisher:
        yield publisher


async def test_committed_rows_are_published_with_their_headers_and_then_deleted(
    database: Database, kafka: KafkaPublisher, topic: str, kafka_bootstrap_servers: str
) -> None:
    committed = await commit_events(database, topic, ["agg-1", "agg-2"], 15, per_tx=4)
    relay = OutboxRelay(database, kafka, batch_size=7)

    await relay.flush(WAIT)

    records = await read_topic(kafka_bootstrap_servers, topic)
    assert first_copies_by_key(records) == committed
    for record in records:
        envelope = EventEnvelope.from_bytes(record.value)
        assert record.key == envelope.aggregate_id.encode()
        assert record.headers == to_kafka_record(envelope, topic).headers
        assert record.header(HEADER_EVENT_ID) == envelope.event_id.encode()
        assert record.header(HEADER_EVENT_TYPE) == b"google.protobuf.StringValue"
    assert await outbox_count(database) == 0


async def test_rows_of_a_rolled_back_transaction_never_reach_kafka(
    database: Database, kafka: KafkaPublisher, topic: str, kafka_bootstrap_servers: str
) -> None:
    before, discarded, after = envelope("agg-1", 1), envelope("agg-1", 2), envelope("agg-1", 2)
    relay = OutboxRelay(database, kafka, poll_interval=0.05, lease_ttl=5)
    running = asyncio.create_task(relay.run_until_stopped())

    async with database.transaction() as session:
        await append_to_outbox(session, [before], topic=topic)
    with pytest.raises(Rollback):
        await _append_then_fail(database, discarded, topic)
    async with database.transaction() as session:
        await append_to_outbox(session, [after], topic=topic)
    relay.notify()
    await relay.flush(WAIT)
    await relay.stop()
    await running

    records = await read_topic(kafka_bootstrap_servers, topic)
    assert first_copies_by_key(records) == {"agg-1": [before.event_id, after.event_id]}


async def test_per_aggregate_order_in_kafka_is_commit_order_under_concurrent_writers(
    database: Database, kafka: KafkaPublisher, topic: str, kafka_bootstrap_servers: str
) -> None:
    relay = OutboxRelay(database, kafka, batch_size=16, poll_interval=0.05, lease_ttl=5)
    running = asyncio.create_task(relay.run_until_stopped())
    committed: dict[str, list[str]] = {}

    async def writer(number: int) -> None:
        rng = random.Random(number)
        aggregates = [f"agg-{number}-{n}" for n in range(3)]
        versions = dict.fromkeys(aggregates, 0)
        for _ in range(25):
            batch = []
            for _ in range(rng.randint(1, 4)):
                aggregate_id = rng.choice(aggregates)
                versions[aggregate_id] += 1
                batch.append(envelope(aggregate_id, versions[aggregate_id]))
            async with database.transaction() as session:
                await append_to_outbox(session, batch, topic=topic)
            for event in batch:
                committed.setdefault(event.aggregate_id, []).append(event.event_id)
            relay.notify()

    await asyncio.gather(*(writer(number) for number in range(4)))
    await relay.flush(WAIT)
    await relay.stop()
    await running

    records = await read_topic(kafka_bootstrap_servers, topic)
    assert first_copies_by_key(records) == committed
    assert await outbox_count(database) == 0


async def test_a_batch_that_failed_to_publish_is_published_again_from_its_first_row(
    database: Database,
) -> None:
    committed = await commit_events(database, "test.in-memory", ["agg-1", "agg-2"], 5, per_tx=3)
    publisher = InMemoryPublisher()
    publisher.fail_next(after=3)
    relay = OutboxRelay(database, publisher, batch_size=6, poll_interval=0.05, lease_ttl=5)

    await relay.flush(WAIT)

    assert first_copies_by_key(publisher.records) == committed
    assert len(publisher.records) == 10 + 3
    assert await outbox_count(database) == 0


async def test_a_notified_relay_publishes_without_waiting_for_its_next_poll(
    database: Database,
) -> None:
    publisher = InMemoryPublisher()
    relay = OutboxRelay(database, publisher, poll_interval=3600, lease_ttl=7200)
    running = asyncio.create_task(relay.run_until_stopped())
    await wait_until(lambda: _holds_lease(relay), what="the relay to take its lease")

    committed = await commit_events(database, "test.in-memory", ["agg-1"], 3, per_tx=3)
    relay.notify()

    await wait_until(lambda: _is_empty(database), what="the outbox to drain")
    assert first_copies_by_key(publisher.records) == committed
    await relay.stop()
    await running


async def test_a_stopped_relay_hands_its_lease_over_at_once(database: Database) -> None:
    first, second = InMemoryPublisher(), InMemoryPublisher()
    holder = OutboxRelay(database, first, owner="first", poll_interval=0.05, lease_ttl=3600)
    running = asyncio.create_task(holder.run_until_stopped())
    await wait_until(lambda: _holds_lease(holder), what="the first relay to take its lease")
    await holder.stop()
    await running

    committed = await commit_events(database, "test.in-memory", ["agg-1"], 3, per_tx=1)
    successor = OutboxRelay(database, second, owner="second", poll_interval=0.05, lease_ttl=3600)
    await successor.flush(WAIT)

    assert first.records == []
    assert first_copies_by_key(second.records) == committed


async def test_a_relay_cancelled_at_any_moment_leaves_the_database_to_other_writers(
    database: Database,
) -> None:
    await commit_events(database, "test.in-memory", ["agg-1", "agg-2"], 500, per_tx=100)

    for step in range(50):
        relay = OutboxRelay(
            database, InMemoryPublisher(), batch_size=3, poll_interval=0.01, lease_ttl=0.05
        )
        running = asyncio.create_task(relay.run_until_stopped())
        await asyncio.sleep(step / 1000)
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running

        # A transaction cut short could hold SQLite's write lock until the process exits.
        async with asyncio.timeout(10):
            await commit_events(database, "test.in-memory", ["agg-3"], 1, per_tx=1)


async def test_flush_with_an_empty_outbox_returns_at_once(database: Database) -> None:
    publisher = InMemoryPublisher()

    await OutboxRelay(database, publisher).flush(WAIT)

    assert publisher.records == []


async def _append_then_fail(database: Database, event: EventEnvelope, topic: str) -> None:
    async with database.transaction() as session:
        await append_to_outbox(session, [event], topic=topic)
        raise Rollback


async def _holds_lease(relay: OutboxRelay) -> bool:
    return relay.holds_lease


async def _is_empty(database: Database) -> bool:
    return await outbox_count(database) == 0
