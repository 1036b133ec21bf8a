"""The shapes of the ledger's projections (read models derived from the journal)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

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


@dataclass(frozen=True)
class MonthlyResult:
    month: str
    currency: str
    revenue: int
    expenditure: int

    @property
    def net(self) -> int:
        return self.revenue - self.expenditure


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
