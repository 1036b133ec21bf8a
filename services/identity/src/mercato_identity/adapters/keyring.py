"""Identity's signing-key ring: the current key pair signs new tokens, and the published public
keys verify tokens in identity's own calls (a KeyProvider passed to the kit's runtime).

Keys live in the `signing_keys` table, shared by every identity instance. The ring reloads
them every `refresh_interval` seconds, and when it meets an unknown `kid` (such a call waits for
the next reload, at most one per `unknown_kid_interval`), so a rotation made by another
instance is picked up: meanwhile this instance signs with the previous key, which stays
published until its tokens expire.

The current key's private half is stored sealed; the ring opens it with the KEK
(adapters.key_encryption). A reload that cannot open it (another instance rotated the KEK to
one this instance is not configured with) keeps the key it has and logs the error.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import or_, select

from mercato_identity.adapters.key_encryption import KeySealer, KeyUnsealable
from mercato_identity.adapters.tables import signing_keys
from mercato_kit.auth import SigningKey, public_key_from_bytes
from mercato_kit.logging import get_logger
from mercato_kit.storage import Database
from mercato_kit.store import SqlUnitOfWork

log = get_logger(__name__)


class SigningKeyRing:
    def __init__(
        self, *, refresh_interval: float = 30.0, unknown_kid_interval: float = 1.0
    ) -> None:
        self._refresh_interval = refresh_interval
        self._unknown_kid_interval = unknown_kid_interval
        self._database: Database | None = None
        self._sealer: KeySealer | None = None
        self._retention = timedelta(0)
        self._current: SigningKey | None = None
        self._published: dict[str, Ed25519PublicKey] = {}
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()
        self._next: asyncio.Future[None] | None = None

    def attach(
        self,
        database: Database,
        sealer: KeySealer,
        retention: timedelta,
        *,
        refresh_interval: float | None = None,
    ) -> None:
        """Read keys from `database` (opened with `sealer`); retired keys stay published for
        `retention`."""
        self._database, self._sealer, self._retention = database, sealer, retention
        if refresh_interval is not None:
            self._refresh_interval = refresh_interval

    async def reload(self) -> None:
        async with self._lock:
            await self._load()

    async def signing_key(self) -> SigningKey:
        if self._current is None or self._stale():
            await self.reload()
        if self._current is None:
            raise RuntimeError("identity has no current signing key")
        return self._current

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        """See the kit's KeyProvider."""
        if kid in self._published and not self._stale():
            return self._published[kid]
        await asyncio.shield(self._next_reload())
        return self._published.get(kid)

    def _next_reload(self) -> asyncio.Future[None]:
        if self._next is None or self._next.done():
            wait = self._loaded_at + self._unknown_kid_interval - time.monotonic()
            self._next = asyncio.ensure_future(self._reload_after(max(0.0, wait)))
        return self._next

    async def _reload_after(self, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        await self.reload()

    def _stale(self) -> bool:
        return time.monotonic() - self._loaded_at > self._refresh_interval

    async def _load(self) -> None:
        if self._database is None or self._sealer is None:
            raise RuntimeError("the key ring is not attached to identity's database")
        since = datetime.now(UTC) - self._retention
        async with SqlUnitOfWork(self._database, read_only=True) as uow:
            rows = (
                await uow.session.execute(
                    select(signing_keys).where(
                        or_(signing_keys.c.retired_at.is_(None), signing_keys.c.retired_at > since)
                    )
                )
            ).all()
        current = next((row for row in rows if row.is_current), None)
        if current is None:
            self._current = None
        elif self._current is None or self._current.kid != current.kid:
            try:
                self._current = self._sealer.open(
                    current.kid, bytes(current.private_key), bytes(current.public_key)
                )
            except KeyUnsealable as exc:
                if self._current is None:
                    raise
                log.error("signing key not opened; signing with the previous one", error=str(exc))
        self._published = {row.kid: public_key_from_bytes(bytes(row.public_key)) for row in rows}
        self._loaded_at = time.monotonic()
