"""The SQL event store and unit of work, on the kit's `events` and `outbox` tables.

One implementation serves SQLite and PostgreSQL. Appends are serialised per database, for two
reasons: the expected-version check must see every committed append, and `read_all` readers
must never see a position become visible after a higher one (or a reader resuming from the
higher one would skip it for ever).

- SQLite serialises writers already: the kit's `Database` starts every transaction with
  `BEGIN IMMEDIATE`, which takes the database's write lock.
- PostgreSQL (READ COMMITTED) takes a transaction-scoped advisory lock,
  `pg_advisory_xact_lock`, in the statement that reads the version (one round trip), before
  inserting. Positions come from the column's sequence in lock order, and the lock is released
  only after the commit is visible, so commits happen in position order. A rolled-back append
  leaves a gap that is never filled.

The lock is held to the end of the transaction: a unit of work should append last. The
unique constraint on (aggregate_type, aggregate_id, aggregate_version) decides what the
version read missed (on PostgreSQL the read's snapshot may predate an append committed while
the lock was awaited); its violation is reported as the same `ConcurrencyError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.events import EventEnvelope
from mercato_kit.storage import Database, append_to_outbox, events, outbox_written
from mercato_kit.store._port import EventStore, RecordedEvent, UnitOfWork, check_append, conflict

APPEND_LOCK_KEY = 0x6D65726361746F
"""The PostgreSQL advisory lock key that serialises appends ("mercato" in ASCII)."""

_VERSION_CONSTRAINT_MARKERS = ("uq_events_aggregate_version", "events.aggregate_version")


class SqlEventStore(EventStore):
    """The event store on the `events` table of a service's database (SQLite or PostgreSQL).

    Given a `session`, every operation joins that session's transaction (the unit of work
    passes its own); without one, each operation is a transaction of its own.
    """

    def __init__(self, database: Database, *, session: AsyncSession | None = None) -> None:
        self._database = database
        self._session = session

    async def append(self, envelopes: Sequence[EventEnvelope], expected_version: int) -> None:
        """Store one aggregate's new events and their outbox rows (see `EventStore.append`)."""
        check_append(envelopes, expected_version)
        if not envelopes:
            return
        async with self._transaction() as session:
            first = envelopes[0]
            current_version = (
                select(func.coalesce(func.max(events.c.aggregate_version), 0))
                .where(
                    events.c.aggregate_type == first.aggregate_type,
                    events.c.aggregate_id == first.aggregate_id,
                )
                .scalar_subquery()
            )
            current = await self._lock_and_read(session, current_version)
            if current != expected_version:
                raise conflict(envelopes, expected_version)
            try:
                await session.execute(insert(events), [_row(envelope) for envelope in envelopes])
            except IntegrityError as exc:
                message = str(exc.orig)
                if any(marker in message for marker in _VERSION_CONSTRAINT_MARKERS):
                    raise conflict(envelopes, expected_version) from exc
                if "event_id" in message:
                    raise ValueError("an event id of this append is stored already") from exc
                raise
            await append_to_outbox(session, envelopes)

    async def load(
        self, aggregate_type: str, aggregate_id: str, after_version: int = 0
    ) -> list[RecordedEvent]:
        """One aggregate's events after `after_version`, in version order."""
        query = (
            select(events)
            .where(
                events.c.aggregate_type == aggregate_type,
                events.c.aggregate_id == aggregate_id,
                events.c.aggregate_version > after_version,
            )
            .order_by(events.c.aggregate_version)
        )
        async with self._transaction() as session:
            rows = (await session.execute(query)).mappings().all()
        return [_recorded(row) for row in rows]

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        """Events of every aggregate after `after_position`, in position order."""
        if limit < 1:
            raise ValueError(f"limit must be >= 1, not {limit}")
        query = (
            select(events)
            .where(events.c.position > after_position)
            .order_by(events.c.position)
            .limit(limit)
        )
        async with self._transaction() as session:
            rows = (await session.execute(query)).mappings().all()
        return [_recorded(row) for row in rows]

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        if self._session is not None:
            yield self._session
            return
        async with self._database.transaction() as session:
            yield session

    async def _lock_and_read(self, session: AsyncSession, current_version: Any) -> Any:
        """Take the append lock (PostgreSQL) and read the aggregate's current version, in one
        round trip. The version may come from a snapshot taken while the lock was awaited, so
        it can miss an append committed meanwhile; that append's version then collides on the
        unique constraint, reported as the same ConcurrencyError, so nothing is ever appended
        at a wrong version."""
        if self._database.dialect != "postgresql":
            return await session.scalar(select(current_version))
        locked = await session.execute(
            select(func.pg_advisory_xact_lock(APPEND_LOCK_KEY), current_version)
        )
        return locked.one()[1]


