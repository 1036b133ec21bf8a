"""Subscriptions in the platform's own table; their events through the outbox."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.errors import ConcurrencyError
from mercato_kit.storage import AggregateOutbox
from mercato_platform.adapters.rows import utc
from mercato_platform.adapters.tables import subscriptions
from mercato_platform.domain import Subscription


class SqlSubscriptions:
    def __init__(self, session: AsyncSession, outbox: AggregateOutbox) -> None:
        self._session = session
        self._outbox = outbox

    async def get(self, app_id: str) -> Subscription:
        """The app's subscription (an empty one when it never subscribed)."""
        row = (
            await self._session.execute(
                select(subscriptions).where(subscriptions.c.app_id == app_id)
            )
        ).first()
        if row is None:
            return Subscription(app_id)
        return _subscription(row)

    async def all(self) -> list[Subscription]:
        rows = await self._session.execute(select(subscriptions).order_by(subscriptions.c.app_id))
        return [_subscription(row) for row in rows]

    async def save(self, subscription: Subscription) -> None:
        if not subscription.pending_events():
            return
        values = {
            "types": json.dumps(list(subscription.types)),
            "updated_at": subscription.updated_at,
            "version": subscription.version,
        }
        if subscription.saved_version == 0:
            try:
                async with self._session.begin_nested():
                    await self._session.execute(
                        insert(subscriptions).values(app_id=subscription.app_id, **values)
                    )
            except IntegrityError:
                raise ConcurrencyError("platform.app", subscription.app_id, 0) from None
        else:
            changed = await self._session.execute(
                update(subscriptions)
                .where(
                    subscriptions.c.app_id == subscription.app_id,
                    subscriptions.c.version == subscription.saved_version,
                )
                .values(**values)
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                raise ConcurrencyError(
                    "platform.app", subscription.app_id, subscription.saved_version
                )
        await self._outbox.record(subscription)


def _subscription(row: Any) -> Subscription:
    return Subscription.restored(
        row.app_id, tuple(json.loads(row.types)), utc(row.updated_at), int(row.version)
    )
