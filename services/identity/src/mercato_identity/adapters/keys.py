"""Signing keys: the key pairs and which one is current (a unique index allows one).

The private half is stored sealed with the KEK (adapters.key_encryption) and opened only by
the key ring; a retired key's private half is erased (nothing signs with it again, while its
public half stays published for its tokens' lifetime)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_identity.adapters.key_encryption import KeySealer
from mercato_identity.adapters.rows import utc
from mercato_identity.adapters.tables import signing_keys
from mercato_identity.domain import PublishedKey
from mercato_kit.auth import SigningKey, public_key_bytes
from mercato_kit.errors import ConcurrencyError
from mercato_kit.storage import AggregateOutbox


class SqlPublishedKeys:
    def __init__(self, session: AsyncSession, outbox: AggregateOutbox, sealer: KeySealer) -> None:
        self._session = session
        self._outbox = outbox
        self._sealer = sealer

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
                .values(retired_at=previous.retired_at, is_current=None, private_key=b"")
            )
            if retired.rowcount != 1:  # type: ignore[attr-defined]
                raise ConcurrencyError(previous.aggregate_type, previous.id, previous.version)
        try:
            async with self._session.begin_nested():
                await self._session.execute(
                    insert(signing_keys).values(
                        kid=key.id,
                        private_key=self._sealer.seal(pair.private_bytes()),
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


async def reseal_signing_keys(session: AsyncSession, sealer: KeySealer) -> int:
    """Re-encrypt every stored private key not sealed with the current KEK (and seal any stored
    before sealing); how many were. KeyUnsealable when no configured KEK opens one. Each row is
    replaced only if unchanged meanwhile (another instance resealing at once is harmless)."""
    rows = (
        await session.execute(
            select(signing_keys.c.kid, signing_keys.c.private_key, signing_keys.c.public_key)
        )
    ).all()
    resealed = 0
    for kid, stored, public in rows:
        stored = bytes(stored)
        if not stored or sealer.is_current(stored):
            continue
        sealed = sealer.reseal(kid, stored, bytes(public))
        await session.execute(
            update(signing_keys)
            .where(signing_keys.c.kid == kid, signing_keys.c.private_key == stored)
            .values(private_key=sealed)
        )
        resealed += 1
    return resealed
