"""Rebuild the ledger from offset zero into a fresh store, and compare it with the live one.

The rebuild applies exactly what the live consumer applies: each event id once (the first
record that carries it), through the same posting rules; a record the live consumer would
dead-letter (not an envelope, or amounts that cannot be posted) is skipped and counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mercato_kit.events import EnvelopeDecodeError, envelope_from_record
from mercato_kit.runtime import ensure_database
from mercato_kit.storage import Database, migrate
from mercato_ledger.adapters.journal import BulkJournal, Rows, SqlJournal, write_rows
from mercato_ledger.adapters.log import LogReader
from mercato_ledger.adapters.tables import MIGRATIONS
from mercato_ledger.adapters.translator import fact_from_event, source_of
from mercato_ledger.application import record_fact
from mercato_ledger.domain import InvalidMoneyFact
from mercato_ledger.domain.replay import Difference, first_difference

__all__ = [
    "MIGRATIONS_TABLE",
    "Counts",
    "NotEmpty",
    "ReplayReport",
    "migrate_ledger",
    "rebuild",
    "replay",
]

MIGRATIONS_TABLE = "ledger_alembic_version"

Progress = Callable[[int], None]


class NotEmpty(ValueError):
    """The store named for the rebuild already holds a journal."""


@dataclass(frozen=True)
class ReplayReport:
    records: int
    duplicates: int
    poison: int
    entries: int
    milestones: int
    seconds: float
    difference: Difference | None

    @property
    def events_per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    @property
    def identical(self) -> bool:
        return self.difference is None


def migrate_ledger(url: str) -> None:
    ensure_database(url)
    migrate(url)
    migrate(url, versions=MIGRATIONS, version_table=MIGRATIONS_TABLE)


@dataclass
class Counts:
    """What a rebuild read: records, and those it skipped."""

    records: int = 0
    duplicates: int = 0
    poison: int = 0


async def rebuild(
    reader: LogReader, database: Database, progress: Progress | None = None
) -> Counts:
    """Apply every record the reader yields to `database` (empty), a transaction per fetch.

    A fetch's rows are written while the next fetch is read and posted (one transaction at a
    time, in order): the database's work overlaps the decoding and hashing, which run on this
    thread. A failed write fails the rebuild; the fresh store is then to be discarded.
    """
    counts, seen = Counts(), set[str]()
    journal = BulkJournal()
    writing: asyncio.Task[None] | None = None
    try:
        async for batch in reader.batches():
            for record in batch:
                counts.records += 1
                try:
                    envelope = envelope_from_record(record.value)
                except EnvelopeDecodeError:
                    counts.poison += 1
                    continue
                if envelope.event_id in seen:
                    counts.duplicates += 1
                    continue
                try:
                    fact = fact_from_event(envelope)
                    await record_fact(source_of(envelope, record), fact, journal)
                except (InvalidMoneyFact, EnvelopeDecodeError):
                    counts.poison += 1
                    continue
                seen.add(envelope.event_id)
            rows = journal.take()
            if writing is not None:
                await writing
            writing = asyncio.create_task(_write(database, rows))
            if progress is not None:
                progress(len(batch))
        if writing is not None:
            await writing
    finally:
        if writing is not None and not writing.done():
            # Reading failed: let the transaction in flight end before the error goes up.
            with contextlib.suppress(Exception):
                await writing
    return counts


async def _write(database: Database, rows: Rows) -> None:
    async with database.transaction() as session:
        await write_rows(session, rows)


async def replay(
    bootstrap_servers: str,
    topics: Sequence[str],
    live_url: str,
    fresh_url: str,
    *,
    on_start: Callable[[int], None] | None = None,
    progress: Progress | None = None,
) -> ReplayReport:
    """Rebuild into `fresh_url` (an empty database) and compare with the ledger at `live_url`."""
    await asyncio.to_thread(migrate_ledger, fresh_url)
    fresh = Database(fresh_url)
    async with fresh.read_transaction() as session:
        if (await SqlJournal(session).head())[0]:
            await fresh.dispose()
            raise NotEmpty("the store to rebuild into must be empty")
    reader = await LogReader.open(bootstrap_servers, topics)
    live = Database(live_url)
    try:
        if on_start is not None:
            on_start(reader.total)
        started = time.perf_counter()
        counts = await rebuild(reader, fresh, progress)
        seconds = time.perf_counter() - started
        async with fresh.read_transaction() as session:
            rebuilt = await SqlJournal(session).snapshot()
        async with live.read_transaction() as session:
            current = await SqlJournal(session).snapshot()
        return ReplayReport(
            counts.records,
            counts.duplicates,
            counts.poison,
            len(rebuilt.entries),
            len(rebuilt.milestones),
            seconds,
            first_difference(current, rebuilt, reader.end),
        )
    finally:
        await reader.close()
        await fresh.dispose()
        await live.dispose()
