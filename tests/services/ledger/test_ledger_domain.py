"""The posting rules and the hash chain, without I/O: exact amounts, by hand."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from mercato_kit.money import Money
from mercato_ledger.domain import (
    GENESIS,
    BudgetDeposited,
    EscrowReleased,
    InvalidMoneyFact,
    JournalEntry,
    Line,
    MoneyFact,
    PaymentCaptured,
    PayoutSent,
    Posting,
    ProcessingFeeCharged,
    RefundIssued,
    Source,
    UnbalancedEntry,
    first_broken_link,
    lines_for,
)

ORDER, SELLER, ADVERTISER = "order-1", "seller-1", "adv-1"
ESCROW = f"liability:escrow:{ORDER}"
PAYABLE = f"liability:seller_payable:{SELLER}"
CLEARING = "asset:payment_clearing"


def cny(minor_units: int) -> Money:
    return Money(minor_units=minor_units, currency="CNY")


def test_a_capture_debits_clearing_and_credits_the_orders_escrow() -> None:
    assert lines_for(PaymentCaptured(ORDER, cny(10019))) == (
        Line(CLEARING, "CNY", 10019),
        Line(ESCROW, "CNY", -10019),
    )


def test_a_processing_fee_is_an_expense_paid_from_clearing() -> None:
    assert lines_for(ProcessingFeeCharged(cny(60))) == (
        Line("expense:payment_processing", "CNY", 60),
        Line(CLEARING, "CNY", -60),
    )


def test_a_refund_takes_money_out_of_escrow_back_through_clearing() -> None:
    assert lines_for(RefundIssued(ORDER, cny(5000))) == (
        Line(ESCROW, "CNY", 5000),
        Line(CLEARING, "CNY", -5000),
    )


def test_a_release_splits_escrow_into_seller_payable_and_commission() -> None:
    assert lines_for(EscrowReleased(ORDER, SELLER, cny(10019), cny(500), cny(9519))) == (
        Line(ESCROW, "CNY", 10019),
        Line(PAYABLE, "CNY", -9519),
        Line("revenue:sale_commission", "CNY", -500),
    )


def test_a_payout_settles_the_sellers_payable_from_clearing() -> None:
    assert lines_for(PayoutSent(SELLER, cny(23769))) == (
        Line(PAYABLE, "CNY", 23769),
        Line(CLEARING, "CNY", -23769),
    )


def test_a_budget_deposit_is_owed_to_the_advertiser() -> None:
    assert lines_for(BudgetDeposited(ADVERTISER, cny(50000))) == (
        Line(CLEARING, "CNY", 50000),
        Line(f"liability:advertiser_budget:{ADVERTISER}", "CNY", -50000),
    )


def test_a_zero_fee_posts_nothing_and_a_zero_commission_posts_no_line() -> None:
    assert lines_for(ProcessingFeeCharged(cny(0))) == ()
    assert lines_for(EscrowReleased(ORDER, SELLER, cny(99), cny(0), cny(99))) == (
        Line(ESCROW, "CNY", 99),
        Line(PAYABLE, "CNY", -99),
    )


def test_a_release_that_does_not_add_up_is_refused() -> None:
    with pytest.raises(InvalidMoneyFact, match="does not add up"):
        lines_for(EscrowReleased(ORDER, SELLER, cny(10019), cny(500), cny(9520)))


def test_a_release_that_mixes_currencies_is_refused_even_with_a_zero_part() -> None:
    no_commission = Money(minor_units=0, currency="USD")

    with pytest.raises(InvalidMoneyFact, match="mixes currencies"):
        lines_for(EscrowReleased(ORDER, SELLER, cny(99), no_commission, cny(99)))


def test_a_negative_amount_is_refused() -> None:
    with pytest.raises(InvalidMoneyFact, match="negative"):
        lines_for(PaymentCaptured(ORDER, cny(-1)))


def test_the_hand_computed_scenario_leaves_the_expected_balances() -> None:
    facts: list[MoneyFact] = [
        PaymentCaptured("A", cny(10019)),
        ProcessingFeeCharged(cny(60)),
        PaymentCaptured("B", cny(20000)),
        ProcessingFeeCharged(cny(120)),
        PaymentCaptured("C", cny(3000)),
        ProcessingFeeCharged(cny(18)),
        RefundIssued("B", cny(5000)),
        RefundIssued("C", cny(3000)),
        EscrowReleased("A", SELLER, cny(10019), cny(500), cny(9519)),
        EscrowReleased("B", SELLER, cny(15000), cny(750), cny(14250)),
        PayoutSent(SELLER, cny(23769)),
        BudgetDeposited(ADVERTISER, cny(50000)),
        ProcessingFeeCharged(cny(300)),
    ]
    balances: Counter[str] = Counter()
    for fact in facts:
        for line in lines_for(fact):
            balances[line.account] += line.amount
    assert balances == {
        CLEARING: 50752,
        "expense:payment_processing": 498,
        "revenue:sale_commission": -1250,
        PAYABLE: 0,
        "liability:escrow:A": 0,
        "liability:escrow:B": 0,
        "liability:escrow:C": 0,
        f"liability:advertiser_budget:{ADVERTISER}": -50000,
    }
    assert sum(balances.values()) == 0


def _source(n: int) -> Source:
    return Source(f"event-{n}", "t", "topic", 0, n, datetime(2026, 11, 1, tzinfo=UTC))


def _chain(count: int) -> list[JournalEntry]:
    chained: list[JournalEntry] = []
    previous = GENESIS
    for n in range(1, count + 1):
        posting = Posting(_source(n), lines_for(PaymentCaptured(f"o{n}", cny(100 * n))))
        chained.append(JournalEntry.chain(posting, n, previous))
        previous = chained[-1].hash
    return chained


def test_an_entry_that_does_not_balance_cannot_be_made() -> None:
    with pytest.raises(UnbalancedEntry, match="CNY \\+1"):
        Posting(_source(1), (Line(CLEARING, "CNY", 1),))


def test_an_intact_chain_has_no_broken_link() -> None:
    assert first_broken_link(_chain(5)) is None


def test_an_altered_amount_breaks_the_chain_at_that_entry() -> None:
    chained = _chain(5)
    altered = chained[2]
    chained[2] = replace(altered, lines=(Line(CLEARING, "CNY", 1), Line("x:y", "CNY", -1)))
    broken = first_broken_link(chained)
    assert broken is not None
    assert (broken.sequence, broken.event_id) == (3, "event-3")
    assert "hash" in broken.reason


def test_a_removed_entry_breaks_the_chain_where_it_was() -> None:
    chained = _chain(5)
    del chained[1]
    broken = first_broken_link(chained)
    assert broken is not None
    assert broken.sequence == 3


def test_an_entry_balances_in_each_currency_on_its_own() -> None:
    lines = (
        Line(CLEARING, "CNY", 100),
        Line(ESCROW, "CNY", -100),
        Line(CLEARING, "USD", 7),
        Line(ESCROW, "CNY", -7),
    )
    with pytest.raises(UnbalancedEntry, match="CNY -7, USD \\+7"):
        Posting(_source(1), lines)
