"""Rows a service keeps beside its aggregates (summaries for lists and look-ups)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table, insert, update
from sqlalchemy.ext.asyncio import AsyncSession


async def save_row(
    session: AsyncSession,
    table: Table,
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    new: Mapping[str, Any] | None = None,
) -> None:
    """Write a summary row in the caller's transaction: insert it with `key`, `new` (the
    columns set once, at creation) and `values` when `new` is given, else update `values`
    of the row `key` names."""
    if new is not None:
        await session.execute(insert(table).values({**key, **new, **values}))
        return
    condition = [table.c[name] == value for name, value in key.items()]
    await session.execute(update(table).where(*condition).values(**values))
