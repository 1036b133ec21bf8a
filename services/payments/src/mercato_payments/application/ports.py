"""The ports the application needs: the unit of work its handlers reach repositories through,
the payment provider, and the payees' (sellers', vendors') payable balances."""

from __future__ import annotations

from typing import Protocol

from mercato_kit.money import Money
from mercato_kit.store import EventSourcedRepository
from mercato_payments.domain import (
    AdvertiserBudget,
    AppCharge,
    ChargeOutcome,
    Payment,
    PayoutBatch,
    VendorPayoutBatch,
)


class PaymentProvider(Protocol):
    """Takes money from a buyer's or advertiser's instrument.

    `reference` is the provider-side idempotency key: a charge repeated with the same
    reference answers its first outcome and moves money at most once.
    """

    async def charge(self, reference: str, instrument: str, amount: Money) -> ChargeOutcome:
        """Charge `amount` (may take long: callers bound it with a timeout)."""
        ...

    async def void(self, reference: str) -> None:
        """Cancel the attempt under `reference`: nothing is (or stays) charged for it."""
        ...


class Payables(Protocol):
    """One kind of payee's payable balances (owed to them, not yet paid out), per currency,
    inside the caller's transaction: sellers' (EscrowReleased, PayoutSent) or app vendors'
    (AppCharged, AppChargeRefunded, VendorPaidOut). Derived from those events: rebuildable."""

    async def credit(self, payee_id: str, amount: Money) -> None:
        """Add what the payee earned (a release's seller net, a charge's vendor share)."""
        ...

    async def take_back(self, payee_id: str, amount: Money) -> None:
        """Take a refunded share back; the balance may go below zero (owed back)."""
        ...

    async def lock_due(self, currency: str, limit: int) -> list[tuple[str, Money]]:
        """Up to `limit` positive balances in `currency`, by payee id, locked against other
        payout runs until the transaction ends."""
        ...

    async def debit(self, payee_id: str, amount: Money) -> None:
        """Take a payout out; a balance never goes below zero (ValueError if it would)."""
        ...

    async def balances(self, payee_id: str) -> list[Money]:
        """A payee's balances, by currency."""
        ...


SellerPayables = Payables
"""Sellers' payables (the port's first kind of payee)."""


class PaymentsUnitOfWork(Protocol):
    """One transaction, as the handlers see it: payments' repositories hang off it."""

    @property
    def payments(self) -> EventSourcedRepository[Payment]: ...

    @property
    def budgets(self) -> EventSourcedRepository[AdvertiserBudget]: ...

    @property
    def payouts(self) -> EventSourcedRepository[PayoutBatch]: ...

    @property
    def payables(self) -> Payables: ...

    @property
    def app_charges(self) -> EventSourcedRepository[AppCharge]: ...

    @property
    def vendor_payouts(self) -> EventSourcedRepository[VendorPayoutBatch]: ...

    @property
    def vendor_payables(self) -> Payables: ...
