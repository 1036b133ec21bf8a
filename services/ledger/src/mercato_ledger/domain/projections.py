"""The shapes of the ledger's projections (read models derived from the journal)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mercato_kit.money import BASIS_POINTS
from mercato_ledger.domain.accounts import ADVERTISING, stream_of

__all__ = [
    "AccountBalance",
    "EscrowFloat",
    "MonthlyResult",
    "Period",
    "PeriodAmount",
    "StatementLine",
    "TrialBalance",
]


class Period(StrEnum):
    DAY = "day"
    MONTH = "month"


@dataclass(frozen=True)
class AccountBalance:
    """An account's balance in one currency (signed: debit positive)."""

    account: str
    currency: str
    balance: int


@dataclass(frozen=True)
class StatementLine:
    sequence: int
    occurred_at: datetime
    event_id: str
    event_type: str
    currency: str
    amount: int
    balance_after: int


@dataclass(frozen=True)
class PeriodAmount:
    """An amount for one period (`2026-11-22` or `2026-11`) and key (stream, category)."""

    period: str
    key: str
    currency: str
    amount: int
    count: int = 0


ADVERTISING_STREAM = stream_of(ADVERTISING)
"""The revenue stream the advertising ratio compares with expenditure ("advertising")."""


@dataclass(frozen=True)
class MonthlyResult:
    """One month's result in one currency: the movement of every revenue stream (credits shown
    positive) and every expense category in the month, keyed by the account's name part
    (sale_commission, advertising, affiliate, ...; payment_processing, publisher_share, ...),
    sorted by key; streams and categories without postings that month are left out.

    The seeds' question, does advertising alone cover the month's expenditure: `advertising`
    is the advertising stream (CPC clicks, gross; affiliate commissions are not counted),
    `advertising_to_expenditure_bps` = advertising x 10000 / expenditure rounded down (floor),
    None when the month's expenditure is zero or less (no ratio to state), and
    `advertising_covers_expenditure` = advertising >= expenditure (so True when nothing was
    spent: there was nothing to cover)."""

    month: str
    currency: str
    revenue_by_stream: tuple[tuple[str, int], ...] = ()
    expenditure_by_category: tuple[tuple[str, int], ...] = ()

    @property
    def revenue(self) -> int:
        return sum(amount for _, amount in self.revenue_by_stream)

    @property
    def expenditure(self) -> int:
        return sum(amount for _, amount in self.expenditure_by_category)

    @property
    def net(self) -> int:
        return self.revenue - self.expenditure

    @property
    def advertising(self) -> int:
        return dict(self.revenue_by_stream).get(ADVERTISING_STREAM, 0)

    @property
    def advertising_covers_expenditure(self) -> bool:
        return self.advertising >= self.expenditure

    @property
    def advertising_to_expenditure_bps(self) -> int | None:
        if self.expenditure <= 0:
            return None
        return self.advertising * BASIS_POINTS // self.expenditure


@dataclass(frozen=True)
class EscrowFloat:
    """Held in escrow (positive), and for how many orders, in one currency."""

    currency: str
    amount: int
    orders: int


@dataclass(frozen=True)
class TrialBalance:
    """Every account's non-zero balance and, per currency, total debits and credits."""

    balances: tuple[AccountBalance, ...]
    debits: dict[str, int]
    credits: dict[str, int]

    @property
    def balanced(self) -> bool:
        currencies = self.debits.keys() | self.credits.keys()
        return all(self.debits.get(c, 0) + self.credits.get(c, 0) == 0 for c in currencies)
