"""Identifiers: UUIDv7 for events and new aggregates (unique, and sortable by creation time)."""

from __future__ import annotations

import os
import time

__all__ = ["new_id"]

_VERSION_AND_VARIANT = 0x7 << 76 | 0b10 << 62
_RANDOM_BITS = ((1 << 80) - 1) & ~(0xF << 76) & ~(0b11 << 62)
_last_ms = 0


def new_id() -> str:
    """A new UUIDv7 in canonical text form (RFC 9562).

    The layout of `uuid6.uuid7()`: 48 bits of Unix milliseconds, kept increasing within the
    process (a clock that stands still or steps back takes the last value + 1), then 74 bits
    from `os.urandom`, the version and the variant. Built as an integer and formatted once:
    uuid6's `UUID` object and its `str()` cost about four times as much, and the edge makes
    a correlation id for every call that brings none.
    """
    global _last_ms
    ms = time.time_ns() // 1_000_000
    if ms <= _last_ms:
        ms = _last_ms + 1
    _last_ms = ms
    value = (
        (ms & 0xFFFF_FFFF_FFFF) << 80
        | _VERSION_AND_VARIANT
        | int.from_bytes(os.urandom(10)) & _RANDOM_BITS
    )
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
