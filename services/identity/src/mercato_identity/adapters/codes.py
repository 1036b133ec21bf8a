"""Partner sign-in's one-time authorization codes, kept by digest (no events)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_identity.adapters.rows import required_utc, utc
from mercato_identity.adapters.tables import authorization_codes
from mercato_identity.domain import AuthorizationCode
from mercato_identity.domain.errors import AuthorizationCodeRejected


class SqlAuthorizationCodes:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, code: AuthorizationCode) -> None:
        await self._session.execute(
            insert(authorization_codes).values(
                digest=code.digest,
                app_id=code.app_id,
                account_id=code.account_id,
                grant_id=code.grant_id,
                scopes=" ".join(code.scopes),
                redirect_uri=code.redirect_uri,
                code_challenge=code.code_challenge,
                nonce=code.nonce,
                issued_at=code.issued_at,
                expires_at=code.expires_at,
            )
        )

    async def get(self, digest: str) -> AuthorizationCode | None:
        row = (
            await self._session.execute(
                select(authorization_codes).where(authorization_codes.c.digest == digest)
            )
        ).first()
        if row is None:
            return None
        return AuthorizationCode(
            digest=row.digest,
            app_id=row.app_id,
            account_id=row.account_id,
            grant_id=row.grant_id,
            scopes=tuple(row.scopes.split()),
            redirect_uri=row.redirect_uri,
            code_challenge=row.code_challenge,
            nonce=row.nonce,
            issued_at=required_utc(row.issued_at),
            expires_at=required_utc(row.expires_at),
            used_at=utc(row.used_at),
        )

    async def save(self, code: AuthorizationCode) -> None:
        result = await self._session.execute(
            update(authorization_codes)
            .where(
                authorization_codes.c.digest == code.digest,
                authorization_codes.c.used_at.is_(None),
            )
            .values(used_at=code.used_at)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise AuthorizationCodeRejected()

    async def forget_before(self, cutoff: datetime, *, limit: int) -> int:
        """Delete up to `limit` codes that expired before `cutoff` (used or not: either is
        refused)."""
        table = authorization_codes.c
        oldest = select(table.digest).where(table.expires_at < cutoff).limit(limit)
        done = await self._session.execute(
            delete(authorization_codes).where(table.digest.in_(oldest))
        )
        return int(done.rowcount)  # type: ignore[attr-defined]
