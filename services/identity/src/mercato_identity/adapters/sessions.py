"""Sessions and their refresh tokens (kept by digest, one per generation).

A save also checks the generation loaded, so two refreshes of one session never both win.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_identity.adapters.rows import VersionedRows, utc
from mercato_identity.adapters.tables import refresh_tokens, sessions
from mercato_identity.domain import Session, SignOutReason
from mercato_kit.storage import AggregateOutbox


class SqlSessions(VersionedRows):
    def __init__(self, session: AsyncSession, outbox: AggregateOutbox) -> None:
        super().__init__(session, outbox)
        self._generations: dict[str, int] = {}

    async def add(self, session: Session) -> None:
        await self._session.execute(
            insert(sessions).values(
                session_id=session.id,
                account_id=session.account_id,
                started_at=session.started_at,
                expires_at=session.expires_at,
                generation=session.generation,
                version=session.version,
            )
        )
        await self._written(session)
        self._generations[session.id] = session.generation

    async def get(self, session_id: str) -> Session | None:
        row = (
            await self._session.execute(select(sessions).where(sessions.c.session_id == session_id))
        ).first()
        if row is None:
            return None
        session = Session(row.session_id)
        session.account_id = row.account_id
        session.started_at, session.expires_at = utc(row.started_at), utc(row.expires_at)
        session.generation, session.ended_at = row.generation, utc(row.ended_at)
        session.end_reason = SignOutReason(row.end_reason) if row.end_reason else None
        self._remember(session, row.version)
        self._generations[session.id] = row.generation
        return session

    async def save(self, session: Session) -> None:
        await self._update(
            sessions,
            sessions.c.session_id,
            session,
            sessions.c.generation == self._generations.get(session.id, session.generation),
            generation=session.generation,
            ended_at=session.ended_at,
            end_reason=str(session.end_reason) if session.end_reason else None,
        )
        self._generations[session.id] = session.generation

    async def add_refresh_token(
        self, digest: str, session: Session, generation: int, now: datetime
    ) -> None:
        await self._session.execute(
            insert(refresh_tokens).values(
                digest=digest, session_id=session.id, generation=generation, issued_at=now
            )
        )

    async def refresh_token(self, digest: str) -> tuple[str, int] | None:
        row = (
            await self._session.execute(
                select(refresh_tokens.c.session_id, refresh_tokens.c.generation).where(
                    refresh_tokens.c.digest == digest
                )
            )
        ).first()
        return None if row is None else (row.session_id, row.generation)

    async def forget_before(self, cutoff: datetime, *, limit: int) -> int:
        """Delete up to `limit` sessions (and their refresh tokens) that ended or expired before
        `cutoff`."""
        over = or_(sessions.c.ended_at < cutoff, sessions.c.expires_at < cutoff)
        gone = list(
            (await self._session.execute(select(sessions.c.session_id).where(over).limit(limit)))
            .scalars()
            .all()
        )
        await self._session.execute(
            delete(refresh_tokens).where(refresh_tokens.c.session_id.in_(gone))
        )
        done = await self._session.execute(delete(sessions).where(sessions.c.session_id.in_(gone)))
        return int(done.rowcount)  # type: ignore[attr-defined]
