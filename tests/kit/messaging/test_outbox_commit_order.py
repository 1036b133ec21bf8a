"""Outbox rows become visible in id order on PostgreSQL: a write waits for an earlier writer's
commit, so no row appears below an id the relay has read past (the relay reads on from the last
id it sent within a round; a row committed later below it would reach Kafka after a later row
of its key)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from mercato_kit.storage import Database, append_to_outbox, migrate, outbox

from ._support import envelope

pytestmark = pytest.mark.infra


async def test_a_second_writer_waits_for_the_first_to_commit(fresh_postgres_url: str) -> None:
    await asyncio.to_thread(migrate, fresh_postgres_url)
    database = Database(fresh_postgres_url)
    try:
        first_written = asyncio.Event()
        release_first = asyncio.Event()

        async def first() -> None:
            async with database.transaction() as session:
                await append_to_outbox(session, [envelope("a", 1)], topic="t")
                first_written.set()
                await release_first.wait()

        async def second() -> None:
            await first_written.wait()
            async with database.transaction() as session:
                await append_to_outbox(session, [envelope("b", 1)], topic="t")

        writing = asyncio.create_task(first())
        waiting = asyncio.create_task(second())
        await first_written.wait()
        await asyncio.sleep(0.5)
        assert not waiting.done(), "the second write went on while the first was uncommitted"
        release_first.set()
        await asyncio.gather(writing, waiting)

        async with database.transaction() as session:
            keys = list(await session.scalars(select(outbox.c.key).order_by(outbox.c.id)))
        assert keys == [b"a", b"b"]
    finally:
        await database.dispose()
