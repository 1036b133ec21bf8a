"""The payments domain: escrow per order, payouts, advertiser budgets. Blind to Kafka, gRPC,
SQL and protobuf; imports only the standard library and mercato_kit's domain, errors and ids."""

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
from mercato_payments.domain.money import (
    MAX_MINOR_UNITS,
    SUPPORTED_CURRENCIES,
    CurrencyMismatch,
    Money,
    Split,
    requested_amount,
    split_share,
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
    "MAX_MINOR_UNITS",
    "SHOP_TIERS",
    "SUPPORTED_CURRENCIES",
    "AdvertiserBudget",
    "CapturePayment",
    "ChargeOutcome",
    "CurrencyMismatch",
    "DeclineReason",
    "Deposit",
    "DepositBudget",
    "Money",
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
    "Split",
    "Tariff",
    "requested_amount",
    "split_share",
]
