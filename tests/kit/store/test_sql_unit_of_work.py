"""SqlUnitOfWork: a service's own rows and its events commit together or not at all."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from google.protobuf.wrappers_pb2 import StringValue
from sqlalchemy import BigInteger, Column, MetaData, String, Table, event, func, insert, select

from mercato_kit.errors import ConcurrencyError
from mercato_kit.events import EventEnvelope, topic_for
from mercato_kit.ids import new_id
from mercato_kit.storage import Database, append_to_outbox, migrate, outbox
from mercato_kit.store import SqlEventStore, SqlUnitOfWork

pytestmark = pytest.mark.asyncio(loop_scope="session")

AGGREGATE_TYPE = "kit.example"

service_metadata = MetaData()
balances = Table(
    "balances",
    service_metadata,
    Column("account_id", String(64), primary_key=True),
    Column("minor_units", BigInteger, nullable=False),
)


def deposited(account_id: str, version: int) -> EventEnvelope:
    return EventEnvelope.new(
        StringValue(value=f"deposit {version}"),
        aggregate_type=AGGREGATE_TYPE,
        aggregate_id=account_id,
        aggregate_version=version,
        producer="kit-tests",
    )


@pytest.fixture
async def database(fresh_database_url: str) -> AsyncIterator[Database]:
    await asyncio.to_thread(migrate, fresh_database_url)
    database = Database(fresh_database_url)
    async with database.engine.begin() as connection:
        await connection.run_sync(service_metadata.create_all)
    try:
        yield database
    finally:
        await database.dispose()


async def stored_state(database: Database) -> tuple[int, int, int]:
    """How many service rows, events and outbox rows the database holds."""
    async with database.transaction() as session:
        return (
            await session.scalar(select(func.count()).select_from(balances)) or 0,
            len(await SqlEventStore(database, session=session).read_all()),
            await session.scalar(select(func.count()).select_from(outbox)) or 0,
        )


async def test_the_services_rows_and_its_events_commit_together(database: Database) -> None:
    account_id = new_id()
    async with SqlUnitOfWork(database) as uow:
        await uow.session.execute(insert(balances).values(account_id=account_id, minor_units=500))
        await uow.events.append([deposited(account_id, 1)], expected_version=0)
        await uow.commit()

    assert await stored_state(database) == (1, 1, 1)


async def test_an_error_before_commit_discards_the_services_rows_and_its_events(
    database: Database,
) -> None:
    account_id = new_id()

    async def fail_after_writing() -> None:
        async with SqlUnitOfWork(database) as uow:
            await uow.session.execute(insert(balances).values(account_id=account_id, minor_units=1))
            await uow.events.append([deposited(account_id, 1)], expected_version=0)
            raise LookupError("the decision failed")

    with pytest.raises(LookupError):
        await fail_after_writing()

    assert await stored_state(database) == (0, 0, 0)


async def test_a_version_conflict_discards_the_services_rows_too(database: Database) -> None:
    account_id = new_id()
    await SqlEventStore(database).append([deposited(account_id, 1)], expected_version=0)

    async def write_at_a_stale_version() -> None:
        async with SqlUnitOfWork(database) as uow:
            await uow.session.execute(insert(balances).values(account_id=account_id, minor_units=9))
            await uow.events.append([deposited(account_id, 1)], expected_version=0)
            await uow.commit()

    with pytest.raises(ConcurrencyError):
        await write_at_a_stale_version()

    assert await stored_state(database) == (0, 1, 1)


async def test_outbox_rows_go_to_the_aggregates_topic_keyed_by_its_id(database: Database) -> None:
    account_id = new_id()
    async with SqlUnitOfWork(database) as uow:
        await uow.events.append([deposited(account_id, 1)], expected_version=0)
        await uow.commit()

    async with database.transaction() as session:
        row = (await session.execute(select(outbox.c.topic, outbox.c.key))).one()
    assert (row.topic, row.key) == (topic_for(AGGREGATE_TYPE), account_id.encode())


async def test_after_commit_is_called_after_a_commit_that_wrote_the_outbox_and_only_then(
    database: Database,
) -> None:
    woken: list[str] = []

    async with SqlUnitOfWork(database, after_commit=lambda: woken.append("rolled back")) as uow:
        await uow.events.append([deposited(new_id(), 1)], expected_version=0)
    async with SqlUnitOfWork(
        database, after_commit=lambda: woken.append("read"), read_only=True
    ) as uow:
        await uow.events.load(AGGREGATE_TYPE, new_id())
        await uow.commit()
    async with SqlUnitOfWork(database, after_commit=lambda: woken.append("no outbox")) as uow:
        await uow.session.execute(insert(balances).values(account_id=new_id(), minor_units=1))
        await uow.commit()
    assert woken == []

    async with SqlUnitOfWork(database, after_commit=lambda: woken.append("appended")) as uow:
        await uow.events.append([deposited(new_id(), 1)], expected_version=0)
        await uow.commit()
    async with SqlUnitOfWork(database, after_commit=lambda: woken.append("outbox")) as uow:
        await append_to_outbox(uow.session, [deposited(new_id(), 1)])
        await uow.commit()
    assert woken == ["appended", "outbox"]


async def test_a_read_only_unit_of_work_reads_while_a_writer_holds_the_database(
    database: Database,
) -> None:
    account_id = new_id()
    async with SqlUnitOfWork(database) as uow:
        await uow.events.append([deposited(account_id, 1)], expected_version=0)
        await uow.commit()

    async with SqlUnitOfWork(database) as writer:
        await writer.session.execute(insert(balances).values(account_id=new_id(), minor_units=1))
        async with asyncio.timeout(10), SqlUnitOfWork(database, read_only=True) as reader:
            history = await reader.events.load(AGGREGATE_TYPE, account_id)
        await writer.commit()

    assert [event.envelope.aggregate_version for event in history] == [1]


async def test_on_postgresql_an_append_waits_until_an_earlier_uncommitted_append_ends(
    fresh_postgres_url: str,
) -> None:
    # Without the advisory lock the later append would commit first, making a higher position
    # visible before a lower one: a reader resuming from it would skip the lower for ever.
    await asyncio.to_thread(migrate, fresh_postgres_url)
    database = Database(fresh_postgres_url)
    store = SqlEventStore(database)
    earlier, later = deposited(new_id(), 1), deposited(new_id(), 1)

    async def append_later() -> None:
        async with SqlUnitOfWork(database) as uow:
            await uow.events.append([later], expected_version=0)
            await uow.commit()

    try:
        async with SqlUnitOfWork(database) as first:
            await first.events.append([earlier], expected_version=0)
            second = asyncio.create_task(append_later())
            await asyncio.wait({second}, timeout=0.5)
            assert not second.done()
            assert await store.read_all() == []
            await first.commit()
        await asyncio.wait_for(second, 30)

        assert [event.envelope for event in await store.read_all()] == [earlier, later]
        async with database.transaction() as session:
            published = await session.scalars(select(outbox.c.event_id).order_by(outbox.c.id))
            assert list(published) == [earlier.event_id, later.event_id]
    finally:
        await database.dispose()


async def test_an_append_is_one_statement_on_postgresql_and_three_on_sqlite(
    database: Database,
) -> None:
    # The lock, the version check, the events and their outbox rows: one round trip where the
    # database can take it (PostgreSQL's data-modifying CTE), whatever the number of events.
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    account_id = new_id()
    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        for expected, size in ((0, 1), (1, 3)):
            async with SqlUnitOfWork(database) as uow:
                await uow.session.connection()  # begun: only the append's statements count
                statements.clear()
                envelopes = [deposited(account_id, expected + n) for n in range(1, size + 1)]
                await uow.events.append(envelopes, expected_version=expected)
                assert len(statements) == (1 if database.dialect == "postgresql" else 3)
                await uow.commit()
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)

    async with database.transaction() as session:
        published = await session.scalars(select(outbox.c.event_id).order_by(outbox.c.id))
    stored = await SqlEventStore(database).load(AGGREGATE_TYPE, account_id)
    assert [e.envelope.aggregate_version for e in stored] == [1, 2, 3, 4]
    assert list(published) == [e.envelope.event_id for e in stored]


async def test_a_read_transaction_sees_committed_rows_without_the_write_lock(
    database: Database,
) -> None:
    account_id = new_id()
    async with database.transaction() as session:
        await session.execute(insert(balances).values(account_id=account_id, minor_units=7))

    async with SqlUnitOfWork(database) as writer:
        await writer.session.execute(insert(balances).values(account_id=new_id(), minor_units=1))
        async with asyncio.timeout(10), database.read_transaction() as reader:
            minor_units = await reader.scalar(
                select(balances.c.minor_units).where(balances.c.account_id == account_id)
            )
        await writer.commit()

    assert minor_units == 7
