"""Commands: what callers ask the payments domain to do (imperative names)."""

from __future__ import annotations

from dataclasses import dataclass

from mercato_kit.money import Money
from mercato_payments.domain.app_charge import AppChargeTerms, AppSplit


@dataclass(frozen=True)
class OrderTerms:
    """What an order's payment is for; fixed by its first capture attempt."""

    buyer_id: str
    seller_id: str
    shop_id: str
    shop_tier: str
    amount: Money


@dataclass(frozen=True)
class CapturePayment:
    order_id: str
    terms: OrderTerms
    instrument: str


@dataclass(frozen=True)
class ReleaseEscrow:
    order_id: str


@dataclass(frozen=True)
class RefundPayment:
    order_id: str
    refund_id: str
    amount: Money | None
    """None refunds everything left in escrow."""
    reason: str


@dataclass(frozen=True)
class RunPayoutBatch:
    batch_id: str
    currency: str
    max_payouts: int


@dataclass(frozen=True)
class DepositBudget:
    advertiser_id: str
    deposit_id: str
    amount: Money
    instrument: str


@dataclass(frozen=True)
class ChargeAppSubscription:
    charge_id: str
    terms: AppChargeTerms
    instrument: str


@dataclass(frozen=True)
class RefundAppCharge:
    charge_id: str
    refund_id: str
    split: AppSplit
    reason: str


@dataclass(frozen=True)
class RunVendorPayoutBatch:
    batch_id: str
    currency: str
    max_payouts: int