class SqlUnitOfWork(UnitOfWork):
    """A unit of work on one database transaction, shared by the events and the service's tables.

        async with SqlUnitOfWork(database) as uow:
            uow.session.add(...)                      # the service's own tables
            await uow.events.append(envelopes, expected_version=3)
            await uow.commit()

    `after_commit`, when given, is called after a commit whose transaction wrote outbox rows
    (appended events, or rows written with `append_to_outbox`): it wakes the outbox relay, and
    a commit with nothing to publish need not.
    `read_only=True` is for queries: on SQLite it does not queue behind writers.
    """

    def __init__(
        self,
        database: Database,
        *,
        after_commit: Callable[[], object] | None = None,
        read_only: bool = False,
    ) -> None:
        self._database = database
        self._after_commit = after_commit
        self._read_only = read_only
        self._session: AsyncSession | None = None
        self._events: SqlEventStore | None = None
        self._state = "new"

    @property
    def session(self) -> AsyncSession:
        """The transaction's session, for the service's own tables."""
        self._require_active()
        assert self._session is not None
        return self._session

    @property
    def events(self) -> EventStore:
        """The event store inside this transaction."""
        self._require_active()
        assert self._events is not None
        return self._events

    async def __aenter__(self) -> Self:
        if self._state != "new":
            raise RuntimeError("a unit of work is used once; make a new one")
        self._session = self._database.sessions()
        if self._read_only:
            await self._session.connection(execution_options=self._database.read_only_options)
        self._events = SqlEventStore(self._database, session=self._session)
        self._state = "active"
        self._open_repositories(self._session)
        return self

    def _open_repositories(self, session: AsyncSession) -> None:
        """Hang the service's repositories off this unit of work, on its transaction's session.

        A service's unit of work overrides only this, so handlers reach `uow.orders`,
        `uow.shops`, ... (`self.orders = EventSourcedRepository(self.events, Order, ...)`).
        """

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self._state == "active":
                await self.rollback()
        finally:
            if self._session is not None:
                await self._session.close()

    async def commit(self) -> None:
        """Commit the transaction; the unit of work is then finished."""
        session = self.session
        self._state = "finished"
        wrote = outbox_written(session)
        await session.commit()
        if wrote and self._after_commit is not None:
            self._after_commit()

    async def rollback(self) -> None:
        """Roll the transaction back; the unit of work is then finished."""
        session = self.session
        self._state = "finished"
        await session.rollback()

    def _require_active(self) -> None:
        if self._state != "active":
            raise RuntimeError(f"the unit of work is {self._state}, not active")


def _row(envelope: EventEnvelope) -> dict[str, Any]:
    return {
        "event_id": envelope.event_id,
        "aggregate_type": envelope.aggregate_type,
        "aggregate_id": envelope.aggregate_id,
        "aggregate_version": envelope.aggregate_version,
        "event_type": envelope.event_type,
        # SQLite keeps no offset (it would silently drop it): store UTC everywhere.
        "occurred_at": envelope.occurred_at.astimezone(UTC),
        "correlation_id": envelope.correlation_id,
        "causation_id": envelope.causation_id,
        "producer": envelope.producer,
        "traceparent": envelope.traceparent,
        "payload": envelope.payload,
    }


def _recorded(row: Any) -> RecordedEvent:
    return RecordedEvent(
        position=row["position"],
        envelope=EventEnvelope(
            event_id=row["event_id"],
            event_type=row["event_type"],
            aggregate_type=row["aggregate_type"],
            aggregate_id=row["aggregate_id"],
            aggregate_version=row["aggregate_version"],
            occurred_at=_utc(row["occurred_at"]),
            correlation_id=row["correlation_id"],
            causation_id=row["causation_id"],
            producer=row["producer"],
            traceparent=row["traceparent"],
            payload=bytes(row["payload"]),
        ),
    )


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
