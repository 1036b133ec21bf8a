"""The chart of accounts: one naming scheme, `<kind>:<name>[:<owner id>]`.

    asset:payment_clearing                      cash at the payment provider
    liability:escrow:<order_id>                 a buyer's money held for an order
    liability:seller_payable:<seller_id>        released to a seller, not yet paid out
    liability:advertiser_budget:<advertiser_id> an advertiser's prepaid marketing budget (never
                                                in debit: the audit checks it is not overspent)
    liability:publisher_payable:<publisher_id>  earned by a publisher, not yet paid out (in
                                                debit after a reversal following a payout)
    liability:vendor_payable:<vendor_id>        an app vendor's shares of app-store charges, not
                                                yet paid out (in debit after a refund following
                                                a payout: the vendor owes it back)
    liability:carrier_payable:<carrier_id>      (logistics, later)
    revenue:sale_commission                     commission on released orders
    revenue:advertising                         CPC clicks, gross (the publisher's share is an
                                                expense: the network sells the click)
    revenue:affiliate                           the platform's share of CPS commissions (an
                                                agency: the publisher's share is never revenue)
    revenue:app_store_share                     the platform's share of app-store subscription
                                                charges (less refunds)
    expense:payment_processing                  the payment provider's fees
    expense:publisher_share                     publishers' shares of CPC clicks
    expense:promotions                          (later)

Amounts are signed: a debit is positive, a credit negative. An account's balance is the sum of
its lines, so assets and expenses carry positive balances, liabilities and revenue negative
ones; projections that report revenue, escrow float or a payable flip the sign to show it as
the positive figure a reader expects.
"""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = [
    "ADVERTISER_BUDGET_PREFIX",
    "ADVERTISING",
    "AFFILIATE",
    "APP_STORE_SHARE",
    "PAYMENT_CLEARING",
    "PAYMENT_PROCESSING",
    "PUBLISHER_PAYABLE_PREFIX",
    "PUBLISHER_SHARE",
    "SALE_COMMISSION",
    "VENDOR_PAYABLE_PREFIX",
    "AccountKind",
    "InvalidAccount",
    "account_kind",
    "advertiser_budget",
    "escrow",
    "owner_of",
    "publisher_payable",
    "seller_payable",
    "stream_of",
    "vendor_payable",
]


class AccountKind(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    REVENUE = "revenue"
    EXPENSE = "expense"


class InvalidAccount(ValueError):
    """A name that does not follow the scheme."""


ACCOUNT_PATTERN = re.compile(r"(asset|liability|revenue|expense)(:[A-Za-z0-9_.-]{1,64}){1,2}")

PAYMENT_CLEARING = "asset:payment_clearing"
SALE_COMMISSION = "revenue:sale_commission"
ADVERTISING = "revenue:advertising"
AFFILIATE = "revenue:affiliate"
APP_STORE_SHARE = "revenue:app_store_share"
PAYMENT_PROCESSING = "expense:payment_processing"
PUBLISHER_SHARE = "expense:publisher_share"
ESCROW_PREFIX = "liability:escrow:"
SELLER_PAYABLE_PREFIX = "liability:seller_payable:"
ADVERTISER_BUDGET_PREFIX = "liability:advertiser_budget:"
PUBLISHER_PAYABLE_PREFIX = "liability:publisher_payable:"
VENDOR_PAYABLE_PREFIX = "liability:vendor_payable:"


def escrow(order_id: str) -> str:
    return f"{ESCROW_PREFIX}{order_id}"


def seller_payable(seller_id: str) -> str:
    return f"{SELLER_PAYABLE_PREFIX}{seller_id}"


def advertiser_budget(advertiser_id: str) -> str:
    return f"{ADVERTISER_BUDGET_PREFIX}{advertiser_id}"


def publisher_payable(publisher_id: str) -> str:
    return f"{PUBLISHER_PAYABLE_PREFIX}{publisher_id}"


def vendor_payable(vendor_id: str) -> str:
    return f"{VENDOR_PAYABLE_PREFIX}{vendor_id}"


def account_kind(account: str) -> AccountKind:
    if not ACCOUNT_PATTERN.fullmatch(account):
        raise InvalidAccount(f"{account!r} is not <kind>:<name>[:<owner>]")
    return AccountKind(account.split(":", 1)[0])


def stream_of(account: str) -> str:
    """The revenue stream or expense category an account stands for (its second part)."""
    return account.split(":")[1]


def owner_of(account: str, prefix: str) -> str | None:
    """The owner id of an account under `prefix` (e.g. SELLER_PAYABLE_PREFIX), else None."""
    return account[len(prefix) :] if account.startswith(prefix) else None
