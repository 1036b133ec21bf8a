"""The chart of accounts: one naming scheme, `<kind>:<name>[:<owner id>]`.

    asset:payment_clearing                      cash at the payment provider
    liability:escrow:<order_id>                 a buyer's money held for an order
    liability:seller_payable:<seller_id>        released to a seller, not yet paid out
    liability:advertiser_budget:<advertiser_id> an advertiser's prepaid marketing budget
    liability:publisher_payable:<publisher_id>  (marketing, later)
    liability:vendor_payable:<vendor_id>        (the app store, later)
    liability:carrier_payable:<carrier_id>      (logistics, later)
    revenue:sale_commission | revenue:advertising | revenue:affiliate | revenue:app_store_share
    expense:payment_processing | expense:publisher_share | expense:promotions

Amounts are signed: a debit is positive, a credit negative. An account's balance is the sum of
its lines, so assets and expenses carry positive balances, liabilities and revenue negative
ones; projections that report revenue, escrow float or a payable flip the sign to show it as
the positive figure a reader expects.
"""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = [
    "PAYMENT_CLEARING",
    "PAYMENT_PROCESSING",
    "SALE_COMMISSION",
    "AccountKind",
    "InvalidAccount",
    "account_kind",
    "advertiser_budget",
    "escrow",
    "owner_of",
    "seller_payable",
    "stream_of",
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
PAYMENT_PROCESSING = "expense:payment_processing"
ESCROW_PREFIX = "liability:escrow:"
SELLER_PAYABLE_PREFIX = "liability:seller_payable:"


def escrow(order_id: str) -> str:
    return f"{ESCROW_PREFIX}{order_id}"


def seller_payable(seller_id: str) -> str:
    return f"{SELLER_PAYABLE_PREFIX}{seller_id}"


def advertiser_budget(advertiser_id: str) -> str:
    return f"liability:advertiser_budget:{advertiser_id}"


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
