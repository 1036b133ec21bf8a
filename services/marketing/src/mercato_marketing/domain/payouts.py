"""Publisher payouts: every publisher with a positive payable in one currency, once per batch.

A publisher whose payable is negative (a commission reversed after it was paid) is skipped
until later earnings cover the debt: nothing is lost, nothing is paid twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import FailedPrecondition
from mercato_kit.money import Money


class PublisherPayoutBatch(Aggregate):
    """One payout run (id: the caller's batch id)."""

    aggregate_type = "marketing.payout"

    @dataclass(frozen=True)
    class PaidOut(DomainEvent):
        publisher_id: str
        amount: Money

    @dataclass(frozen=True)
    class Closed(DomainEvent):
        currency: str
        payouts: int
        total: Money

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.closed = False
        self.payouts: list[tuple[str, Money]] = []

    @classmethod
    def run(
        cls, batch_id: str, currency: str, payables: list[tuple[str, Money]], max_payouts: int
    ) -> PublisherPayoutBatch:
        """Pay each positive payable whole, in publisher id order, at most `max_payouts`."""
        batch = cls(batch_id)
        due = sorted(
            (publisher, amount)
            for publisher, amount in payables
            if amount.currency == currency and amount.minor_units > 0
        )[:max_payouts]
        for publisher, amount in due:
            batch._trigger(PublisherPayoutBatch.PaidOut(publisher_id=publisher, amount=amount))
        total = Money.total([amount for _, amount in due]) if due else Money.zero(currency)
        batch._trigger(
            PublisherPayoutBatch.Closed(currency=currency, payouts=len(due), total=total)
        )
        return batch

    def check_currency(self, currency: str) -> None:
        if self.payouts and self.payouts[0][1].currency != currency:
            raise FailedPrecondition("this batch id was used for another currency")

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case PublisherPayoutBatch.PaidOut(publisher_id=publisher, amount=amount):
                self.payouts.append((publisher, amount))
            case PublisherPayoutBatch.Closed():
                self.closed = True
            case _:
                raise TypeError(f"PublisherPayoutBatch cannot apply {type(event).__name__}")
