"""PayoutBatch and AdvertiserBudget, with no infrastructure at all."""

from __future__ import annotations

import pytest

from mercato_kit.errors import FailedPrecondition
from mercato_payments.domain import (
    AdvertiserBudget,
    ChargeOutcome,
    DeclineReason,
    Money,
    PayoutBatch,
    Tariff,
)

TARIFF = Tariff({"standard": 500, "flagship": 300}, processing_fee_bps=60)


def test_a_payout_batch_pays_each_due_seller_then_closes_with_the_total() -> None:
    batch = PayoutBatch.run(
        "batch-1", "CNY", [("seller-1", Money(9_500, "CNY")), ("seller-2", Money(1, "CNY"))]
    )

    events = batch.pending_events()
    assert [(e.seller_id, e.amount) for e in events if isinstance(e, PayoutBatch.PayoutSent)] == [
        ("seller-1", Money(9_500, "CNY")),
        ("seller-2", Money(1, "CNY")),
    ]
    assert events[-1] == PayoutBatch.Closed("batch-1", "CNY", 2, Money(9_501, "CNY"))
    assert batch.total == Money(9_501, "CNY")


def test_an_empty_payout_batch_still_closes() -> None:
    batch = PayoutBatch.run("batch-1", "EUR", [])

    assert batch.pending_events() == [PayoutBatch.Closed("batch-1", "EUR", 0, Money(0, "EUR"))]


def test_a_payout_batch_refuses_a_seller_twice_or_a_foreign_or_empty_balance() -> None:
    twice = [("seller-1", Money(1, "CNY")), ("seller-1", Money(2, "CNY"))]
    with pytest.raises(ValueError, match="twice"):
        PayoutBatch.run("batch-1", "CNY", twice)
    with pytest.raises(ValueError, match="cannot pay out"):
        PayoutBatch.run("batch-1", "CNY", [("seller-1", Money(1, "USD"))])
    with pytest.raises(ValueError, match="cannot pay out"):
        PayoutBatch.run("batch-1", "CNY", [("seller-1", Money(0, "CNY"))])


def test_a_deposit_credits_the_budget_once_and_charges_the_processing_fee() -> None:
    budget = AdvertiserBudget("advertiser-1")

    budget.record_deposit("deposit-1", Money(50_000, "CNY"), ChargeOutcome.approved("ch_1"), TARIFF)
    budget.record_deposit("deposit-1", Money(50_000, "CNY"), ChargeOutcome.approved("ch_1"), TARIFF)

    assert budget.pending_events() == [
        AdvertiserBudget.Deposited(
            "advertiser-1", "deposit-1", Money(50_000, "CNY"), "ch_1", Money(50_000, "CNY")
        ),
        AdvertiserBudget.ProcessingFeeCharged(
            advertiser_id="advertiser-1",
            deposit_id="deposit-1",
            charge_id="ch_1",
            gross=Money(50_000, "CNY"),
            fee=Money(300, "CNY"),
            net_settled=Money(49_700, "CNY"),
            fee_rate_bps=60,
        ),
    ]


def test_deposits_are_totalled_per_currency() -> None:
    budget = AdvertiserBudget("advertiser-1")
    for deposit_id, amount in [("d1", Money(100, "CNY")), ("d2", Money(7, "USD"))]:
        budget.record_deposit(deposit_id, amount, ChargeOutcome.approved(deposit_id), TARIFF)

    budget.record_deposit("d3", Money(250, "CNY"), ChargeOutcome.approved("d3"), TARIFF)

    assert budget.totals == {"CNY": Money(350, "CNY"), "USD": Money(7, "USD")}


def test_a_declined_deposit_records_nothing() -> None:
    budget = AdvertiserBudget("advertiser-1")
    declined = ChargeOutcome.declined(DeclineReason.CARD_DECLINED)

    surplus = budget.record_deposit("deposit-1", Money(100, "CNY"), declined, TARIFF)

    assert (surplus, budget.pending_events(), budget.needs_charge("deposit-1")) == (
        False,
        [],
        True,
    )


def test_a_second_approved_charge_for_a_credited_deposit_is_surplus() -> None:
    budget = AdvertiserBudget("advertiser-1")
    budget.record_deposit("deposit-1", Money(100, "CNY"), ChargeOutcome.approved("ch_1"), TARIFF)

    surplus = budget.record_deposit(
        "deposit-1", Money(100, "CNY"), ChargeOutcome.approved("ch_2"), TARIFF
    )

    assert surplus
    assert len(budget.deposits) == 1


def test_a_known_deposit_id_with_another_amount_is_refused() -> None:
    budget = AdvertiserBudget("advertiser-1")
    budget.record_deposit("deposit-1", Money(100, "CNY"), ChargeOutcome.approved("ch_1"), TARIFF)

    with pytest.raises(FailedPrecondition, match="deposit-1"):
        budget.check_deposit("deposit-1", Money(200, "CNY"))


def test_a_tariff_needs_a_rate_for_every_tier_within_0_to_10000() -> None:
    with pytest.raises(ValueError, match="tiers"):
        Tariff({"standard": 500})
    with pytest.raises(ValueError, match="tiers"):
        Tariff({"standard": 500, "flagship": 300, "gold": 100})
    with pytest.raises(ValueError, match="basis points"):
        Tariff({"standard": 500, "flagship": 10_001})
