"""Tracking on the kit's `consumer_positions` and `processed_events` tables (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.consumer._tracking import (
    Outcome,
    Partition,
    TrackedEvent,
    Tracking,
    applied_twice,
    position_moved_back,
)
from mercato_kit.storage import consumer_positions, processed_events

__all__ = ["SqlTracking"]

_positions = consumer_positions.c
_events = processed_events.c

# The applied records (a plain INSERT: the primary key refuses a second "applied") and the
# positions' upsert (never back), in one statement; arrays, so one text for any batch.
_RECORD_AND_ADVANCE_POSTGRESQL = text(
    """
WITH recorded AS (
    INSERT INTO processed_events (
        consumer, event_id, topic, partition, "offset", outcome, processed_at
    )
    SELECT
        CAST(:consumer AS VARCHAR), e.event_id, e.topic, e.partition, e.at,
        CAST(:outcome AS VARCHAR), CAST(:now AS TIMESTAMPTZ)
    FROM unnest(
        CAST(:event_ids AS VARCHAR[]), CAST(:topics AS VARCHAR[]),
        CAST(:partitions AS INTEGER[]), CAST(:offsets AS BIGINT[])
    ) AS e(event_id, topic, partition, at)
)
INSERT INTO consumer_positions (consumer, topic, partition, next_offset)
SELECT CAST(:consumer AS VARCHAR), p.topic, p.partition, p.next_offset
FROM unnest(
    CAST(:position_topics AS VARCHAR[]), CAST(:position_partitions AS INTEGER[]),
    CAST(:next_offsets AS BIGINT[])
) AS p(topic, partition, next_offset)
ON CONFLICT (consumer, topic, partition) DO UPDATE SET next_offset = excluded.next_offset
    WHERE consumer_positions.next_offset <= excluded.next_offset
