"""The payments domain: escrow per order, payouts, advertiser budgets. Blind to Kafka, gRPC,
SQL and protobuf; imports only the standard library and mercato_kit's domain, errors, ids and
money (every amount is a `mercato_kit.money.Money`; every share is cut by `Money.split`)."""

from mercato_payments.domain.budget import AdvertiserBudget, Deposit
from mercato_payments.domain.charges import ChargeOutcome, DeclineReason
from mercato_payments.domain.commands import (
    CapturePayment,
    DepositBudget,
    OrderTerms,
    RefundPayment,
    ReleaseEscrow,
    RunPayoutBatch,
)
from mercato_payments.domain.payment import (
    OrderCancelled,
    Payment,
    PaymentStatus,
    Refund,
    Release,
)
from mercato_payments.domain.payout import Payout, PayoutBatch
from mercato_payments.domain.tariff import SHOP_TIERS, Tariff

__all__ = [
    "SHOP_TIERS",
    "AdvertiserBudget",
    "CapturePayment",
    "ChargeOutcome",
    "DeclineReason",
    "Deposit",
    "DepositBudget",
    "OrderCancelled",
    "OrderTerms",
    "Payment",
    "PaymentStatus",
    "Payout",
    "PayoutBatch",
    "Refund",
    "RefundPayment",
    "Release",
    "ReleaseEscrow",
    "RunPayoutBatch",
    "Tariff",
]
