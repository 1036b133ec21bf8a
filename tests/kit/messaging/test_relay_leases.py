"""Two relay instances on one database: one publishes at a time, the other takes over."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

import pytest

from mercato_kit.events import KafkaRecord, TopicSpec
from mercato_kit.messaging import (
    KafkaPublisher,
    OutboxRelay,
    Publisher,
    create_producer,
    ensure_topics,
)
from mercato_kit.storage import Database, migrate
from tests.kit.messaging._support import (
    commit_events,
    first_copies_by_key,
    lease_owner,
    outbox_count,
    read_topic,
    wait_until,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

AGGREGATES = [f"agg-{n}" for n in range(6)]


class Watch:
    """Watches the publishers of several relays sharing one real publisher."""

    def __init__(self, publisher: Publisher) -> None:
        self.publisher = publisher
        self.publishing = 0
        self.most_at_once = 0
        self.published_by: list[str] = []

    def through(self, relay: str) -> Publisher:
        return _Watched(self, relay)


class _Watched(Publisher):
    def __init__(self, watch: Watch, relay: str) -> None:
        self.watch = watch
        self.relay = relay

    async def publish(self, records: Sequence[KafkaRecord]) -> None:
        watch = self.watch
        watch.publishing += 1
        watch.most_at_once = max(watch.most_at_once, watch.publishing)
        watch.published_by.append(self.relay)
        try:
            await watch.publisher.publish(records)
        finally:
            watch.publishing -= 1


@pytest.fixture
async def database(fresh_database_url: str) -> AsyncIterator[Database]:
    await asyncio.to_thread(migrate, fresh_database_url)
    database = Database(fresh_database_url)
    yield database
    await database.dispose()


async def test_only_the_lease_holder_publishes_and_another_takes_over_when_it_dies(
    database: Database, kafka_bootstrap_servers: str, unique_topic: str
) -> None:
    await ensure_topics(kafka_bootstrap_servers, [TopicSpec(unique_topic, partitions=3)])
    committed: dict[str, list[str]] = {}

    async def write(rounds: int) -> None:
        for _ in range(rounds):
            written = await commit_events(database, unique_topic, AGGREGATES, 2, per_tx=4)
            for aggregate_id, event_ids in written.items():
                committed.setdefault(aggregate_id, []).extend(event_ids)
            first.notify()
            second.notify()

    async def drained() -> bool:
        return await outbox_count(database) == 0

    async with KafkaPublisher(create_producer(kafka_bootstrap_servers)) as kafka:
        watch = Watch(kafka)
        timing = {"batch_size": 5, "poll_interval": 0.05, "lease_ttl": 3.0}
        first = OutboxRelay(database, watch.through("first"), owner="first", **timing)
        second = OutboxRelay(database, watch.through("second"), owner="second", **timing)
        first_running = asyncio.create_task(first.run_until_stopped())
        await wait_until(lambda: _is_owner(database, "first"), what="the first relay's lease")
        second_running = asyncio.create_task(second.run_until_stopped())

        await write(rounds=15)
        await wait_until(drained, what="the first relay to publish everything")
        assert set(watch.published_by) == {"first"}
        assert not second.holds_lease

        # Cancelled, the first relay dies holding its lease, as a crashed process would.
        first_running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await first_running
        await write(rounds=15)
        await wait_until(drained, what="the second relay to take over")

        assert await lease_owner(database) == "second"
        taken_over_at = watch.published_by.index("second")
        assert set(watch.published_by[taken_over_at:]) == {"second"}
        assert watch.most_at_once == 1
        await second.stop()
        await second_running

    records = await read_topic(kafka_bootstrap_servers, unique_topic)
    assert first_copies_by_key(records) == committed


async def _is_owner(database: Database, owner: str) -> bool:
    return await lease_owner(database) == owner
