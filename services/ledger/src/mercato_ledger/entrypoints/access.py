"""Who may read what: operators everything; a seller only their own payable account; an app
vendor only its own payable account (liability:vendor_payable:<vendor app id>, read with the
vendor app's own token).

A seller is their own account, or an app acting for them with payments:read (the scope a
seller grants for reading their money). Any other account is PERMISSION_DENIED, decided
before the account is looked up, so the answer reveals nothing about it.
"""

from __future__ import annotations

from mercato_kit.auth import Caller
from mercato_kit.errors import PermissionDenied
from mercato_ledger.domain.accounts import SELLER_PAYABLE_PREFIX, VENDOR_PAYABLE_PREFIX, owner_of

OPERATOR = "operator"
READ = "payments:read"


def require_account_reader(caller: Caller, account: str) -> None:
    if OPERATOR in caller.roles:
        return
    seller = owner_of(account, SELLER_PAYABLE_PREFIX)
    if seller and caller.acts_for(seller, READ if caller.kind == "app" else None):
        return
    vendor = owner_of(account, VENDOR_PAYABLE_PREFIX)
    if vendor and caller.kind == "app" and caller.subject == vendor:
        return
    raise PermissionDenied("only operators, or the payee whose payable it is, may read it")
