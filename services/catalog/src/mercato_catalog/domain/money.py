"""Money: an integer of minor units in a supported currency, never a float."""

from __future__ import annotations

from dataclasses import dataclass

from mercato_kit.errors import InvalidArgument

SUPPORTED_CURRENCIES: tuple[str, ...] = ("CNY", "EUR", "USD")
"""What the catalog prices in; each has 2 decimal places (fen, cents)."""

MAX_MINOR_UNITS = 10**12
"""Ten billion in major units: above any real price, far below int64's limits."""


@dataclass(frozen=True, order=True)
class Money:
    currency: str
    minor_units: int


def price(currency: str, minor_units: int, *, field: str) -> Money:
    """A price from a request: more than zero, in a supported currency; `field` names it."""
    _check_currency(currency, field)
    if minor_units <= 0:
        raise InvalidArgument(f"{field}.minor_units", "a price must be more than zero")
    if minor_units > MAX_MINOR_UNITS:
        raise InvalidArgument(f"{field}.minor_units", f"must be at most {MAX_MINOR_UNITS}")
    return Money(currency, minor_units)


def bound(currency: str, minor_units: int, *, field: str) -> Money:
    """A price bound of a search filter: zero or more, in a supported currency."""
    _check_currency(currency, field)
    if not 0 <= minor_units <= MAX_MINOR_UNITS:
        raise InvalidArgument(f"{field}.minor_units", f"must be 0 to {MAX_MINOR_UNITS}")
    return Money(currency, minor_units)


def _check_currency(currency: str, field: str) -> None:
    if currency not in SUPPORTED_CURRENCIES:
        raise InvalidArgument(
            f"{field}.currency",
            f"{currency!r} is not supported; use one of {', '.join(SUPPORTED_CURRENCIES)}",
        )
