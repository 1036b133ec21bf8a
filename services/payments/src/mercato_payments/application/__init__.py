"""Application: handlers (load, decide, save, through the unit of work), the provider call,
and the ports they use."""

from mercato_payments.application.charging import (
    app_charge_reference,
    capture_reference,
    charge,
    deposit_reference,
)
from mercato_payments.application.handlers import (
    get_app_charge,
    get_payment,
    load_app_charge,
    load_budget,
    load_payment,
    record_app_charge,
    record_capture,
    record_deposit,
    refund_app_charge,
    refund_payment,
    release_escrow,
    run_payout_batch,
    run_vendor_payout_batch,
)
from mercato_payments.application.ports import (
    Payables,
    PaymentProvider,
    PaymentsUnitOfWork,
    SellerPayables,
)

__all__ = [
    "Payables",
    "PaymentProvider",
    "PaymentsUnitOfWork",
    "SellerPayables",
    "app_charge_reference",
    "capture_reference",
    "charge",
    "deposit_reference",
    "get_app_charge",
    "get_payment",
    "load_app_charge",
    "load_budget",
    "load_payment",
    "record_app_charge",
    "record_capture",
    "record_deposit",
    "refund_app_charge",
    "refund_payment",
    "release_escrow",
    "run_payout_batch",
    "run_vendor_payout_batch",
]
