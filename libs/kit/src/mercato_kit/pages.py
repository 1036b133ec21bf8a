"""Opaque position tokens: a page token or a stream cursor that names a row's sequence number.

Standard library only (domain code may use it). A token is `base64url("<kind>:<position>")`
without padding: opaque to the caller, checked when it comes back, and a token of one kind
(`before` for newest-first pages, `after` for oldest-first pages or cursors) is never taken for
another. A malformed token is InvalidArgument naming the request's field.
"""

from __future__ import annotations

import base64
import binascii

from mercato_kit.errors import InvalidArgument

__all__ = ["position_token", "token_position"]

_MAX_DIGITS = 18


def position_token(kind: str, position: int) -> str:
    """The token for `position` (a non-negative sequence number) of this kind."""
    if position < 0:
        raise ValueError(f"a position is not negative: {position}")
    return base64.urlsafe_b64encode(f"{kind}:{position}".encode()).decode().rstrip("=")


def token_position(token: str, kind: str, *, field: str) -> int | None:
    """The position a token of this kind names; None for an empty token (the first page)."""
    if not token:
        return None
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    prefix, _, digits = text.partition(":")
    if prefix == kind and digits.isdigit() and len(digits) <= _MAX_DIGITS:
        return int(digits)
    raise InvalidArgument(field, "is not a token this service issued")
