"""Signing keys: the key pairs (the private half never leaves this table and the key ring) and
which one is current (a unique index allows one)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_identity.adapters.rows import utc
from mercato_identity.adapters.tables import signing_keys
from mercato_identity.domain import PublishedKey
from mercato_kit.auth import SigningKey, public_key_bytes
from mercato_kit.errors import ConcurrencyError
from mercato_kit.storage import AggregateOutbox


class SqlPublishedKeys:
    def __init__(self, session: AsyncSession, outbox: AggregateOutbox) -> None:
        self._session = session
        self._outbox = outbox

    async def current(self) -> PublishedKey | None:
        row = (
            await self._session.execute(
                select(signing_keys).where(signing_keys.c.is_current.is_(True))
            )
        ).first()
        return None if row is None else self._key(row)

    async def published(
        self, now: datetime, retention: timedelta
    ) -> list[tuple[PublishedKey, bytes]]:
        rows = await self._session.execute(
            select(signing_keys)
            .where(
                or_(
                    signing_keys.c.retired_at.is_(None), signing_keys.c.retired_at > now - retention
                )
            )
            .order_by(signing_keys.c.created_at.desc(), signing_keys.c.kid.desc())
        )
        keys = [(self._key(row), bytes(row.public_key)) for row in rows]
        return sorted(keys, key=lambda entry: not entry[0].is_current)

    async def rotate(
        self, previous: PublishedKey | None, key: PublishedKey, pair: SigningKey
    ) -> None:
        if previous is not None:
            retired = await self._session.execute(
                update(signing_keys)
                .where(signing_keys.c.kid == previous.id, signing_keys.c.is_current.is_(True))
                .values(retired_at=previous.retired_at, is_current=None)
            )
            if retired.rowcount != 1:  # type: ignore[attr-defined]
                raise ConcurrencyError(previous.aggregate_type, previous.id, previous.version)
        try:
            async with self._session.begin_nested():
                await self._session.execute(
                    insert(signing_keys).values(
                        kid=key.id,
                        private_key=pair.private_bytes(),
                        public_key=public_key_bytes(pair.public_key),
                        created_at=key.created_at,
                        is_current=True,
                        version=key.version,
                    )
                )
        except IntegrityError:  # another instance made a key current meanwhile
            raise ConcurrencyError(key.aggregate_type, key.id, 0) from None
        await self._outbox.record(key)

    @staticmethod
    def _key(row: Any) -> PublishedKey:
        key = PublishedKey(row.kid)
        key.created_at, key.retired_at = utc(row.created_at), utc(row.retired_at)
        key.version = row.version
        return key
