"""Payout batches: payees' payables sent out together, each payee once per batch.

One rule for every kind of payee (`PayoutRun`): a batch in one currency pays each payee due
its whole positive balance once, then closes. `PayoutBatch` pays sellers (their released
sales), `VendorPayoutBatch` pays app vendors (their shares of app-store charges); each kind
has its own events and aggregate type, so their batch ids never collide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Self

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.ids import new_id
from mercato_kit.money import Money


@dataclass(frozen=True)
class Payout:
    payout_id: str
    payee_id: str
    """The seller (in a PayoutBatch) or the vendor (in a VendorPayoutBatch) paid."""
    amount: Money

    @property
    def seller_id(self) -> str:
        return self.payee_id

    @property
    def vendor_id(self) -> str:
        return self.payee_id


class PayoutRun(Aggregate):
    """One run of payouts to one kind of payee in one currency; its id is the batch id.

    Subclasses name the kind (`payee`) and build its two events: one payout sent, and the
    batch closed."""

    payee: ClassVar[str]

    def __init__(self, batch_id: str) -> None:
        super().__init__(batch_id)
        self.currency = ""
        self.payouts: list[Payout] = []
        self.closed = False

    @classmethod
    def run(cls, batch_id: str, currency: str, due: Sequence[tuple[str, Money]]) -> Self:
        """Pay each payee in `due` (payee id, whole payable balance) once, then close."""
        batch = cls(batch_id)
        total = Money.zero(currency)
        for payee_id, balance in due:
            if balance.currency != currency or balance.minor_units <= 0:
                raise ValueError(f"cannot pay out {balance} in a {currency} batch")
            if any(payout.payee_id == payee_id for payout in batch.payouts):
                raise ValueError(f"{cls.payee} {payee_id} is due twice in batch {batch_id}")
            batch._trigger(cls._sent(batch_id, new_id(), payee_id, balance))
            total += balance
        batch._trigger(cls._closed(batch_id, currency, len(batch.payouts), total))
        return batch

    @classmethod
    def _sent(cls, batch_id: str, payout_id: str, payee_id: str, amount: Money) -> DomainEvent:
        raise NotImplementedError

    @classmethod
    def _closed(cls, batch_id: str, currency: str, count: int, total: Money) -> DomainEvent:
        raise NotImplementedError

    @property
    def total(self) -> Money:
        total = Money.zero(self.currency)
        for payout in self.payouts:
            total += payout.amount
        return total

    def _paid(self, payout_id: str, payee_id: str, amount: Money) -> None:
        self.currency = amount.currency
        self.payouts.append(Payout(payout_id, payee_id, amount))

    def _close(self, currency: str) -> None:
        self.currency = currency
        self.closed = True


class PayoutBatch(PayoutRun):
    """Sellers' payables (released sales) paid out."""

    aggregate_type = "payments.payout"
    payee = "seller"

    @dataclass(frozen=True)
    class PayoutSent(DomainEvent):
        batch_id: str
        payout_id: str
        seller_id: str
        amount: Money

    @dataclass(frozen=True)
    class Closed(DomainEvent):
        batch_id: str
        currency: str
        payout_count: int
        total: Money

    @classmethod
    def _sent(cls, batch_id: str, payout_id: str, payee_id: str, amount: Money) -> DomainEvent:
        return PayoutBatch.PayoutSent(batch_id, payout_id, payee_id, amount)

    @classmethod
    def _closed(cls, batch_id: str, currency: str, count: int, total: Money) -> DomainEvent:
        return PayoutBatch.Closed(batch_id, currency, count, total)

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case PayoutBatch.PayoutSent(payout_id=payout_id, seller_id=seller_id, amount=amount):
                self._paid(payout_id, seller_id, amount)
            case PayoutBatch.Closed(currency=currency):
                self._close(currency)
            case _:
                raise TypeError(f"PayoutBatch cannot apply {type(event).__name__}")


class VendorPayoutBatch(PayoutRun):
    """App vendors' payables (their shares of app-store charges, less refunds) paid out."""

    aggregate_type = "payments.vendor_payout"
    payee = "vendor"

    @dataclass(frozen=True)
    class PaidOut(DomainEvent):
        batch_id: str
        payout_id: str
        vendor_id: str
        amount: Money

    @dataclass(frozen=True)
    class Closed(DomainEvent):
        batch_id: str
        currency: str
        payout_count: int
        total: Money

    @classmethod
    def _sent(cls, batch_id: str, payout_id: str, payee_id: str, amount: Money) -> DomainEvent:
        return VendorPayoutBatch.PaidOut(batch_id, payout_id, payee_id, amount)

    @classmethod
    def _closed(cls, batch_id: str, currency: str, count: int, total: Money) -> DomainEvent:
        return VendorPayoutBatch.Closed(batch_id, currency, count, total)

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case VendorPayoutBatch.PaidOut(payout_id=payout_id, vendor_id=vendor_id, amount=amount):
                self._paid(payout_id, vendor_id, amount)
            case VendorPayoutBatch.Closed(currency=currency):
                self._close(currency)
            case _:
                raise TypeError(f"VendorPayoutBatch cannot apply {type(event).__name__}")
