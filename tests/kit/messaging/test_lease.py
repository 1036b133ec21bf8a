"""The relay's lease on its own: a batch is retired only under the fencing token it was
published under, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, update

from mercato_kit.messaging._lease import Lease
from mercato_kit.storage import Database, append_to_outbox, migrate, outbox, relay_leases
from tests.kit.messaging._support import envelope, outbox_count

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
async def database(fresh_database_url: str) -> AsyncIterator[Database]:
    await asyncio.to_thread(migrate, fresh_database_url)
    database = Database(fresh_database_url)
    yield database
    await database.dispose()


async def outbox_ids(database: Database, rows: int) -> list[int]:
    async with database.transaction() as session:
        await append_to_outbox(session, [envelope("agg-1", n) for n in range(1, rows + 1)])
    async with database.transaction() as session:
        return list(await session.scalars(select(outbox.c.id).order_by(outbox.c.id)))


async def test_the_holder_retires_its_batch_and_keeps_the_lease(database: Database) -> None:
    lease = Lease("outbox", "first", 10.0, database.dialect)
    ids = await outbox_ids(database, 3)
    async with database.autocommit() as session:
        token = await lease.acquire(session)
    assert token is not None

    async with database.autocommit() as session:
        assert await lease.retire(session, token, ids[:2])

    assert await outbox_count(database) == 1
    async with database.autocommit() as session:
        assert await lease.acquire(session) == token


async def test_a_holder_overtaken_by_another_retires_nothing(database: Database) -> None:
    first = Lease("outbox", "first", 10.0, database.dialect)
    second = Lease("outbox", "second", 10.0, database.dialect)
    ids = await outbox_ids(database, 2)
    async with database.autocommit() as session:
        stale = await first.acquire(session)
    async with database.transaction() as session:  # the first's lease lapses
        await session.execute(update(relay_leases).values(expires_at_ms=0))
    async with database.autocommit() as session:
        current = await second.acquire(session)
    assert stale is not None
    assert current == stale + 1

    async with database.autocommit() as session:
        assert not await first.retire(session, stale, ids)

    assert await outbox_count(database) == 2
    async with database.transaction() as session:
        holder = (await session.execute(select(relay_leases))).one()
    assert (holder.owner, holder.fencing_token) == ("second", current)
    assert holder.expires_at_ms > 0


async def test_on_postgresql_each_statement_of_an_autocommit_session_commits_at_once(
    fresh_postgres_url: str,
) -> None:
    await asyncio.to_thread(migrate, fresh_postgres_url)
    database = Database(fresh_postgres_url)
    try:
        async with database.autocommit() as session:
            await append_to_outbox(session, [envelope("agg-1", 1)])
            assert await outbox_count(database) == 1  # seen by another connection
    finally:
        await database.dispose()
