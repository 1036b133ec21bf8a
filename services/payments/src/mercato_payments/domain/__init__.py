"""The payments domain: escrow per order, payouts, advertiser budgets, app-store charges. Blind
to Kafka, gRPC, SQL and protobuf; imports only the standard library and mercato_kit's domain,
errors, ids and money (every amount is a `mercato_kit.money.Money`; every share is cut by
`Money.split`)."""

from mercato_payments.domain.app_charge import (
    AppCharge,
    AppChargeStatus,
    AppChargeTerms,
    AppRefund,
    AppSplit,
)
from mercato_payments.domain.budget import AdvertiserBudget, Deposit
from mercato_payments.domain.charges import ChargeOutcome, DeclineReason
from mercato_payments.domain.commands import (
    CapturePayment,
    ChargeAppSubscription,
    DepositBudget,
    OrderTerms,
    RefundAppCharge,
    RefundPayment,
    ReleaseEscrow,
    RunPayoutBatch,
    RunVendorPayoutBatch,
)
from mercato_payments.domain.payment import (
    OrderCancelled,
    Payment,
    PaymentStatus,
    Refund,
    Release,
)
from mercato_payments.domain.payout import Payout, PayoutBatch, PayoutRun, VendorPayoutBatch
from mercato_payments.domain.tariff import SHOP_TIERS, Tariff

__all__ = [
    "SHOP_TIERS",
    "AdvertiserBudget",
    "AppCharge",
    "AppChargeStatus",
    "AppChargeTerms",
    "AppRefund",
    "AppSplit",
    "CapturePayment",
    "ChargeAppSubscription",
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
    "PayoutRun",
    "Refund",
    "RefundAppCharge",
    "RefundPayment",
    "Release",
    "ReleaseEscrow",
    "RunPayoutBatch",
    "RunVendorPayoutBatch",
    "Tariff",
    "VendorPayoutBatch",
]
