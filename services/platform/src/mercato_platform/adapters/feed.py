"""The feed's table: appended by the feed consumer, read by streams, webhooks and retention."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_platform.adapters.tables import aggregate_owners, feed, feed_sequence
from mercato_platform.domain import FeedEntry, Owners

_SEQUENCE = "feed"


class SqlFeed:
    """The feed in the transaction of `session`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def next_position(self) -> int:
        """The next position. Its row stays locked to the end of the transaction, so the feed's
        writers (every instance's consumer) commit one at a time, in position order, and a
        reader resuming after a position never misses a later commit of a lower one."""
        position = await self._session.scalar(
            update(feed_sequence)
            .where(feed_sequence.c.name == _SEQUENCE)
            .values(position=feed_sequence.c.position + 1)
            .returning(feed_sequence.c.position)
        )
        assert position is not None, "the feed_sequence row is missing"
        return int(position)

    async def append(self, entry: FeedEntry) -> None:
        await self._session.execute(
            insert(feed).values(
                position=entry.position,
                event_id=entry.event_id,
                event_type=entry.event_type,
                subject=entry.subject,
                occurred_at=entry.occurred_at.astimezone(UTC),
                seller_id=entry.owners.seller_id or None,
                carrier_id=entry.owners.carrier_id or None,
                publisher_id=entry.owners.publisher_id or None,
                cloud_event=entry.full,
                redacted_event=entry.redacted,
                appended_at=datetime.now(UTC),
            )
        )

    async def contains(self, event_id: str) -> bool:
        found = await self._session.scalar(
            select(feed.c.position).where(feed.c.event_id == event_id)
        )
        return found is not None

    async def owners_of(self, aggregate_type: str, aggregate_id: str) -> Owners | None:
        row = (
            await self._session.execute(
                select(aggregate_owners).where(
                    aggregate_owners.c.aggregate_type == aggregate_type,
                    aggregate_owners.c.aggregate_id == aggregate_id,
                )
            )
        ).first()
        if row is None:
            return None
        return Owners(row.seller_id, row.carrier_id, row.publisher_id)

    async def remember_owners(self, aggregate_type: str, aggregate_id: str, owners: Owners) -> None:
        dialect = self._session.get_bind().dialect.name
        statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(
            aggregate_owners
        ).values(
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            seller_id=owners.seller_id,
            carrier_id=owners.carrier_id,
            publisher_id=owners.publisher_id,
        )
        await self._session.execute(statement.on_conflict_do_nothing())

    async def head(self) -> int:
        """The last position given out (every entry up to it is committed, or was deleted)."""
        return int(await self._scalar(feed_sequence.c.position))

    async def trimmed_through(self) -> int:
        """The last position retention deleted (0: none)."""
        return int(await self._scalar(feed_sequence.c.trimmed_through))

    async def _scalar(self, column: Any) -> int:
        value = await self._session.scalar(select(column).where(feed_sequence.c.name == _SEQUENCE))
        return int(value or 0)

    async def first_position_at(self, moment: datetime) -> int | None:
        """The first position whose event occurred at or after `moment`."""
        value = await self._session.scalar(
            select(func.min(feed.c.position)).where(feed.c.occurred_at >= moment.astimezone(UTC))
        )
        return None if value is None else int(value)

    async def entries_after(
        self,
        after: int,
        *,
        through: int,
        limit: int,
        types: Collection[str] | None = None,
        sellers: Collection[str] | None = None,
        app_id: str | None = None,
    ) -> list[FeedEntry]:
        """Entries after `after` up to `through`, in order, at most `limit`; narrowed (when
        given) to `types` and to those of `sellers` or with `app_id` as carrier or publisher.
        The narrowing only saves reading: entitlement is decided by the domain."""
        query = (
            select(feed)
            .where(feed.c.position > after, feed.c.position <= through)
            .order_by(feed.c.position)
            .limit(limit)
        )
        if types is not None:
            query = query.where(feed.c.event_type.in_(sorted(types)))
        if app_id is not None:
            query = query.where(
                or_(
                    feed.c.seller_id.in_(sorted(sellers or ())),
                    feed.c.carrier_id == app_id,
                    feed.c.publisher_id == app_id,
                )
            )
        rows = (await self._session.execute(query)).all()
        return [entry_of(row) for row in rows]

    async def trim(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` of the oldest entries appended before `before`; the count."""
        positions: Sequence[int] = (
            await self._session.scalars(
                select(feed.c.position)
                .where(feed.c.appended_at < before.astimezone(UTC))
                .order_by(feed.c.position)
                .limit(limit)
            )
        ).all()
        if not positions:
            return 0
        last = max(positions)
        await self._session.execute(delete(feed).where(feed.c.position <= last))
        trimmed = max(last, await self.trimmed_through())
        await self._session.execute(
            update(feed_sequence)
            .where(feed_sequence.c.name == _SEQUENCE)
            .values(trimmed_through=trimmed)
        )
        return len(positions)


def entry_of(row: Any) -> FeedEntry:
    occurred_at = row.occurred_at
    if occurred_at.tzinfo is None:
        occurred_at = occurred_at.replace(tzinfo=UTC)
    return FeedEntry(
        position=int(row.position),
        event_id=row.event_id,
        event_type=row.event_type,
        subject=row.subject,
        occurred_at=occurred_at,
        owners=Owners(row.seller_id or "", row.carrier_id or "", row.publisher_id or ""),
        full=row.cloud_event,
        redacted=row.redacted_event,
    )
