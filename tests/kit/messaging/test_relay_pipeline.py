"""The relay's pipelined batches and its lease's cost, on real SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Sequence
from typing import Any

import pytest
from sqlalchemy import event

from mercato_kit.events import KafkaRecord
from mercato_kit.messaging import InMemoryPublisher, OutboxRelay, PublishError
from mercato_kit.storage import Database, migrate
from tests.kit.messaging._support import (
    WAIT,
    commit_events,
    first_copies_by_key,
    outbox_count,
    wait_until,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
async def database(fresh_database_url: str) -> AsyncIterator[Database]:
    await asyncio.to_thread(migrate, fresh_database_url)
    database = Database(fresh_database_url)
    yield database
    await database.dispose()


class Pipelining(InMemoryPublisher):
    """Keeps records as they are enqueued and acknowledges a batch once the next one is
    enqueued (or after a moment, for the last); the batches numbered in `failing` (from 0)
    are not acknowledged."""

    def __init__(self, failing: set[int]) -> None:
        super().__init__()
        self.failing = failing
        self.batches = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self._enqueued: list[asyncio.Event] = []

    async def enqueue(self, records: Sequence[KafkaRecord]) -> Awaitable[None]:
        number = self.batches
        self.batches += 1
        if self._enqueued:
            self._enqueued[-1].set()
        self._enqueued.append(asyncio.Event())
        self.records.extend(records)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        return self._acknowledge(number)

    async def _acknowledge(self, number: int) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.05):
                await self._enqueued[number].wait()
        self.in_flight -= 1
        if number in self.failing:
            raise PublishError(f"batch {number} was not acknowledged")


async def test_batches_go_out_before_earlier_ones_are_acknowledged_and_a_failed_one_goes_again(
    database: Database,
) -> None:
    aggregates = [f"agg-{n}" for n in range(5)]
    committed = await commit_events(database, "test.in-memory", aggregates, 10, per_tx=7)
    publisher = Pipelining(failing={1})
    relay = OutboxRelay(database, publisher, batch_size=5, poll_interval=0.05, lease_ttl=5)

    await relay.flush(WAIT)

    assert publisher.most_in_flight > 1
    # Batch 1 failed: it and the batches enqueued behind it were published again, from its
    # first row, so every key's first copies are still in commit order.
    assert first_copies_by_key(publisher.records) == committed
    assert len(publisher.records) > 50
    assert await outbox_count(database) == 0


async def test_an_idle_relay_asks_for_its_lease_once_and_then_only_reads_the_outbox(
    database: Database,
) -> None:
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()).lower())

    event.listen(database.engine.sync_engine, "before_cursor_execute", note)
    relay = OutboxRelay(database, InMemoryPublisher(), poll_interval=0.01, lease_ttl=3600)
    running = asyncio.create_task(relay.run_until_stopped())

    async def polled_often() -> bool:
        relay.notify()
        return sum("from outbox" in s for s in statements) >= 30

    await wait_until(polled_often, what="thirty polls")
    await relay.stop()
    await running
    event.remove(database.engine.sync_engine, "before_cursor_execute", note)

    on_lease = [s for s in statements if "relay_leases" in s]
    # Taken once (one statement), given up at stop; never renewed: it is far from expiry.
    assert len(on_lease) == 2
    assert on_lease[0].startswith("insert into relay_leases")
    assert on_lease[1].startswith("update relay_leases")
    polls = [s for s in statements if "relay_leases" not in s]
    assert all(s.startswith("select") and "from outbox" in s for s in polls if "outbox" in s)
