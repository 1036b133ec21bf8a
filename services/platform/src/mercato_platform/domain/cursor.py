"""Cursors: opaque to partners, a feed position to the platform."""

from __future__ import annotations

import base64
import binascii

from mercato_kit.errors import InvalidArgument

_PREFIX = "feed:"


def encode_cursor(position: int) -> str:
    """The cursor of a feed position (resume after it)."""
    return base64.urlsafe_b64encode(f"{_PREFIX}{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, field: str = "cursor") -> int:
    """The feed position a cursor names; InvalidArgument naming `field` for anything else."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith(_PREFIX) or not text[len(_PREFIX) :].isdigit():
        raise InvalidArgument(field, "is not a cursor this platform issued")
    return int(text[len(_PREFIX) :])
