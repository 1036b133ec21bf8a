"""The consumer tracking contract, run against the in-memory fake, SQLite and PostgreSQL.

Every backend must behave alike: positions per (consumer, topic, partition) that never move
back, event ids per consumer that are applied at most once, dead letters that a redrive may
still apply, and nothing kept from a transaction that rolled back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest

from mercato_kit.consumer import (
    InMemoryTracking,
    Outcome,
    Partition,
    SqlTracking,
    TrackedEvent,
    Tracking,
    TrackingConflict,
)
from mercato_kit.ids import new_id
from mercato_kit.storage import Database, migrate

pytestmark = pytest.mark.asyncio(loop_scope="session")

Transaction = Callable[[], AbstractAsyncContextManager[Tracking]]

ORDERS = Partition("mercato.orders.order", 0)
ORDERS_1 = Partition("mercato.orders.order", 1)
PAYMENTS = Partition("mercato.payments.payment", 0)


class Boom(Exception):
    pass


def event(partition: Partition, offset: int, event_id: str | None = None) -> TrackedEvent:
    return TrackedEvent(event_id or new_id(), partition.topic, partition.partition, offset)


class TrackingContract:
    """What every `Tracking` backend does; subclasses provide `transaction`."""

    @pytest.fixture
    def transaction(self) -> Transaction:
        raise NotImplementedError

    async def test_a_new_consumer_has_no_positions(self, transaction: Transaction) -> None:
        async with transaction() as tracking:
            assert await tracking.positions("ledger", [ORDERS.topic]) == {}
            assert await tracking.position("ledger", ORDERS) is None

    async def test_an_advanced_position_is_read_back_per_topic_and_partition(
        self, transaction: Transaction
    ) -> None:
        async with transaction() as tracking:
            await tracking.advance("ledger", ORDERS, 10)
            await tracking.advance("ledger", ORDERS_1, 3)
            await tracking.advance("ledger", PAYMENTS, 7)

        async with transaction() as tracking:
            assert await tracking.position("ledger", ORDERS) == 10
            assert await tracking.positions("ledger", [ORDERS.topic]) == {ORDERS: 10, ORDERS_1: 3}
            assert await tracking.positions("ledger", [ORDERS.topic, PAYMENTS.topic]) == {
                ORDERS: 10,
                ORDERS_1: 3,
                PAYMENTS: 7,
            }

    async def test_a_position_moves_forward_and_may_stay(self, transaction: Transaction) -> None:
        async with transaction() as tracking:
            await tracking.advance("ledger", ORDERS, 10)
        async with transaction() as tracking:
            await tracking.advance("ledger", ORDERS, 10)
            await tracking.advance("ledger", ORDERS, 25)

        async with transaction() as tracking:
            assert await tracking.position("ledger", ORDERS) == 25

    async def test_a_position_never_moves_back(self, transaction: Transaction) -> None:
        async with transaction() as tracking:
            await tracking.advance("ledger", ORDERS, 10)

        with pytest.raises(TrackingConflict, match="cannot move back to offset 9"):
            async with transaction() as tracking:
                await tracking.advance("ledger", ORDERS, 9)

        async with transaction() as tracking:
            assert await tracking.position("ledger", ORDERS) == 10

    async def test_several_partitions_are_held_and_advanced_together(
        self, transaction: Transaction
    ) -> None:
        async with transaction() as tracking:
            await tracking.advance("ledger", ORDERS, 10)
            await tracking.advance("marketing", ORDERS_1, 4)

        async with transaction() as tracking:
            held = await tracking.hold_positions("ledger", [ORDERS, ORDERS_1, PAYMENTS])
            assert held == {ORDERS: 10}
            await tracking.advance_all("ledger", {ORDERS: 12, ORDERS_1: 3, PAYMENTS: 7})

        async with transaction() as tracking:
            assert await tracking.positions("ledger", [ORDERS.topic, PAYMENTS.topic]) == {
                ORDERS: 12,
                ORDERS_1: 3,
                PAYMENTS: 7,
            }
            assert await tracking.positions("marketing", [ORDERS.topic]) == {ORDERS_1: 4}

    async def test_advancing_several_partitions_moves_none_if_one_would_move_back(
        self, transaction: Transaction
    ) -> None:
        async with transaction() as tracking:
            await tracking.advance("ledger", ORDERS, 10)

        with pytest.raises(TrackingConflict, match="cannot move back to offset 9"):
            async with transaction() as tracking:
                await tracking.advance_all("ledger", {ORDERS: 9, ORDERS_1: 5, PAYMENTS: 1})

        async with transaction() as tracking:
            assert await tracking.positions("ledger", [ORDERS.topic, PAYMENTS.topic]) == {
                ORDERS: 10
            }

    async def test_applied_events_and_positions_are_recorded_together(
        self, transaction: Transaction
    ) -> None:
        first, second = event(ORDERS, 4), event(ORDERS_1, 0)
        async with transaction() as tracking:
            await tracking.record_applied_and_advance(
                "ledger", [first, second], {ORDERS: 5, ORDERS_1: 1}, dead_lettered=()
            )

        async with transaction() as tracking:
            assert await tracking.positions("ledger", [ORDERS.topic]) == {ORDERS: 5, ORDERS_1: 1}
            assert await tracking.outcomes("ledger", [first.event_id, second.event_id]) == {
                first.event_id: Outcome.APPLIED,
                second.event_id: Outcome.APPLIED,
            }

    async def test_recording_an_applied_event_again_moves_no_position(
        self, transaction: Transaction
    ) -> None:
        applied = event(ORDERS, 4)
        async with transaction() as tracking:
            await tracking.record_applied_and_advance("ledger", [applied], {ORDERS: 5})

        again = event(ORDERS_1, 0, applied.event_id)
        with pytest.raises(TrackingConflict, match=applied.event_id):
            async with transaction() as tracking:
                await tracking.record_applied_and_advance(
                    "ledger", [again], {ORDERS_1: 1}, dead_lettered=()
                )

        async with transaction() as tracking:
            assert await tracking.positions("ledger", [ORDERS.topic]) == {ORDERS: 5}

    async def test_recording_with_a_position_moving_back_keeps_nothing(
        self, transaction: Transaction
    ) -> None:
        async with transaction() as tracking:
            await tracking.advance("ledger", ORDERS, 10)

        late = event(ORDERS, 8)
        with pytest.raises(TrackingConflict, match="cannot move back to offset 9"):
            async with transaction() as tracking:
                await tracking.record_applied_and_advance("ledger", [late], {ORDERS: 9})

        async with transaction() as tracking:
            assert await tracking.outcomes("ledger", [late.event_id]) == {}

    async def test_positions_belong_to_one_consumer(self, transaction: Transaction) -> None:
        async with transaction() as tracking:
            await tracking.advance("ledger", ORDERS, 10)
            await tracking.advance("marketing", ORDERS, 2)

        async with transaction() as tracking:
            assert await tracking.positions("ledger", [ORDERS.topic]) == {ORDERS: 10}
            assert await tracking.positions("marketing", [ORDERS.topic]) == {ORDERS: 2}
            assert await tracking.positions("platform", [ORDERS.topic]) == {}

    async def test_an_applied_event_is_reported_as_applied_and_others_not_at_all(
        self, transaction: Transaction
    ) -> None:
        applied, unseen = event(ORDERS, 0), new_id()
        async with transaction() as tracking:
            await tracking.record_applied("ledger", [applied])

        async with transaction() as tracking:
            assert await tracking.outcomes("ledger", [applied.event_id, unseen]) == {
                applied.event_id: Outcome.APPLIED
            }
            assert await tracking.outcomes("ledger", []) == {}

    async def test_applied_events_belong_to_one_consumer(self, transaction: Transaction) -> None:
        applied = event(ORDERS, 0)
        async with transaction() as tracking:
            await tracking.record_applied("ledger", [applied])

        async with transaction() as tracking:
            assert await tracking.outcomes("marketing", [applied.event_id]) == {}
            await tracking.record_applied("marketing", [applied])

    async def test_an_event_is_applied_at_most_once(self, transaction: Transaction) -> None:
        first = event(ORDERS, 0)
        async with transaction() as tracking:
            await tracking.record_applied("ledger", [first])

        redelivered = event(ORDERS_1, 4, first.event_id)
        with pytest.raises(TrackingConflict, match="has applied event"):
            async with transaction() as tracking:
                await tracking.record_applied("ledger", [event(ORDERS_1, 3), redelivered])

    async def test_a_dead_lettered_event_is_not_applied_until_a_redrive_applies_it(
        self, transaction: Transaction
    ) -> None:
        poison = event(ORDERS, 5)
        async with transaction() as tracking:
            await tracking.record_dead_lettered("ledger", poison)
        async with transaction() as tracking:
            assert await tracking.outcomes("ledger", [poison.event_id]) == {
                poison.event_id: Outcome.DEAD_LETTERED
            }
            await tracking.record_dead_lettered("ledger", event(ORDERS, 9, poison.event_id))

        async with transaction() as tracking:
            await tracking.record_applied("ledger", [event(ORDERS, 12, poison.event_id)])
        async with transaction() as tracking:
            assert await tracking.outcomes("ledger", [poison.event_id]) == {
                poison.event_id: Outcome.APPLIED
            }

    async def test_an_applied_event_cannot_become_dead_lettered(
        self, transaction: Transaction
    ) -> None:
        applied = event(ORDERS, 0)
        async with transaction() as tracking:
            await tracking.record_applied("ledger", [applied])

        with pytest.raises(TrackingConflict):
            async with transaction() as tracking:
                await tracking.record_dead_lettered("ledger", applied)

        async with transaction() as tracking:
            assert await tracking.outcomes("ledger", [applied.event_id]) == {
                applied.event_id: Outcome.APPLIED
            }

    async def test_nothing_from_a_rolled_back_transaction_is_kept(
        self, transaction: Transaction
    ) -> None:
        kept, lost = event(ORDERS, 0), event(ORDERS, 1)
        async with transaction() as tracking:
            await tracking.record_applied("ledger", [kept])
            await tracking.advance("ledger", ORDERS, 1)

        async def apply_and_fail() -> None:
            async with transaction() as tracking:
                await tracking.record_applied("ledger", [lost])
                await tracking.record_dead_lettered("ledger", event(ORDERS, 2))
                await tracking.advance("ledger", ORDERS, 3)
                raise Boom

        with pytest.raises(Boom):
            await apply_and_fail()

        async with transaction() as tracking:
            assert await tracking.position("ledger", ORDERS) == 1
            assert await tracking.outcomes("ledger", [kept.event_id, lost.event_id]) == {
                kept.event_id: Outcome.APPLIED
            }


class TestInMemoryTracking(TrackingContract):
    @pytest.fixture
    def transaction(self) -> Transaction:
        return InMemoryTracking().transaction


@asynccontextmanager
async def sql_transactions(url: str) -> AsyncIterator[Transaction]:
    await asyncio.to_thread(migrate, url)
    database = Database(url)

    @asynccontextmanager
    async def transaction() -> AsyncIterator[Tracking]:
        async with database.transaction() as session:
            yield SqlTracking(session)

    try:
        yield transaction
    finally:
        await database.dispose()


class TestSqliteTracking(TrackingContract):
    @pytest.fixture
    async def transaction(self, fresh_sqlite_url: str) -> AsyncIterator[Transaction]:
        async with sql_transactions(fresh_sqlite_url) as transaction:
            yield transaction


class TestPostgresTracking(TrackingContract):
    @pytest.fixture
    async def transaction(self, fresh_postgres_url: str) -> AsyncIterator[Transaction]:
        async with sql_transactions(fresh_postgres_url) as transaction:
            yield transaction
