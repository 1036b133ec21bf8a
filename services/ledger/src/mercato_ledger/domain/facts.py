"""The money facts the ledger hears of, as the domain sees them (the translator builds them
from the published events). Payments' facts move money; orders' facts move none but say which
orders were paid (gross merchandise volume) and which are final (the escrow invariant)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mercato_kit.money import Money

__all__ = [
    "BudgetDeposited",
    "EscrowReleased",
    "MoneyFact",
    "OrderFact",
    "OrderMilestone",
    "PaymentCaptured",
    "PayoutSent",
    "ProcessingFeeCharged",
    "RefundIssued",
]


@dataclass(frozen=True)
class PaymentCaptured:
    order_id: str
    amount: Money


@dataclass(frozen=True)
class ProcessingFeeCharged:
    fee: Money


@dataclass(frozen=True)
class RefundIssued:
    order_id: str
    amount: Money


@dataclass(frozen=True)
class EscrowReleased:
    order_id: str
    seller_id: str
    gross: Money
    commission: Money
    seller_net: Money


@dataclass(frozen=True)
class PayoutSent:
    seller_id: str
    amount: Money


@dataclass(frozen=True)
class BudgetDeposited:
    advertiser_id: str
    amount: Money


MoneyFact = (
    PaymentCaptured
    | ProcessingFeeCharged
    | RefundIssued
    | EscrowReleased
    | PayoutSent
    | BudgetDeposited
)


class OrderMilestone(StrEnum):
    PAID = "paid"
    COMPLETED = "completed"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


FINAL_WITH_EMPTY_ESCROW = frozenset({OrderMilestone.COMPLETED, OrderMilestone.REFUNDED})
"""Milestones after which the order's escrow must be empty."""


@dataclass(frozen=True)
class OrderFact:
    """An order reached a milestone; `amount` is the order total (paid) or what it names."""

    order_id: str
    milestone: OrderMilestone
    amount: Money
