"""Failed sign-ins per e-mail digest (no events: throttling is not a published fact)."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_identity.adapters.rows import utc
from mercato_identity.adapters.tables import sign_in_attempts
from mercato_identity.domain import SignInAttempts


class SqlSignInAttempts:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, email_digest: str) -> SignInAttempts:
        return await self._read(email_digest, for_update=False)

    async def get_for_update(self, email_digest: str) -> SignInAttempts:
        dialect = self._session.get_bind().dialect.name
        insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await self._session.execute(
            insert_(sign_in_attempts)
            .values(email_digest=email_digest, failures=0)
            .on_conflict_do_nothing()
        )
        return await self._read(email_digest, for_update=True)

    async def _read(self, email_digest: str, *, for_update: bool) -> SignInAttempts:
        query = select(sign_in_attempts).where(sign_in_attempts.c.email_digest == email_digest)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).first()
        if row is None:
            return SignInAttempts(email_digest)
        return SignInAttempts(
            email_digest,
            failures=row.failures,
            first_failure_at=utc(row.first_failure_at),
            locked_until=utc(row.locked_until),
        )

    async def save(self, attempts: SignInAttempts) -> None:
        await self._session.execute(
            update(sign_in_attempts)
            .where(sign_in_attempts.c.email_digest == attempts.key)
            .values(
                failures=attempts.failures,
                first_failure_at=attempts.first_failure_at,
                locked_until=attempts.locked_until,
            )
        )

    async def clear(self, email_digest: str) -> None:
        await self._session.execute(
            delete(sign_in_attempts).where(sign_in_attempts.c.email_digest == email_digest)
        )
