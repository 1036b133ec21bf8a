"""Application: handlers (load, decide, save, through the unit of work), the provider call,
and the ports they use."""

from mercato_payments.application.charging import capture_reference, charge, deposit_reference
from mercato_payments.application.handlers import (
    get_payment,
    load_budget,
    load_payment,
    record_capture,
    record_deposit,
    refund_payment,
    release_escrow,
    run_payout_batch,
)
from mercato_payments.application.ports import (
    PaymentProvider,
    PaymentsUnitOfWork,
    SellerPayables,
)

__all__ = [
    "PaymentProvider",
    "PaymentsUnitOfWork",
    "SellerPayables",
    "capture_reference",
    "charge",
    "deposit_reference",
    "get_payment",
    "load_budget",
    "load_payment",
    "record_capture",
    "record_deposit",
    "refund_payment",
    "release_escrow",
    "run_payout_batch",
]