RETURNING topic, partition
"""
)


class SqlTracking(Tracking):
    """Tracking in the transaction of `session` (see `Tracking`).

    Build one per transaction, on the session that also carries the effects:

        async with database.transaction() as session:
            tracking = SqlTracking(session)
            ...
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def positions(self, consumer: str, topics: Collection[str]) -> dict[Partition, int]:
        """The stored position of every partition of `topics` (see `Tracking.positions`)."""
        if not topics:
            return {}
        rows = await self._session.execute(
            select(_positions.topic, _positions.partition, _positions.next_offset).where(
                _positions.consumer == consumer, _positions.topic.in_(set(topics))
            )
        )
        return {Partition(topic, partition): offset for topic, partition, offset in rows}

    async def position(self, consumer: str, partition: Partition) -> int | None:
        """The stored position, row-locked on PostgreSQL until the transaction ends."""
        offset = await self._session.scalar(
            select(_positions.next_offset)
            .where(_position_is(consumer, partition))
            .with_for_update()
        )
        return None if offset is None else int(offset)

    async def hold_positions(
        self, consumer: str, partitions: Collection[Partition]
    ) -> dict[Partition, int]:
        """The stored positions of `partitions`, row-locked on PostgreSQL until the transaction
        ends, in one statement (rows locked in primary-key order, as every instance does)."""
        if len(partitions) == 1:
            [partition] = partitions
            position = await self.position(consumer, partition)
            return {} if position is None else {partition: position}
        if not partitions:
            return {}
        rows = await self._session.execute(
            select(_positions.topic, _positions.partition, _positions.next_offset)
            .where(
                _positions.consumer == consumer,
                tuple_(_positions.topic, _positions.partition).in_(
                    [tuple(partition) for partition in partitions]
                ),
            )
            .order_by(_positions.topic, _positions.partition)
            .with_for_update()
        )
        return {Partition(topic, part): int(offset) for topic, part, offset in rows}

    async def advance_all(self, consumer: str, next_offsets: Mapping[Partition, int]) -> None:
        """Store every position in one statement; TrackingConflict if one would move back."""
        if len(next_offsets) == 1:
            [(partition, next_offset)] = next_offsets.items()
            await self.advance(consumer, partition, next_offset)
            return
        if not next_offsets:
            return
        ordered = sorted(next_offsets.items())
        moved = await self._session.execute(self._advancing(consumer, ordered))
        await self._check_moved(consumer, ordered, moved)

    def _advancing(self, consumer: str, ordered: Sequence[tuple[Partition, int]]) -> Any:
        """The upsert of several positions that never moves one back (returning those it
        stored)."""
        statement = self._insert(consumer_positions).values(
            [
                {
                    "consumer": consumer,
                    "topic": partition.topic,
                    "partition": partition.partition,
                    "next_offset": next_offset,
                }
                for partition, next_offset in ordered
            ]
        )
        return statement.on_conflict_do_update(
            index_elements=[_positions.consumer, _positions.topic, _positions.partition],
            set_={"next_offset": statement.excluded.next_offset},
            where=_positions.next_offset <= statement.excluded.next_offset,
        ).returning(_positions.topic, _positions.partition)

    async def _check_moved(
        self, consumer: str, ordered: Sequence[tuple[Partition, int]], moved: Any
    ) -> None:
        stored = {Partition(topic, part) for topic, part in moved}
        for partition, next_offset in ordered:
            if partition not in stored:
                raise position_moved_back(
                    consumer, partition, await self.position(consumer, partition), next_offset
                )

    async def advance(self, consumer: str, partition: Partition, next_offset: int) -> None:
        """Store the position; raise TrackingConflict if it would move back."""
        statement = self._insert(consumer_positions).values(
            consumer=consumer,
            topic=partition.topic,
            partition=partition.partition,
            next_offset=next_offset,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[_positions.consumer, _positions.topic, _positions.partition],
            set_={"next_offset": statement.excluded.next_offset},
            where=_positions.next_offset <= statement.excluded.next_offset,
        )
        if not await self._changed(statement.returning(_positions.next_offset)):
            raise position_moved_back(
                consumer, partition, await self.position(consumer, partition), next_offset
            )

    async def outcomes(self, consumer: str, event_ids: Collection[str]) -> dict[str, Outcome]:
        """What `consumer` did with each event it has seen."""
        if not event_ids:
            return {}
        rows = await self._session.execute(
            select(_events.event_id, _events.outcome).where(
                _events.consumer == consumer, _events.event_id.in_(set(event_ids))
            )
        )
        return {event_id: Outcome(outcome) for event_id, outcome in rows}

    async def record_applied(
        self,
        consumer: str,
        events: Sequence[TrackedEvent],
        *,
        dead_lettered: Collection[str] | None = None,
    ) -> None:
        """Record events as applied; raise TrackingConflict if one already was.

        With `dead_lettered` known (usually empty) the dead-letter records of only those are
        deleted, and no statement is spent when there are none.
        """
        if not events:
            return
        # A plain INSERT, so the primary key refuses a second "applied" even from a transaction
        # that did not see the first; only dead-letter records give way to it. One written by
        # another transaction since the caller looked makes the INSERT fail (TrackingConflict:
        # the batch is retried), never an event applied twice.
        await self._forget_dead_letters(consumer, events, dead_lettered)
        now = datetime.now(UTC)
        try:
            await self._session.execute(
                processed_events.insert(),
                [_row(consumer, event, Outcome.APPLIED, now) for event in events],
            )
        except IntegrityError as exc:
            raise applied_twice(consumer, _named_in(exc, events)) from exc

    async def record_applied_and_advance(
        self,
        consumer: str,
        events: Sequence[TrackedEvent],
        next_offsets: Mapping[Partition, int],
        *,
        dead_lettered: Collection[str] | None = None,
    ) -> None:
        """`record_applied` and `advance_all`; on PostgreSQL in one statement (the applied
        records' plain INSERT as a data-modifying CTE of the positions' upsert)."""
        if not events or not next_offsets or self._dialect() != "postgresql":
            await super().record_applied_and_advance(
                consumer, events, next_offsets, dead_lettered=dead_lettered
            )
            return
        await self._forget_dead_letters(consumer, events, dead_lettered)
        ordered = sorted(next_offsets.items())
        try:
            moved = await self._session.execute(
                _RECORD_AND_ADVANCE_POSTGRESQL,
                {
                    "consumer": consumer,
                    "outcome": Outcome.APPLIED.value,
                    "now": datetime.now(UTC),
                    "event_ids": [event.event_id for event in events],
                    "topics": [event.topic for event in events],
                    "partitions": [event.partition for event in events],
                    "offsets": [event.offset for event in events],
                    "position_topics": [partition.topic for partition, _ in ordered],
                    "position_partitions": [partition.partition for partition, _ in ordered],
                    "next_offsets": [next_offset for _, next_offset in ordered],
                },
            )
        except IntegrityError as exc:
            raise applied_twice(consumer, _named_in(exc, events)) from exc
        await self._check_moved(consumer, ordered, moved)

    async def record_dead_lettered(self, consumer: str, event: TrackedEvent) -> None:
        """Record that an event was dead-lettered; raise TrackingConflict if it was applied."""
        statement = self._insert(processed_events).values(
            _row(consumer, event, Outcome.DEAD_LETTERED, datetime.now(UTC))
        )
        statement = statement.on_conflict_do_update(
            index_elements=[_events.consumer, _events.event_id],
            set_={
                name: statement.excluded[name]
                for name in ("topic", "partition", "offset", "processed_at")
            },
            where=_events.outcome == Outcome.DEAD_LETTERED.value,
        )
        if not await self._changed(statement.returning(_events.event_id)):
            raise applied_twice(consumer, event.event_id)

    async def _forget_dead_letters(
        self, consumer: str, events: Sequence[TrackedEvent], dead_lettered: Collection[str] | None
    ) -> None:
        """Delete the dead-letter records the applied `events` replace (all of theirs when
        `dead_lettered` is unknown; no statement when it is empty)."""
        replaced = (
            {event.event_id for event in events} if dead_lettered is None else set(dead_lettered)
        )
        if replaced:
            await self._session.execute(
                delete(processed_events).where(
                    _events.consumer == consumer,
                    _events.event_id.in_(replaced),
                    _events.outcome == Outcome.DEAD_LETTERED.value,
                )
            )

    def _dialect(self) -> str:
        return str(self._session.get_bind().dialect.name)

    def _insert(self, table: Any) -> Any:
        dialect = self._dialect()
        if dialect == "postgresql":
            return postgresql.insert(table)
        if dialect == "sqlite":
            return sqlite.insert(table)
        raise ValueError(f"unsupported database {dialect!r}: use sqlite or postgresql")

    async def _changed(self, upsert: Any) -> bool:
        # RETURNING, not rowcount: psycopg reports no rowcount for these statements.
        return (await self._session.execute(upsert)).first() is not None


def _position_is(consumer: str, partition: Partition) -> Any:
    return and_(
        _positions.consumer == consumer,
        _positions.topic == partition.topic,
        _positions.partition == partition.partition,
    )


def _row(consumer: str, event: TrackedEvent, outcome: Outcome, now: datetime) -> dict[str, Any]:
    return {
        "consumer": consumer,
        "event_id": event.event_id,
        "topic": event.topic,
        "partition": event.partition,
        "offset": event.offset,
        "outcome": outcome.value,
        "processed_at": now,
    }


def _named_in(exc: IntegrityError, events: Sequence[TrackedEvent]) -> str:
    # PostgreSQL names the duplicate key; SQLite names only the constraint.
    detail = str(exc.orig)
    named = next((event.event_id for event in events if event.event_id in detail), None)
    return named or f"{events[0].event_id} or another of the {len(events)} in the batch"
