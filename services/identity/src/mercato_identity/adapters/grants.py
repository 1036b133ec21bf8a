"""Grants: at most one active grant per account and app (a unique index holds it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from mercato_identity.adapters.rows import LIST_LIMIT, VersionedRows, utc
from mercato_identity.adapters.tables import grants
from mercato_identity.domain import Grant, RevocationReason
from mercato_identity.domain.errors import GrantExists


class SqlGrants(VersionedRows):
    async def add(self, grant: Grant) -> None:
        try:
            async with self._session.begin_nested():
                await self._session.execute(
                    insert(grants).values(
                        grant_id=grant.id,
                        grantor_account_id=grant.grantor_account_id,
                        grantor_role=grant.grantor_role,
                        app_id=grant.app_id,
                        scopes=" ".join(grant.scopes),
                        granted_at=grant.granted_at,
                        version=grant.version,
                    )
                )
        except IntegrityError:
            existing = await self.active(grant.grantor_account_id, grant.app_id)
            raise GrantExists(existing.id if existing else "(just given)") from None
        await self._written(grant)

    async def get(self, grant_id: str) -> Grant | None:
        rows = await self._select(grants.c.grant_id == grant_id)
        return rows[0] if rows else None

    async def active(self, grantor_account_id: str, app_id: str) -> Grant | None:
        rows = await self._select(
            grants.c.grantor_account_id == grantor_account_id,
            grants.c.app_id == app_id,
            grants.c.revoked_at.is_(None),
        )
        return rows[0] if rows else None

    async def given_by(self, account_id: str, *, include_revoked: bool) -> list[Grant]:
        return await self._listed(grants.c.grantor_account_id == account_id, include_revoked)

    async def given_to(self, app_id: str, *, include_revoked: bool) -> list[Grant]:
        return await self._listed(grants.c.app_id == app_id, include_revoked)

    async def _listed(self, condition: Any, include_revoked: bool) -> list[Grant]:
        conditions = [condition]
        if not include_revoked:
            conditions.append(grants.c.revoked_at.is_(None))
        return await self._select(*conditions, limit=LIST_LIMIT)

    async def _select(self, *conditions: Any, limit: int | None = None) -> list[Grant]:
        query = (
            select(grants)
            .where(*conditions)
            .order_by(grants.c.granted_at.desc(), grants.c.grant_id.desc())
            .limit(limit)
        )
        return [self._grant(row) for row in await self._session.execute(query)]

    def _grant(self, row: Any) -> Grant:
        grant = Grant(row.grant_id)
        grant.grantor_account_id, grant.grantor_role = row.grantor_account_id, row.grantor_role
        grant.app_id, grant.scopes = row.app_id, tuple(row.scopes.split())
        grant.granted_at, grant.revoked_at = utc(row.granted_at), utc(row.revoked_at)
        grant.revocation_reason = (
            RevocationReason(row.revocation_reason) if row.revocation_reason else None
        )
        self._remember(grant, row.version)
        return grant

    async def save(self, grant: Grant) -> None:
        await self._update(
            grants,
            grants.c.grant_id,
            grant,
            revoked_at=grant.revoked_at,
            revocation_reason=str(grant.revocation_reason) if grant.revocation_reason else None,
        )
