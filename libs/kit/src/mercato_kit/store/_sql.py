"""The SQL event store and unit of work, on the kit's `events` and `outbox` tables.

One implementation serves SQLite and PostgreSQL. Appends are serialised per database, for two
reasons: the expected-version check must see every committed append, and `read_all` readers
must never see a position become visible after a higher one (or a reader resuming from the
higher one would skip it for ever).

- SQLite serialises writers already: the kit's `Database` starts every transaction with
  `BEGIN IMMEDIATE`, which takes the database's write lock.
- PostgreSQL (READ COMMITTED) takes a transaction-scoped advisory lock,
  `pg_advisory_xact_lock`, before inserting. Positions come from the column's sequence in lock
  order, and the lock is released only after the commit is visible, so commits happen in
  position order. A rolled-back append leaves a gap that is never filled.

The lock is held to the end of the transaction: a unit of work should append last. The
unique constraint on (aggregate_type, aggregate_id, aggregate_version) decides what the
version read missed (on PostgreSQL the read's snapshot may predate an append committed while
the lock was awaited); its violation is reported as the same `ConcurrencyError`.

Round trips: on PostgreSQL an append is ONE statement (`_APPEND_POSTGRESQL`): the lock and the
version check are one-time filters evaluated before its first row is inserted, the events'
insert is a data-modifying CTE, and the outbox rows are inserted by the main statement only
when the events were. On SQLite (no data-modifying CTE; its round trips are a thread hop,
not a network one) the version is read, then the events and the outbox rows are inserted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import bindparam, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.events import EventEnvelope, topic_for
from mercato_kit.storage import (
    OUTBOX_LOCK_KEY,
    Database,
    append_to_outbox,
    events,
    outbox_written,
    write_outbox,
)
from mercato_kit.store._port import EventStore, RecordedEvent, UnitOfWork, check_append, conflict

APPEND_LOCK_KEY = OUTBOX_LOCK_KEY
"""The PostgreSQL advisory lock key that serialises appends ("mercato" in ASCII): the outbox's,
so appends and plain outbox writes commit their outbox rows in id order together."""

_VERSION_CONSTRAINT_MARKERS = ("uq_events_aggregate_version", "events.aggregate_version")

_CURRENT_VERSION = select(func.coalesce(func.max(events.c.aggregate_version), 0)).where(
    events.c.aggregate_type == bindparam("aggregate_type"),
    events.c.aggregate_id == bindparam("aggregate_id"),
)

# One aggregate's events (arrays, one element per event; the aggregate's fields once) and
# their outbox rows, inserted in version order once the lock is held and only if the stored
# version is the expected one. Both filters are uncorrelated subqueries: PostgreSQL evaluates
# them once, before the first row reaches the insert (so positions and outbox ids are drawn
# under the lock). RETURNING tells how many outbox rows were written: none means a conflict.
_APPEND_POSTGRESQL = text(
    """
WITH appended AS (
    INSERT INTO events (
        event_id, aggregate_type, aggregate_id, aggregate_version, event_type, occurred_at,
        correlation_id, causation_id, producer, traceparent, payload
    )
    SELECT
        e.event_id, CAST(:aggregate_type AS VARCHAR), CAST(:aggregate_id AS VARCHAR),
        e.aggregate_version, e.event_type, e.occurred_at, e.correlation_id, e.causation_id,
        e.producer, e.traceparent, e.payload
    FROM unnest(
        CAST(:event_ids AS VARCHAR[]), CAST(:versions AS BIGINT[]),
        CAST(:event_types AS VARCHAR[]), CAST(:occurred_at AS TIMESTAMPTZ[]),
        CAST(:correlation_ids AS VARCHAR[]), CAST(:causation_ids AS VARCHAR[]),
        CAST(:producers AS VARCHAR[]), CAST(:traceparents AS VARCHAR[]),
        CAST(:payloads AS BYTEA[])
    ) AS e(
        event_id, aggregate_version, event_type, occurred_at, correlation_id, causation_id,
        producer, traceparent, payload
    )
    WHERE (SELECT 1 FROM (SELECT pg_advisory_xact_lock(:lock_key)) AS locked) = 1
      AND (
        SELECT coalesce(max(stored.aggregate_version), 0) FROM events AS stored
        WHERE stored.aggregate_type = :aggregate_type AND stored.aggregate_id = :aggregate_id
      ) = :expected_version
    ORDER BY e.aggregate_version
    RETURNING event_id
)
INSERT INTO outbox (event_id, topic, key, value, created_at)
SELECT o.event_id, CAST(:topic AS VARCHAR), CAST(:key AS BYTEA), o.value,
    CAST(:created_at AS TIMESTAMPTZ)
FROM unnest(CAST(:event_ids AS VARCHAR[]), CAST(:values AS BYTEA[])) WITH ORDINALITY
    AS o(event_id, value, n)
WHERE EXISTS (SELECT FROM appended)
ORDER BY o.n
RETURNING id
"""
)


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
            try:
                if self._database.dialect == "postgresql":
                    await write_outbox(
                        session,
                        envelopes,
                        lambda: self._append_postgresql(session, envelopes, expected_version),
                    )
                else:
                    await self._append_sqlite(session, envelopes, expected_version)
            except IntegrityError as exc:
                message = str(exc.orig)
                if any(marker in message for marker in _VERSION_CONSTRAINT_MARKERS):
                    raise conflict(envelopes, expected_version) from exc
                if "event_id" in message:
                    raise ValueError("an event id of this append is stored already") from exc
                raise

    async def _append_postgresql(
        self, session: AsyncSession, envelopes: Sequence[EventEnvelope], expected_version: int
    ) -> None:
        """Lock, check the version and insert the events and their outbox rows in one round
        trip; a version other than `expected_version` inserts nothing and is a conflict."""
        first = envelopes[0]
        result = await session.execute(
            _APPEND_POSTGRESQL,
            {
                "lock_key": APPEND_LOCK_KEY,
                "aggregate_type": first.aggregate_type,
                "aggregate_id": first.aggregate_id,
                "expected_version": expected_version,
                "event_ids": [envelope.event_id for envelope in envelopes],
                "versions": [envelope.aggregate_version for envelope in envelopes],
                "event_types": [envelope.event_type for envelope in envelopes],
                "occurred_at": [envelope.occurred_at for envelope in envelopes],
                "correlation_ids": [envelope.correlation_id for envelope in envelopes],
                "causation_ids": [envelope.causation_id for envelope in envelopes],
                "producers": [envelope.producer for envelope in envelopes],
                "traceparents": [envelope.traceparent for envelope in envelopes],
                "payloads": [envelope.payload for envelope in envelopes],
                "topic": topic_for(first.aggregate_type),
                "key": first.aggregate_id.encode(),
                "values": [envelope.to_bytes() for envelope in envelopes],
                "created_at": datetime.now(UTC),
            },
        )
        if len(result.all()) != len(envelopes):
            raise conflict(envelopes, expected_version)

    async def _append_sqlite(
        self, session: AsyncSession, envelopes: Sequence[EventEnvelope], expected_version: int
    ) -> None:
        """Under the write lock `BEGIN IMMEDIATE` took: read the version, insert the events,
        then their outbox rows."""
        first = envelopes[0]
        current = await session.scalar(
            _CURRENT_VERSION,
            {"aggregate_type": first.aggregate_type, "aggregate_id": first.aggregate_id},
        )
        if current != expected_version:
            raise conflict(envelopes, expected_version)
        await session.execute(insert(events), [_row(envelope) for envelope in envelopes])
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
