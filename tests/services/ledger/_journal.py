"""A ledger database for store tests: migrated, and the scenario recorded into it."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence

from mercato_kit.consumer import ConsumedRecord
from mercato_kit.storage import Database, migrate
from mercato_ledger.adapters.journal import SqlJournal
from mercato_ledger.adapters.translator import fact_from_event, source_of
from mercato_ledger.application import record_fact
from mercato_ledger.bootstrap import MIGRATIONS

from ._scenario import Published, default_topics


async def migrated(url: str) -> Database:
    await asyncio.to_thread(migrate, url)
    await asyncio.to_thread(
        migrate, url, versions=MIGRATIONS, version_table="ledger_alembic_version"
    )
    return Database(url)


async def record_all(database: Database, events: Sequence[Published]) -> None:
    """Record each event in its own transaction, as if read from partition 0 of its topic."""
    topics = default_topics()
    offsets: Counter[str] = Counter()
    for event in events:
        topic = topics[event.kind]
        record = ConsumedRecord(topic, 0, offsets[topic], event.envelope.aggregate_id.encode(), b"")
        offsets[topic] += 1
        async with database.transaction() as session:
            source = source_of(event.envelope, record)
            await record_fact(source, fact_from_event(event.envelope), SqlJournal(session))
