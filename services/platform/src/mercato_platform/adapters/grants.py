"""The grants projection: which seller granted which app which scopes, from identity's events."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_platform.adapters.tables import grants
from mercato_platform.domain import GrantChange


class SqlGrants:
    """The grants in the transaction of `session`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def apply(self, change: GrantChange) -> None:
        now = datetime.now(UTC)
        if not change.active:
            await self._session.execute(
                update(grants)
                .where(grants.c.grant_id == change.grant_id)
                .values(active=False, updated_at=now)
            )
            return
        dialect = self._session.get_bind().dialect.name
        values = {
            "grant_id": change.grant_id,
            "app_id": change.app_id,
            "seller_id": change.grantor_id,
            "scopes": " ".join(sorted(change.scopes)),
            "active": change.entitles,
            "updated_at": now,
        }
        statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(grants)
        await self._session.execute(
            statement.values(values).on_conflict_do_nothing(index_elements=["grant_id"])
        )

    async def seller_scopes(self, app_id: str) -> dict[str, frozenset[str]]:
        """The scopes each seller granted `app_id`, active grants only."""
        rows = await self._session.execute(
            select(grants.c.seller_id, grants.c.scopes).where(
                grants.c.app_id == app_id, grants.c.active.is_(True)
            )
        )
        scopes: dict[str, frozenset[str]] = {}
        for seller_id, granted in rows:
            scopes[seller_id] = scopes.get(seller_id, frozenset()) | frozenset(granted.split())
        return scopes
