"""What the repositories share: moments as milliseconds, JSON columns, upserts, and duplicate
inserts reported as the kit's ConcurrencyError."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.errors import ConcurrencyError
from mercato_kit.money import Money


def ms(moment: datetime) -> int:
    """Milliseconds since the epoch (a naive moment is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def moment(milliseconds: int) -> datetime:
    return datetime.fromtimestamp(milliseconds / 1000, UTC)


def to_json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def of_json(text: str) -> Any:
    return json.loads(text)


def money(minor_units: int | None, currency: str | None) -> Money | None:
    if minor_units is None or not currency:
        return None
    return Money(minor_units=minor_units, currency=currency)


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def insert_for(session: AsyncSession, table: Table) -> Any:
    """The dialect's INSERT (with ON CONFLICT) for `table`."""
    module = postgresql if dialect_of(session) == "postgresql" else sqlite
    return module.insert(table)


async def bump(
    session: AsyncSession, table: Table, keys: Mapping[str, object], **increments: int
) -> None:
    """Add `increments` to the row of `keys`, creating it (counters at zero) when missing: one
    statement, atomic under concurrency on both backends."""
    statement = insert_for(session, table).values({**keys, **increments})
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + statement.excluded[name] for name in increments},
    )
    await session.execute(statement)


@contextmanager
def unique_as_conflict(aggregate_type: str, aggregate_id: str) -> Iterator[None]:
    """An insert whose primary key exists already: another transaction got there first (the
    caller decides again and finds it)."""
    try:
        yield
    except IntegrityError as error:
        raise ConcurrencyError(aggregate_type, aggregate_id, 0) from error
