"""What identity's repositories share: aggregates kept as rows with a version.

A save updates the row only if its version is still the one loaded (else ConcurrencyError), then
records the aggregate's new events in the kit's outbox in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.domain import Aggregate
from mercato_kit.errors import ConcurrencyError
from mercato_kit.storage import AggregateOutbox

LIST_LIMIT = 500


def utc(value: datetime | None) -> datetime | None:
    """SQLite keeps no offset: every time is stored in UTC, and read back as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def required_utc(value: datetime) -> datetime:
    moment = utc(value)
    assert moment is not None
    return moment


class VersionedRows:
    """Remembers the version of every row loaded, for the optimistic check on save."""

    def __init__(self, session: AsyncSession, outbox: AggregateOutbox) -> None:
        self._session = session
        self._outbox = outbox
        self._loaded: dict[str, int] = {}

    def _remember(self, aggregate: Aggregate, version: int) -> None:
        aggregate.version = version
        self._loaded[aggregate.id] = version

    async def _written(self, aggregate: Aggregate) -> None:
        """The aggregate's row is written at its new version: record its events."""
        await self._outbox.record(aggregate)
        self._loaded[aggregate.id] = aggregate.version

    async def _update(
        self, table: Any, key: Any, aggregate: Aggregate, *conditions: Any, **values: Any
    ) -> None:
        """Write `values` and the new version if the row is at the version loaded (and meets
        `conditions`), then record the aggregate's events."""
        expected = self._loaded.get(aggregate.id, aggregate.saved_version)
        result = await self._session.execute(
            update(table)
            .where(key == aggregate.id, table.c.version == expected, *conditions)
            .values(version=aggregate.version, **values)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrencyError(aggregate.aggregate_type, aggregate.id, expected)
        await self._written(aggregate)
