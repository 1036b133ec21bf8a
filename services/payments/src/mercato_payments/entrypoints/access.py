"""Who may call what: the scopes (from identity's catalogue, mercato_kit.auth.SCOPES) and, for
reads, whose money the caller may see.

    payments:capture  CapturePayment, ReleaseEscrow, RefundPayment: the order saga (a service
                      app); it also reads any payment
    payments:payout   RunPayoutBatch: operators (and a service app that schedules payouts)
    payments:deposit  DepositBudget: the advertiser, or an app acting for them
    payments:read     reads of one's own money: the buyer or seller of an order, a seller's
                      payable, an advertiser's budget (an account, or an app acting for it);
                      operators read everything without it
"""

from __future__ import annotations

from mercato_kit.auth import Caller
from mercato_kit.errors import PermissionDenied
from mercato_payments.domain import Payment

OPERATOR = "operator"
CAPTURE, PAYOUT = "payments:capture", "payments:payout"
DEPOSIT, READ = "payments:deposit", "payments:read"


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
