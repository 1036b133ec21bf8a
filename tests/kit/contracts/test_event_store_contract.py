"""The event store contract, run against the in-memory fake, SQLite and PostgreSQL.

Every backend must behave alike: round trips keep every envelope field, `read_all` follows
position order, a stale expected version raises `ConcurrencyError` and stores nothing, and the
outbox holds exactly the envelopes of committed appends.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest
from google.protobuf.message import Message
from google.protobuf.wrappers_pb2 import BytesValue, StringValue
from sqlalchemy import select

from mercato_kit.context import MessageContext, bind_context
from mercato_kit.errors import ConcurrencyError
from mercato_kit.events import EventEnvelope
from mercato_kit.ids import new_id
from mercato_kit.storage import Database, migrate, outbox
from mercato_kit.store import (
    EventStore,
    InMemoryEventStore,
    InMemoryUnitOfWork,
    RecordedEvent,
    SqlEventStore,
    SqlUnitOfWork,
    UnitOfWork,
    UnitOfWorkFactory,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

AGGREGATE_TYPE = "kit.example"
WAIT = 60


@dataclass(frozen=True)
class Backend:
    """One backend under test: its store, its units of work, and what its outbox holds."""

    store: EventStore
    unit_of_work: UnitOfWorkFactory
    outbox: Callable[[], Awaitable[list[EventEnvelope]]]


def envelope(
    aggregate_id: str,
    version: int,
    payload: Message | None = None,
    *,
    occurred_at: datetime | None = None,
) -> EventEnvelope:
    return EventEnvelope.new(
        payload or StringValue(value=f"{aggregate_id}@{version}"),
        aggregate_type=AGGREGATE_TYPE,
        aggregate_id=aggregate_id,
        aggregate_version=version,
        producer="kit-tests",
        occurred_at=occurred_at,
    )


def history(aggregate_id: str, count: int, *, after: int = 0) -> list[EventEnvelope]:
    return [envelope(aggregate_id, after + n) for n in range(1, count + 1)]


def envelopes_of(recorded: Sequence[RecordedEvent]) -> list[EventEnvelope]:
    return [event.envelope for event in recorded]


class EventStoreContract:
    """The suite; each subclass provides `backend`."""

    @pytest.fixture
    async def backend(self) -> Backend:
        raise NotImplementedError

    async def test_appended_events_load_back_with_every_field_intact(
        self, backend: Backend
    ) -> None:
        aggregate_id = new_id()
        china = timezone(timedelta(hours=8))
        context = MessageContext(correlation_id=new_id(), causation_id=new_id())
        with bind_context(context):
            stored = [
                envelope(
                    aggregate_id,
                    1,
                    BytesValue(value=bytes(range(256))),
                    occurred_at=datetime(2026, 2, 17, 9, 30, 15, 123456, tzinfo=china),
                ),
                envelope(aggregate_id, 2, StringValue(value="茶叶 250g")),
            ]

        await backend.store.append(stored, expected_version=0)
        loaded = await backend.store.load(AGGREGATE_TYPE, aggregate_id)

        assert envelopes_of(loaded) == stored
        first = loaded[0].envelope
        assert first.occurred_at == datetime(2026, 2, 17, 1, 30, 15, 123456, tzinfo=UTC)
        assert first.occurred_at.utcoffset() == timedelta(0)
        assert first.payload == stored[0].payload
        assert first.unpack(BytesValue).value == bytes(range(256))
        assert (first.correlation_id, first.causation_id) == (
            context.correlation_id,
            context.causation_id,
        )
        assert loaded[0].position < loaded[1].position

    async def test_loading_after_a_version_returns_only_the_later_events(
        self, backend: Backend
    ) -> None:
        aggregate_id = new_id()
        stored = history(aggregate_id, 4)
        await backend.store.append(stored, expected_version=0)

        loaded = await backend.store.load(AGGREGATE_TYPE, aggregate_id, after_version=2)

        assert envelopes_of(loaded) == stored[2:]

    async def test_an_aggregate_without_events_loads_as_an_empty_history(
        self, backend: Backend
    ) -> None:
        assert await backend.store.load(AGGREGATE_TYPE, new_id()) == []

    async def test_read_all_returns_every_aggregates_events_in_the_order_they_were_stored(
        self, backend: Backend
    ) -> None:
        first, second = new_id(), new_id()
        appends = [
            (history(first, 2), 0),
            (history(second, 1), 0),
            (history(first, 1, after=2), 2),
            (history(second, 2, after=1), 1),
        ]
        for envelopes, expected_version in appends:
            await backend.store.append(envelopes, expected_version)

        everything = await backend.store.read_all()

        assert envelopes_of(everything) == [e for envelopes, _ in appends for e in envelopes]
        positions = [event.position for event in everything]
        assert positions == sorted(set(positions))

    async def test_read_all_pages_by_position(self, backend: Backend) -> None:
        for _ in range(5):
            await backend.store.append(history(new_id(), 1), expected_version=0)
        everything = await backend.store.read_all()

        pages, after = [], 0
        while page := await backend.store.read_all(after_position=after, limit=2):
            pages.append(page)
            after = page[-1].position

        assert [len(page) for page in pages] == [2, 2, 1]
        assert [event for page in pages for event in page] == everything
        assert (
            await backend.store.read_all(after_position=everything[2].position) == (everything[3:])
        )

    async def test_appending_at_a_stale_version_raises_a_concurrency_error(
        self, backend: Backend
    ) -> None:
        aggregate_id = new_id()
        await backend.store.append(history(aggregate_id, 2), expected_version=0)

        with pytest.raises(ConcurrencyError) as raised:
            await backend.store.append(history(aggregate_id, 1, after=1), expected_version=1)

        assert (raised.value.aggregate_id, raised.value.expected_version) == (aggregate_id, 1)

    async def test_appending_beyond_the_current_version_raises_a_concurrency_error(
        self, backend: Backend
    ) -> None:
        aggregate_id = new_id()
        await backend.store.append(history(aggregate_id, 1), expected_version=0)

        with pytest.raises(ConcurrencyError):
            await backend.store.append(history(aggregate_id, 1, after=3), expected_version=3)

    async def test_a_conflicting_append_stores_nothing_and_publishes_nothing(
        self, backend: Backend
    ) -> None:
        aggregate_id = new_id()
        await backend.store.append(history(aggregate_id, 2), expected_version=0)
        stored_before = await backend.store.read_all()
        outbox_before = await backend.outbox()

        with pytest.raises(ConcurrencyError):
            await backend.store.append(history(aggregate_id, 3, after=1), expected_version=1)

        assert await backend.store.read_all() == stored_before
        assert await backend.outbox() == outbox_before

    async def test_a_committed_append_puts_exactly_its_envelopes_in_the_outbox(
        self, backend: Backend
    ) -> None:
        first, second = history(new_id(), 2), history(new_id(), 1)

        await backend.store.append(first, expected_version=0)
        async with backend.unit_of_work() as uow:
            await uow.events.append(second, expected_version=0)
            await uow.commit()

        assert await backend.outbox() == first + second

    @pytest.mark.parametrize("ending", ["rollback", "no commit", "error"])
    async def test_events_appended_in_a_rolled_back_unit_of_work_are_not_stored_or_published(
        self, backend: Backend, ending: str
    ) -> None:
        aggregate_id = new_id()

        with pytest.raises(RuntimeError) if ending == "error" else nullcontext():
            async with backend.unit_of_work() as uow:
                await uow.events.append(history(aggregate_id, 2), expected_version=0)
                assert len(await uow.events.load(AGGREGATE_TYPE, aggregate_id)) == 2
                if ending == "rollback":
                    await uow.rollback()
                elif ending == "error":
                    raise RuntimeError("the decision failed after the append")

        assert await backend.store.load(AGGREGATE_TYPE, aggregate_id) == []
        assert await backend.store.read_all() == []
        assert await backend.outbox() == []

    async def test_a_conflict_inside_a_unit_of_work_undoes_its_earlier_appends(
        self, backend: Backend
    ) -> None:
        taken = new_id()
        await backend.store.append(history(taken, 1), expected_version=0)
        outbox_before = await backend.outbox()

        async def append_both() -> None:
            async with backend.unit_of_work() as uow:
                await uow.events.append(history(new_id(), 1), expected_version=0)
                await uow.events.append(history(taken, 1), expected_version=0)
                await uow.commit()

        with pytest.raises(ConcurrencyError):
            await append_both()

        assert envelopes_of(await backend.store.read_all()) == outbox_before
        assert await backend.outbox() == outbox_before

    async def test_a_unit_of_work_sees_its_own_appends_and_commits_them_in_order(
        self, backend: Backend
    ) -> None:
        aggregate_id = new_id()
        async with backend.unit_of_work() as uow:
            await uow.events.append(history(aggregate_id, 1), expected_version=0)
            mine = await uow.events.load(AGGREGATE_TYPE, aggregate_id)
            await uow.events.append(history(aggregate_id, 1, after=1), expected_version=1)
            seen = await uow.events.read_all()
            await uow.commit()

        stored = await backend.store.read_all()
        assert envelopes_of(stored) == envelopes_of(seen)
        assert envelopes_of(mine) == envelopes_of(stored[:1])

    async def test_two_concurrent_appends_at_the_same_version_let_exactly_one_win(
        self, backend: Backend
    ) -> None:
        aggregate_id = new_id()
        await backend.store.append(history(aggregate_id, 1), expected_version=0)
        contenders = 2
        barrier = asyncio.Barrier(contenders)

        async def decide_and_save(attempt: list[EventEnvelope]) -> None:
            await barrier.wait()
            async with backend.unit_of_work() as uow:
                await uow.events.append(attempt, expected_version=1)
                await uow.commit()

        attempts = [history(aggregate_id, 2, after=1) for _ in range(contenders)]
        outcomes = await asyncio.wait_for(
            asyncio.gather(*(decide_and_save(a) for a in attempts), return_exceptions=True),
            WAIT,
        )

        winners = [a for a, outcome in zip(attempts, outcomes, strict=True) if outcome is None]
        losers = [outcome for outcome in outcomes if outcome is not None]
        assert len(winners) == 1
        assert len(losers) == contenders - 1
        assert all(isinstance(outcome, ConcurrencyError) for outcome in losers), losers
        stored = envelopes_of(await backend.store.load(AGGREGATE_TYPE, aggregate_id))
        assert [e.aggregate_version for e in stored] == [1, 2, 3]
        assert stored[1:] == winners[0]
        assert (await backend.outbox())[1:] == winners[0]

    async def test_many_concurrent_saves_of_one_aggregate_never_duplicate_a_version(
        self, backend: Backend
    ) -> None:
        aggregate_id = new_id()
        await backend.store.append(history(aggregate_id, 1), expected_version=0)
        contenders = 6

        async def save_with_retries() -> None:
            while True:
                version = len(await backend.store.load(AGGREGATE_TYPE, aggregate_id))
                try:
                    async with backend.unit_of_work() as uow:
                        await uow.events.append([envelope(aggregate_id, version + 1)], version)
                        await uow.commit()
                    return
                except ConcurrencyError:
                    await asyncio.sleep(0)

        await asyncio.wait_for(
            asyncio.gather(*(save_with_retries() for _ in range(contenders))), WAIT
        )

        stored = await backend.store.load(AGGREGATE_TYPE, aggregate_id)
        assert [e.envelope.aggregate_version for e in stored] == list(range(1, contenders + 2))
        assert len(await backend.outbox()) == contenders + 1

    async def test_a_reader_following_read_all_misses_no_event_while_writers_append(
        self, backend: Backend
    ) -> None:
        writers, appends_each = 8, 8
        done = asyncio.Event()

        async def write(aggregate_id: str) -> None:
            for version in range(1, appends_each + 1):
                async with backend.unit_of_work() as uow:
                    await uow.events.append([envelope(aggregate_id, version)], version - 1)
                    await uow.commit()

        async def follow() -> list[int]:
            seen: list[int] = []
            while True:
                finished = done.is_set()
                page = await backend.store.read_all(after_position=seen[-1] if seen else 0)
                seen.extend(event.position for event in page)
                if finished and not page:
                    return seen
                await asyncio.sleep(0)

        async def write_all() -> None:
            await asyncio.gather(*(write(new_id()) for _ in range(writers)))
            done.set()

        seen, _ = await asyncio.wait_for(asyncio.gather(follow(), write_all()), WAIT)

        everything = [event.position for event in await backend.store.read_all()]
        assert len(everything) == writers * appends_each
        assert seen == everything

    async def test_an_append_no_backend_could_store_is_refused_as_a_bug(
        self, backend: Backend
    ) -> None:
        aggregate_id = new_id()
        gap = [envelope(aggregate_id, 1), envelope(aggregate_id, 3)]
        mixed = [envelope(aggregate_id, 1), envelope(new_id(), 2)]
        too_long = [envelope("x" * 65, 1)]

        for refused in (gap, mixed, too_long):
            with pytest.raises(ValueError):  # noqa: PT011
                await backend.store.append(refused, expected_version=0)

        assert await backend.store.read_all() == []
        assert await backend.outbox() == []

    async def test_storing_an_event_id_twice_is_refused_as_a_bug(self, backend: Backend) -> None:
        stored = envelope(new_id(), 1)
        await backend.store.append([stored], expected_version=0)
        again = dataclasses.replace(stored, aggregate_id=new_id())

        with pytest.raises(ValueError, match="stored already"):
            await backend.store.append([again], expected_version=0)

        assert envelopes_of(await backend.store.read_all()) == [stored]
        assert await backend.outbox() == [stored]

    async def test_a_unit_of_work_cannot_be_used_after_it_ends(self, backend: Backend) -> None:
        uow = backend.unit_of_work()
        async with uow:
            await uow.commit()

        with pytest.raises(RuntimeError):
            _ = uow.events
        with pytest.raises(RuntimeError):
            async with uow:
                pass


class TestInMemoryEventStore(EventStoreContract):
    @pytest.fixture
    async def backend(self) -> Backend:
        store = InMemoryEventStore()

        def unit_of_work() -> UnitOfWork:
            return InMemoryUnitOfWork(store)

        async def published() -> list[EventEnvelope]:
            return store.published

        return Backend(store, unit_of_work, published)


@asynccontextmanager
async def sql_backend(url: str) -> AsyncIterator[Backend]:
    await asyncio.to_thread(migrate, url)
    database = Database(url)

    def unit_of_work() -> UnitOfWork:
        return SqlUnitOfWork(database)

    async def outbox_envelopes() -> list[EventEnvelope]:
        async with database.transaction() as session:
            values = (await session.scalars(select(outbox.c.value).order_by(outbox.c.id))).all()
        return [EventEnvelope.from_bytes(value) for value in values]

    try:
        yield Backend(SqlEventStore(database), unit_of_work, outbox_envelopes)
    finally:
        await database.dispose()


class TestSqliteEventStore(EventStoreContract):
    @pytest.fixture
    async def backend(self, fresh_sqlite_url: str) -> AsyncIterator[Backend]:
        async with sql_backend(fresh_sqlite_url) as backend:
            yield backend


class TestPostgresEventStore(EventStoreContract):
    @pytest.fixture
    async def backend(self, fresh_postgres_url: str) -> AsyncIterator[Backend]:
        async with sql_backend(fresh_postgres_url) as backend:
            yield backend
