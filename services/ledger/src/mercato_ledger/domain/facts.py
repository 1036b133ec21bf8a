"""The money facts the ledger hears of, as the domain sees them (the translator builds them
from the published events). Payments' and marketing's facts move money; orders' facts move
none but say which orders were paid (gross merchandise volume) and which are final (the escrow
invariant)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mercato_kit.money import Money

__all__ = [
    "AdClicked",
    "AppChargeRefunded",
    "AppCharged",
    "BudgetDeposited",
    "ClickInvalidated",
    "CommissionCharged",
    "ConversionReversed",
    "EscrowReleased",
    "MoneyFact",
    "OrderFact",
    "OrderMilestone",
    "PaymentCaptured",
    "PayoutSent",
    "ProcessingFeeCharged",
    "PublisherPaidOut",
    "RefundIssued",
    "VendorPaidOut",
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


# --- the app store (payments) ---------------------------------------------------------------


@dataclass(frozen=True)
class AppCharged:
    """A seller paid one period of an app subscription: the platform keeps `platform_share`
    (revenue), the vendor is owed `vendor_share` (amount = the two shares)."""

    vendor_id: str
    amount: Money
    platform_share: Money
    vendor_share: Money


@dataclass(frozen=True)
class AppChargeRefunded:
    """(Part of) an app charge given back to the seller, its split reversed (the vendor's
    payable may go into debit when it had been paid out)."""

    vendor_id: str
    amount: Money
    platform_share: Money
    vendor_share: Money


@dataclass(frozen=True)
class VendorPaidOut:
    vendor_id: str
    amount: Money


# --- marketing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdClicked:
    """An accepted cost-per-click click: the advertiser's budget pays `cost`, the publisher
    earns `publisher_share`, the platform keeps `platform_share` (cost = the two shares)."""

    advertiser_id: str
    publisher_id: str
    cost: Money
    publisher_share: Money
    platform_share: Money


@dataclass(frozen=True)
class ClickInvalidated:
    """An accepted CPC click found invalid later: its charge goes back (AdClicked reversed)."""

    advertiser_id: str
    publisher_id: str
    cost: Money
    publisher_share: Money
    platform_share: Money


@dataclass(frozen=True)
class CommissionCharged:
    """A cost-per-sale commission charged when the attributed order completed, split between
    the publisher and the platform (commission = the two shares)."""

    advertiser_id: str
    publisher_id: str
    commission: Money
    publisher_share: Money
    platform_share: Money


@dataclass(frozen=True)
class ConversionReversed:
    """A charged commission given back when the order was refunded (CommissionCharged
    reversed; the publisher's payable may go into debit when it had been paid out)."""

    advertiser_id: str
    publisher_id: str
    commission: Money
    publisher_share: Money
    platform_share: Money


@dataclass(frozen=True)
class PublisherPaidOut:
    publisher_id: str
    amount: Money


MoneyFact = (
    PaymentCaptured
    | ProcessingFeeCharged
    | RefundIssued
    | EscrowReleased
    | PayoutSent
    | BudgetDeposited
    | AdClicked
    | ClickInvalidated
    | CommissionCharged
    | ConversionReversed
    | PublisherPaidOut
    | AppCharged
    | AppChargeRefunded
    | VendorPaidOut
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
