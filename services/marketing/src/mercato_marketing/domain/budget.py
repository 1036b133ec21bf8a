"""An advertiser's spendable budget: marketing is its one owner.

Payments charges the advertiser's card and publishes BudgetDeposited; marketing credits each
deposit once and debits every charge in the transaction that records it. The counters
(deposited, spent, held per currency) live in the budget book, whose charges are conditional
updates that never let `available` go below zero, whatever the concurrency. The Budget
aggregate records the rare facts worth publishing: a deposit credited, the budget exhausted
(serving stops), replenished (serving resumes).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.money import Money


class ChargeRefusal(enum.Enum):
    """Why the budget book would not take a charge."""

    BUDGET_EXHAUSTED = "budget_exhausted"
    CAMPAIGN_EXHAUSTED = "campaign_exhausted"
    DAILY_CAP_REACHED = "daily_cap_reached"


@dataclass(frozen=True)
class Balance:
    """One currency of an advertiser's budget."""

    deposited: Money
    spent: Money
    held: Money

    @property
    def available(self) -> Money:
        return self.deposited - self.spent - self.held


class Budget(Aggregate):
    """An advertiser's budget facts (id: the advertiser's account id)."""

    aggregate_type = "marketing.budget"

    @dataclass(frozen=True)
    class Credited(DomainEvent):
        deposit_event_id: str
        amount: Money
        available: Money

    @dataclass(frozen=True)
    class Exhausted(DomainEvent):
        available: Money

    @dataclass(frozen=True)
    class Replenished(DomainEvent):
        available: Money

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.exhausted: set[str] = set()

    def credit(self, deposit_event_id: str, amount: Money, available: Money) -> None:
        """A deposit became spendable; `available` is the balance after it."""
        self._trigger(
            Budget.Credited(deposit_event_id=deposit_event_id, amount=amount, available=available)
        )
        if amount.currency in self.exhausted and not available.is_zero:
            self._trigger(Budget.Replenished(available=available))

    def note_available(self, available: Money, cheapest_charge: Money | None) -> None:
        """After a charge: exhausted when what is left cannot pay the cheapest charge of any
        live campaign (or nothing is left)."""
        if available.currency in self.exhausted:
            return
        if available.is_zero or (
            cheapest_charge is not None and cheapest_charge.exceeds(available)
        ):
            self._trigger(Budget.Exhausted(available=available))

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case Budget.Credited():
                pass
            case Budget.Exhausted(available=available):
                self.exhausted.add(available.currency)
            case Budget.Replenished(available=available):
                self.exhausted.discard(available.currency)
            case _:
                raise TypeError(f"Budget cannot apply {type(event).__name__}")
