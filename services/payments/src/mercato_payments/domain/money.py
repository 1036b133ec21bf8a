"""Money: an integer count of a currency's minor units, and the one rule for splitting it.

Never a float. Every share of an amount (commission, processing fee) is computed by
`split_share`: the share is rate x amount / 10000 rounded DOWN, and the remainder minor unit
stays with the rest (the seller keeps it from commission; the platform keeps it from the
processing fee). So the parts always add up to the whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from mercato_kit.errors import InvalidArgument

SUPPORTED_CURRENCIES = frozenset({"CNY", "EUR", "USD"})
MAX_MINOR_UNITS = 10**12
"""The largest amount one command may move (10 billion in major units for CNY, USD, EUR)."""
BASIS_POINTS = 10_000
"""A rate of 10000 basis points is 100%."""


class CurrencyMismatch(ValueError):
    """Arithmetic between two currencies: a bug in the caller, never the user's input."""


@dataclass(frozen=True)
class Money:
    """An amount in minor units (fen for CNY, cents for USD and EUR) of one currency."""

    minor_units: int
    currency: str

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor_units + other.minor_units, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor_units - other.minor_units, self.currency)

    def exceeds(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor_units > other.minor_units

    @property
    def is_zero(self) -> bool:
        return self.minor_units == 0

    def __str__(self) -> str:
        return f"{self.minor_units} {self.currency} minor units"

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} do not mix")


@dataclass(frozen=True)
class Split:
    """An amount cut in two: `share` (rounded down) and `rest` (which gets the remainder)."""

    share: Money
    rest: Money


def split_share(whole: Money, rate_bps: int) -> Split:
    """Cut `rate_bps` basis points out of `whole`: the share rounds down, the rest keeps the
    remainder, and share + rest == whole, always."""
    if not 0 <= rate_bps <= BASIS_POINTS:
        raise ValueError(f"a rate is 0 to {BASIS_POINTS} basis points, not {rate_bps}")
    if whole.minor_units < 0:
        raise ValueError(f"cannot split a negative amount ({whole})")
    share = whole.minor_units * rate_bps // BASIS_POINTS
    return Split(
        share=Money(share, whole.currency),
        rest=Money(whole.minor_units - share, whole.currency),
    )


def requested_amount(minor_units: int, currency: str, field: str) -> Money:
    """A caller's amount, refused (naming `field`) unless positive, bounded and supported."""
    if currency not in SUPPORTED_CURRENCIES:
        supported = ", ".join(sorted(SUPPORTED_CURRENCIES))
        raise InvalidArgument(f"{field}.currency", f"must be one of {supported}, not {currency!r}")
    if minor_units <= 0:
        raise InvalidArgument(f"{field}.minor_units", "must be positive")
    if minor_units > MAX_MINOR_UNITS:
        raise InvalidArgument(f"{field}.minor_units", f"must be at most {MAX_MINOR_UNITS}")
    return Money(minor_units, currency)
