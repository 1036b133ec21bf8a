"""Money: an integer count of a currency's minor units, and the one rule for splitting it.

Standard library only, so domain code imports it. Never a float. Fields are keyword-only
(`Money(minor_units=1999, currency="CNY")`): a positional `(1999, "CNY")` versus
`("CNY", 1999)` is a trap this type does not set.

Splitting: every share of an amount (commission, a fee, a publisher's or a vendor's share) is
cut by `Money.split(rate_bps)`: the share is rate x amount / 10000 rounded DOWN, and the
remainder minor unit stays with the rest. So the parts always add up to the whole, and the
party that receives the rest (the seller from commission, the platform from a publisher's
share) is the one that keeps a remainder.

A caller's amount is checked by `requested_amount` (supported currency, bounded, positive or
at least `minimum`), which names the field and quotes at most a short prefix of a bad value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mercato_kit.errors import InvalidArgument, quoted

__all__ = [
    "BASIS_POINTS",
    "MAX_MINOR_UNITS",
    "SUPPORTED_CURRENCIES",
    "CurrencyMismatch",
    "Money",
    "Split",
    "check_currency",
    "requested_amount",
]

SUPPORTED_CURRENCIES: tuple[str, ...] = ("CNY", "EUR", "USD")
"""The currencies Mercato prices and pays in; each has 2 decimal places (fen, cents)."""

MAX_MINOR_UNITS = 10**12
"""The largest amount one command may name (10 billion in major units): far below int64."""

BASIS_POINTS = 10_000
"""A rate of 10000 basis points is 100%."""


class CurrencyMismatch(ValueError):
    """Arithmetic between two currencies: a bug in the caller, never the user's input."""


@dataclass(frozen=True, order=True, kw_only=True)
class Money:
    """An amount in minor units (fen for CNY, cents for USD and EUR) of one currency."""

    minor_units: int
    currency: str

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(minor_units=0, currency=currency)

    @staticmethod
    def total(amounts: Iterable[Money]) -> Money:
        """The sum of amounts of one currency; ValueError for none, CurrencyMismatch for mixed."""
        amounts = list(amounts)
        if not amounts:
            raise ValueError("the total of no amounts has no currency")
        result = amounts[0]
        for amount in amounts[1:]:
            result = result + amount
        return result

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(minor_units=self.minor_units + other.minor_units, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(minor_units=self.minor_units - other.minor_units, currency=self.currency)

    def __neg__(self) -> Money:
        return Money(minor_units=-self.minor_units, currency=self.currency)

    def times(self, quantity: int) -> Money:
        return Money(minor_units=self.minor_units * quantity, currency=self.currency)

    def exceeds(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor_units > other.minor_units

    @property
    def is_zero(self) -> bool:
        return self.minor_units == 0

    def split(self, rate_bps: int) -> Split:
        """Cut `rate_bps` basis points out of this amount: the share rounds down, the rest
        keeps the remainder, and share + rest == self, always."""
        if not 0 <= rate_bps <= BASIS_POINTS:
            raise ValueError(f"a rate is 0 to {BASIS_POINTS} basis points, not {rate_bps}")
        if self.minor_units < 0:
            raise ValueError(f"cannot split a negative amount ({self})")
        share = self.minor_units * rate_bps // BASIS_POINTS
        return Split(
            share=Money(minor_units=share, currency=self.currency),
            rest=Money(minor_units=self.minor_units - share, currency=self.currency),
        )

    def __str__(self) -> str:
        return f"{self.minor_units} {self.currency} minor units"

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} do not mix")


@dataclass(frozen=True, kw_only=True)
class Split:
    """An amount cut in two: `share` (rounded down) and `rest` (which gets the remainder)."""

    share: Money
    rest: Money


def check_currency(currency: str, field: str) -> None:
    """Refuse (naming `field`) a currency Mercato does not support."""
    if currency not in SUPPORTED_CURRENCIES:
        raise InvalidArgument(
            field,
            f"{quoted(currency)} is not supported; use one of {', '.join(SUPPORTED_CURRENCIES)}",
        )


def requested_amount(*, minor_units: int, currency: str, field: str, minimum: int = 1) -> Money:
    """A caller's amount: a supported currency and `minimum` to MAX_MINOR_UNITS minor units.

    Errors name `<field>.currency` or `<field>.minor_units`.
    """
    check_currency(currency, f"{field}.currency")
    if minor_units < minimum:
        wanted = "positive" if minimum == 1 else f"at least {minimum}"
        raise InvalidArgument(f"{field}.minor_units", f"must be {wanted}")
    if minor_units > MAX_MINOR_UNITS:
        raise InvalidArgument(f"{field}.minor_units", f"must be at most {MAX_MINOR_UNITS}")
    return Money(minor_units=minor_units, currency=currency)
