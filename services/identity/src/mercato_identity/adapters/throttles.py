"""Sign-in throttles by key (no events: a throttle is not a published fact; the security
events say when one started blocking)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_identity.adapters.rows import utc
from mercato_identity.adapters.tables import sign_in_throttles
from mercato_identity.domain import Throttle


class SqlThrottles:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, key: str) -> Throttle:
        return await self._read(key, for_update=False)

    async def get_for_update(self, key: str) -> Throttle:
        dialect = self._session.get_bind().dialect.name
        insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await self._session.execute(
            insert_(sign_in_throttles).values(key=key, failures=0).on_conflict_do_nothing()
        )
        return await self._read(key, for_update=True)

    async def _read(self, key: str, *, for_update: bool) -> Throttle:
        query = select(sign_in_throttles).where(sign_in_throttles.c.key == key)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).first()
        if row is None:
            return Throttle(key)
        return Throttle(
            key,
            failures=row.failures,
            last_failure_at=utc(row.last_failure_at),
            blocked_until=utc(row.blocked_until),
        )

    async def save(self, throttle: Throttle) -> None:
        await self._session.execute(
            update(sign_in_throttles)
            .where(sign_in_throttles.c.key == throttle.key)
            .values(
                failures=throttle.failures,
                last_failure_at=throttle.last_failure_at,
                blocked_until=throttle.blocked_until,
            )
        )

    async def clear(self, key: str) -> None:
        await self._session.execute(delete(sign_in_throttles).where(sign_in_throttles.c.key == key))

    async def forget_before(self, cutoff: datetime, now: datetime, *, limit: int) -> int:
        """Delete up to `limit` counters with no failure since `cutoff` and no block running."""
        table = sign_in_throttles.c
        idle = (
            select(table.key)
            .where(
                or_(table.last_failure_at.is_(None), table.last_failure_at < cutoff),
                or_(table.blocked_until.is_(None), table.blocked_until <= now),
            )
            .limit(limit)
        )
        done = await self._session.execute(delete(sign_in_throttles).where(table.key.in_(idle)))
        return int(done.rowcount)  # type: ignore[attr-defined]
