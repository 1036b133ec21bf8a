"""PayoutBatch and AdvertiserBudget, with no infrastructure at all."""

from __future__ import annotations

import pytest

from mercato_kit.errors import FailedPrecondition
from mercato_kit.money import Money
from mercato_payments.domain import (
    AdvertiserBudget,
    ChargeOutcome,
    DeclineReason,
    PayoutBatch,
    Tariff,
)

TARIFF = Tariff({"standard": 500, "flagship": 300}, processing_fee_bps=60)


def test_a_payout_batch_pays_each_due_seller_then_closes_with_the_total() -> None:
    batch = PayoutBatch.run(
        "batch-1",
        "CNY",
        [
            ("seller-1", Money(minor_units=9_500, currency="CNY")),
            ("seller-2", Money(minor_units=1, currency="CNY")),
        ],
    )

    events = batch.pending_events()
    assert [(e.seller_id, e.amount) for e in events if isinstance(e, PayoutBatch.PayoutSent)] == [
        ("seller-1", Money(minor_units=9_500, currency="CNY")),
        ("seller-2", Money(minor_units=1, currency="CNY")),
    ]
    assert events[-1] == PayoutBatch.Closed(
        "batch-1", "CNY", 2, Money(minor_units=9_501, currency="CNY")
    )
    assert batch.total == Money(minor_units=9_501, currency="CNY")


def test_an_empty_payout_batch_still_closes() -> None:
    batch = PayoutBatch.run("batch-1", "EUR", [])

    assert batch.pending_events() == [
        PayoutBatch.Closed("batch-1", "EUR", 0, Money(minor_units=0, currency="EUR"))
    ]


def test_a_payout_batch_refuses_a_seller_twice_or_a_foreign_or_empty_balance() -> None:
    twice = [
        ("seller-1", Money(minor_units=1, currency="CNY")),
        ("seller-1", Money(minor_units=2, currency="CNY")),
    ]
    with pytest.raises(ValueError, match="twice"):
        PayoutBatch.run("batch-1", "CNY", twice)
    with pytest.raises(ValueError, match="cannot pay out"):
        PayoutBatch.run("batch-1", "CNY", [("seller-1", Money(minor_units=1, currency="USD"))])
    with pytest.raises(ValueError, match="cannot pay out"):
        PayoutBatch.run("batch-1", "CNY", [("seller-1", Money(minor_units=0, currency="CNY"))])


def test_a_deposit_credits_the_budget_once_and_charges_the_processing_fee() -> None:
    budget = AdvertiserBudget("advertiser-1")

    budget.record_deposit(
        "deposit-1",
        Money(minor_units=50_000, currency="CNY"),
        ChargeOutcome.approved("ch_1"),
        TARIFF,
    )
    budget.record_deposit(
        "deposit-1",
        Money(minor_units=50_000, currency="CNY"),
        ChargeOutcome.approved("ch_1"),
        TARIFF,
    )

    assert budget.pending_events() == [
        AdvertiserBudget.Deposited(
            "advertiser-1",
            "deposit-1",
            Money(minor_units=50_000, currency="CNY"),
            "ch_1",
            Money(minor_units=50_000, currency="CNY"),
        ),
        AdvertiserBudget.ProcessingFeeCharged(
            advertiser_id="advertiser-1",
            deposit_id="deposit-1",
            charge_id="ch_1",
            gross=Money(minor_units=50_000, currency="CNY"),
            fee=Money(minor_units=300, currency="CNY"),
            net_settled=Money(minor_units=49_700, currency="CNY"),
            fee_rate_bps=60,
        ),
    ]


def test_deposits_are_totalled_per_currency() -> None:
    budget = AdvertiserBudget("advertiser-1")
    for deposit_id, amount in [
        ("d1", Money(minor_units=100, currency="CNY")),
        ("d2", Money(minor_units=7, currency="USD")),
    ]:
        budget.record_deposit(deposit_id, amount, ChargeOutcome.approved(deposit_id), TARIFF)

    budget.record_deposit(
        "d3", Money(minor_units=250, currency="CNY"), ChargeOutcome.approved("d3"), TARIFF
    )

    assert budget.totals == {
        "CNY": Money(minor_units=350, currency="CNY"),
        "USD": Money(minor_units=7, currency="USD"),
    }


def test_a_declined_deposit_records_nothing() -> None:
    budget = AdvertiserBudget("advertiser-1")
    declined = ChargeOutcome.declined(DeclineReason.CARD_DECLINED)

    surplus = budget.record_deposit(
        "deposit-1", Money(minor_units=100, currency="CNY"), declined, TARIFF
    )

    assert (surplus, budget.pending_events(), budget.needs_charge("deposit-1")) == (
        False,
        [],
        True,
    )


def test_a_second_approved_charge_for_a_credited_deposit_is_surplus() -> None:
    budget = AdvertiserBudget("advertiser-1")
    budget.record_deposit(
        "deposit-1", Money(minor_units=100, currency="CNY"), ChargeOutcome.approved("ch_1"), TARIFF
    )

    surplus = budget.record_deposit(
        "deposit-1", Money(minor_units=100, currency="CNY"), ChargeOutcome.approved("ch_2"), TARIFF
    )

    assert surplus
    assert len(budget.deposits) == 1


def test_a_known_deposit_id_with_another_amount_is_refused() -> None:
    budget = AdvertiserBudget("advertiser-1")
    budget.record_deposit(
        "deposit-1", Money(minor_units=100, currency="CNY"), ChargeOutcome.approved("ch_1"), TARIFF
    )

    with pytest.raises(FailedPrecondition, match="deposit-1"):
        budget.check_deposit("deposit-1", Money(minor_units=200, currency="CNY"))


def test_a_tariff_needs_a_rate_for_every_tier_within_0_to_10000() -> None:
    with pytest.raises(ValueError, match="tiers"):
        Tariff({"standard": 500})
    with pytest.raises(ValueError, match="tiers"):
        Tariff({"standard": 500, "flagship": 300, "gold": 100})
    with pytest.raises(ValueError, match="basis points"):
        Tariff({"standard": 500, "flagship": 10_001})
