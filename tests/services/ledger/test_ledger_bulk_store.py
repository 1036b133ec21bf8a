"""The replay's writes (BulkJournal's rows straight to the driver: COPY on PostgreSQL, an
executemany on SQLite) store exactly what the live path stores, on both databases: the same
entries with the same hashes, lines and milestones, and a chain the audit verifies."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from mercato_kit.consumer import ConsumedRecord
from mercato_kit.storage import Database
from mercato_ledger.adapters.journal import BulkJournal
from mercato_ledger.adapters.tables import entries, lines, milestones
from mercato_ledger.adapters.translator import fact_from_event, source_of
from mercato_ledger.adapters.unit_of_work import LedgerUnitOfWork
from mercato_ledger.application import audit, record_fact

from ._journal import migrated, record_all
from ._scenario import ENTRIES, MILESTONES, default_topics, scenario

pytestmark = pytest.mark.infra


async def _stored(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    columns = [c for c in entries.columns if c.name != "posted_at"]
    async with database.read_transaction() as session:
        found = {
            "entries": list(await session.execute(select(*columns).order_by(entries.c.sequence))),
            "lines": list(
                await session.execute(select(lines).order_by(lines.c.sequence, lines.c.line_no))
            ),
            "milestones": list(
                await session.execute(select(milestones).order_by(milestones.c.event_id))
            ),
            "posted": list(await session.execute(select(entries.c.posted_at))),
        }
    return {name: [tuple(row) for row in rows] for name, rows in found.items()}


async def test_bulk_rows_are_the_live_rows_and_the_audit_holds(
    fresh_database_url: str, tmp_path: Path
) -> None:
    events, topics, offsets = scenario(), default_topics(), Counter[str]()
    # The reference: the live path (SqlJournal, a transaction per event) into SQLite.
    live = await migrated(f"sqlite:///{tmp_path / 'live.db'}")
    database = await migrated(fresh_database_url)
    try:
        await record_all(live, events)
        journal = BulkJournal()
        for number, event in enumerate(events, start=1):
            topic = topics[event.kind]
            record = ConsumedRecord(topic, 0, offsets[topic], b"", b"")
            offsets[topic] += 1
            fact = fact_from_event(event.envelope)
            await record_fact(source_of(event.envelope, record), fact, journal)
            if number % 4 == 0 or number == len(events):
                async with database.transaction() as session:
                    await journal.flush(session)
        rebuilt, expected = await _stored(database), await _stored(live)
        async with LedgerUnitOfWork(database, read_only=True) as uow:
            violations, broken, verified = await audit(uow)
    finally:
        await database.dispose()
        await live.dispose()

    assert len(rebuilt["entries"]) == ENTRIES
    assert len(rebuilt["milestones"]) == MILESTONES
    for table in ("entries", "lines", "milestones"):
        assert rebuilt[table] == expected[table], table
    assert all(isinstance(moment, datetime) for (moment,) in rebuilt["posted"])
    assert (violations, broken, verified) == ([], None, ENTRIES)
