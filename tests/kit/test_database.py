"""The kit's PostgreSQL engine: reads without BEGIN/ROLLBACK, and a pooled connection that
died while idle replaced before it is handed out (a ping only after idling, not per checkout)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from mercato_kit.storage import Database, migrate
from mercato_kit.store import SqlUnitOfWork

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_read_only_unit_of_work_runs_in_autocommit_and_a_write_in_a_transaction(
    fresh_postgres_url: str,
) -> None:
    await asyncio.to_thread(migrate, fresh_postgres_url)
    database = Database(fresh_postgres_url)
    try:
        async with SqlUnitOfWork(database, read_only=True) as reader:
            # No transaction block is open: the statement ran as its own transaction.
            in_block = await reader.session.scalar(text("SELECT now() <> statement_timestamp()"))
            isolation = await reader.session.scalar(text("SHOW transaction_isolation"))
        async with SqlUnitOfWork(database) as writer:
            await writer.session.execute(text("SELECT 1"))
            await asyncio.sleep(0.01)
            in_transaction = await writer.session.scalar(
                text("SELECT now() <> statement_timestamp()")
            )
            writer_isolation = await writer.session.scalar(text("SHOW transaction_isolation"))
            await writer.commit()
        async with database.read_transaction() as session:
            assert await session.scalar(text("SELECT 1")) == 1

        assert in_block is False
        assert isolation == "read committed"
        assert in_transaction is True
        assert writer_isolation == "read committed"
    finally:
        await database.dispose()


async def test_a_pooled_connection_killed_while_idle_is_replaced_before_use(
    fresh_postgres_url: str,
) -> None:
    database = Database(fresh_postgres_url, pool_size=1, ping_after_idle=0)
    try:
        async with database.transaction() as session:
            victim = await session.scalar(text("SELECT pg_backend_pid()"))
        killer = Database(fresh_postgres_url)
        try:
            async with killer.transaction() as session:
                await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": victim})
        finally:
            await killer.dispose()

        async with database.transaction() as session:
            replacement = await session.scalar(text("SELECT pg_backend_pid()"))

        assert replacement != victim
    finally:
        await database.dispose()
