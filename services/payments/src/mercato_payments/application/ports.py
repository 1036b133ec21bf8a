"""The ports the application needs: the unit of work its handlers reach repositories through,
the payment provider, and the sellers' payable balances."""

from __future__ import annotations

from typing import Protocol

from mercato_kit.money import Money
from mercato_kit.store import EventSourcedRepository
from mercato_payments.domain import AdvertiserBudget, ChargeOutcome, Payment, PayoutBatch


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


class SellerPayables(Protocol):
    """Sellers' payable balances (released to them, not yet paid out), per currency, inside
    the caller's transaction. Derived from EscrowReleased and PayoutSent: rebuildable."""

    async def credit(self, seller_id: str, amount: Money) -> None:
        """Add a release's seller net."""
        ...

    async def lock_due(self, currency: str, limit: int) -> list[tuple[str, Money]]:
        """Up to `limit` positive balances in `currency`, by seller id, locked against other
        payout runs until the transaction ends."""
        ...

    async def debit(self, seller_id: str, amount: Money) -> None:
        """Take a payout out; a balance never goes below zero (ValueError if it would)."""
        ...

    async def balances(self, seller_id: str) -> list[Money]:
        """A seller's balances, by currency."""
        ...


class PaymentsUnitOfWork(Protocol):
    """One transaction, as the handlers see it: payments' repositories hang off it."""

    @property
    def payments(self) -> EventSourcedRepository[Payment]: ...

    @property
    def budgets(self) -> EventSourcedRepository[AdvertiserBudget]: ...

    @property
    def payouts(self) -> EventSourcedRepository[PayoutBatch]: ...

    @property
    def payables(self) -> SellerPayables: ...
