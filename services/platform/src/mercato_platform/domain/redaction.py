"""Partner projections: what of an event's data a partner may see.

Card instruments, secrets, tokens and visitor fingerprints never leave the platform; a buyer's
address only on the bases that show it (Basis.shows_address)."""

from __future__ import annotations

from typing import Any

from mercato_platform.domain.catalogue import EventKind

NEVER_SHOWN: frozenset[str] = frozenset(
    {
        "attributionToken",
        "fingerprint",
        "instrument",
        "cardNumber",
        "secret",
        "appSecret",
        "token",
        "accessToken",
        "refreshToken",
        "password",
    }
)
"""Data fields (protobuf JSON names, at any depth) that no partner ever sees."""


def scrubbed(data: Any) -> Any:
    """`data` without the NEVER_SHOWN fields, at any depth (a new value; `data` is unchanged)."""
    if isinstance(data, dict):
        return {key: scrubbed(value) for key, value in data.items() if key not in NEVER_SHOWN}
    if isinstance(data, list):
        return [scrubbed(item) for item in data]
    return data


def partner_data(data: dict[str, Any], kind: EventKind, *, with_address: bool) -> dict[str, Any]:
    """The event's data as a partner sees it: scrubbed, and without the kind's address fields
    unless `with_address`."""
    clean: dict[str, Any] = scrubbed(data)
    if not with_address:
        for name in kind.address_fields:
            clean.pop(name, None)
    return clean
