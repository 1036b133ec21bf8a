"""The AdvertiserBudget aggregate: an advertiser's prepaid deposits for marketing.

Payments records what was deposited; spending it is marketing's business (it consumes
BudgetDeposited). Its id is the advertiser's account id.
"""

from __future__ import annotations

from dataclasses import dataclass

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import FailedPrecondition
from mercato_kit.money import Money
from mercato_payments.domain.charges import ChargeOutcome
from mercato_payments.domain.tariff import Tariff


@dataclass(frozen=True)
class Deposit:
    deposit_id: str
    amount: Money
    charge_id: str


class AdvertiserBudget(Aggregate):
    """The deposits of one advertiser, each charged once, totalled per currency."""

    aggregate_type = "payments.budget"

    @dataclass(frozen=True)
    class Deposited(DomainEvent):
        advertiser_id: str
        deposit_id: str
        amount: Money
        charge_id: str
        total_deposited: Money

    @dataclass(frozen=True)
    class ProcessingFeeCharged(DomainEvent):
        advertiser_id: str
        deposit_id: str
        charge_id: str
        gross: Money
        fee: Money
        net_settled: Money
        fee_rate_bps: int

    def __init__(self, advertiser_id: str) -> None:
        super().__init__(advertiser_id)
        self.deposits: dict[str, Deposit] = {}
        self.totals: dict[str, Money] = {}

    def check_deposit(self, deposit_id: str, amount: Money) -> None:
        """Refuse a known deposit id with another amount."""
        known = self.deposits.get(deposit_id)
        if known is not None and known.amount != amount:
            raise FailedPrecondition(f"deposit {deposit_id} was for {known.amount}, not {amount}")

    def needs_charge(self, deposit_id: str) -> bool:
        return deposit_id not in self.deposits

    def record_deposit(
        self, deposit_id: str, amount: Money, outcome: ChargeOutcome, tariff: Tariff
    ) -> bool:
        """Credit an approved deposit once; True when it is an approved charge this budget
        does not need (the deposit was credited by another charge), which the caller voids."""
        self.check_deposit(deposit_id, amount)
        known = self.deposits.get(deposit_id)
        if known is not None:
            return outcome.is_approved and outcome.charge_id != known.charge_id
        if not outcome.is_approved:
            return False
        total = self.totals.get(amount.currency, Money.zero(amount.currency)) + amount
        self._trigger(
            AdvertiserBudget.Deposited(self.id, deposit_id, amount, outcome.charge_id, total)
        )
        fee = amount.split(tariff.processing_fee_bps)
        if not fee.share.is_zero:
            self._trigger(
                AdvertiserBudget.ProcessingFeeCharged(
                    advertiser_id=self.id,
                    deposit_id=deposit_id,
                    charge_id=outcome.charge_id,
                    gross=amount,
                    fee=fee.share,
                    net_settled=fee.rest,
                    fee_rate_bps=tariff.processing_fee_bps,
                )
            )
        return False

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case AdvertiserBudget.Deposited():
                self.deposits[event.deposit_id] = Deposit(
                    event.deposit_id, event.amount, event.charge_id
                )
                self.totals[event.amount.currency] = event.total_deposited
            case AdvertiserBudget.ProcessingFeeCharged():
                pass
            case _:
                raise TypeError(f"AdvertiserBudget cannot apply {type(event).__name__}")
