"""Small helpers for reading rows."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(value: datetime | None) -> datetime | None:
    """A stored moment as timezone-aware UTC (SQLite keeps no offset)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_required(value: datetime) -> datetime:
    moment = utc(value)
    assert moment is not None
    return moment
