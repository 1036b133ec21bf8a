"""The PayoutBatch aggregate: sellers' payables sent out together, each seller once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.ids import new_id
from mercato_kit.money import Money


@dataclass(frozen=True)
class Payout:
    payout_id: str
    seller_id: str
    amount: Money


class PayoutBatch(Aggregate):
    """One run of payouts in one currency; its id is the operator's batch id."""

    aggregate_type = "payments.payout"

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

    def __init__(self, batch_id: str) -> None:
        super().__init__(batch_id)
        self.currency = ""
        self.payouts: list[Payout] = []
        self.closed = False

    @classmethod
    def run(cls, batch_id: str, currency: str, due: Sequence[tuple[str, Money]]) -> PayoutBatch:
        """Pay each seller in `due` (seller id, whole payable balance) once, then close."""
        batch = cls(batch_id)
        total = Money.zero(currency)
        for seller_id, balance in due:
            if balance.currency != currency or balance.minor_units <= 0:
                raise ValueError(f"cannot pay out {balance} in a {currency} batch")
            if any(payout.seller_id == seller_id for payout in batch.payouts):
                raise ValueError(f"seller {seller_id} is due twice in batch {batch_id}")
            batch._trigger(PayoutBatch.PayoutSent(batch_id, new_id(), seller_id, balance))
            total += balance
        batch._trigger(PayoutBatch.Closed(batch_id, currency, len(batch.payouts), total))
        return batch

    @property
    def total(self) -> Money:
        total = Money.zero(self.currency)
        for payout in self.payouts:
            total += payout.amount
        return total

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case PayoutBatch.PayoutSent(payout_id=payout_id, seller_id=seller_id, amount=amount):
                self.currency = amount.currency
                self.payouts.append(Payout(payout_id, seller_id, amount))
            case PayoutBatch.Closed(currency=currency):
                self.currency = currency
                self.closed = True
            case _:
                raise TypeError(f"PayoutBatch cannot apply {type(event).__name__}")
