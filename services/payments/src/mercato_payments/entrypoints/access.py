"""Who may call what: the scopes (from identity's catalogue, mercato_kit.auth.SCOPES) and, for
reads, whose money the caller may see.

    payments:capture  CapturePayment, ReleaseEscrow, RefundPayment: the order saga (a service
                      app); it also reads any payment
    payments:payout   RunPayoutBatch: operators (and a service app that schedules payouts)
    payments:deposit  DepositBudget: the advertiser, or an app acting for them
    payments:read     reads of one's own money: the buyer or seller of an order, a seller's
                      payable, an advertiser's budget (an account, or an app acting for it);
                      operators read everything without it
    payments:app_store  ChargeAppSubscription, RefundAppCharge, GetAppCharge: the platform's
                      service app (the app store); it also reads any vendor's payable
    payments:payout   also RunVendorPayoutBatch
    GetVendorPayable  the vendor itself (a token whose subject is the vendor id: the vendor
                      app), the platform (payments:app_store), operators
"""

from __future__ import annotations

from mercato_kit.auth import Caller
from mercato_kit.errors import PermissionDenied
from mercato_payments.domain import Payment

OPERATOR = "operator"
CAPTURE, PAYOUT = "payments:capture", "payments:payout"
DEPOSIT, READ = "payments:deposit", "payments:read"
APP_STORE = "payments:app_store"


def require_reader(caller: Caller, *account_ids: str) -> None:
    """An operator, or the caller is (or acts for) one of the accounts with payments:read."""
    if OPERATOR in caller.roles:
        return
    if any(caller.acts_for(account, READ) for account in account_ids):
        return
    raise PermissionDenied("the caller may not see this account's money")


def require_payment_reader(caller: Caller, payment: Payment) -> None:
    """The order saga (payments:capture), an operator, or the order's buyer or seller."""
    if caller.has_scope(CAPTURE):
        return
    terms = payment.terms
    require_reader(caller, *((terms.buyer_id, terms.seller_id) if terms else ()))


def require_vendor_reader(caller: Caller, vendor_id: str) -> None:
    """The vendor itself (the subject of the token: the vendor app), the app store
    (payments:app_store) or an operator; decided before anything is looked up, so a refusal
    says nothing about whether the vendor has a payable."""
    if OPERATOR in caller.roles or caller.has_scope(APP_STORE) or caller.subject == vendor_id:
        return
    raise PermissionDenied("the caller may not see this vendor's money")
