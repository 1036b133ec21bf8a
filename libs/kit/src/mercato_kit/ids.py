"""Identifiers: UUIDv7 for events and new aggregates (unique, and sortable by creation time)."""

from __future__ import annotations

import uuid6

__all__ = ["new_id"]


def new_id() -> str:
    """A new UUIDv7 in canonical text form (RFC 9562), made by the uuid6 library: 48 bits of
    Unix milliseconds kept increasing within the process, then random bits."""
    return str(uuid6.uuid7())
