"""Marketing's posting rules, their translation from the published events and the monthly
result's advertising ratio, without I/O: exact amounts, by hand."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from google.protobuf.message import Message

from mercato.marketing.v1 import events_pb2 as marketing
from mercato.marketing.v1 import marketing_pb2
from mercato_kit.events import EventEnvelope
from mercato_kit.money import Money
from mercato_ledger.adapters.translator import fact_from_event, monthly_result
from mercato_ledger.domain import (
    AdClicked,
    ClickInvalidated,
    CommissionCharged,
    ConversionReversed,
    InvalidMoneyFact,
    Line,
    MoneyFact,
    PublisherPaidOut,
    lines_for,
)
from mercato_ledger.domain.projections import MonthlyResult

from ._scenario import cny as cny_message

ADVERTISER, PUBLISHER = "adv-1", "pub-1"
BUDGET = f"liability:advertiser_budget:{ADVERTISER}"
PAYABLE = f"liability:publisher_payable:{PUBLISHER}"
CLEARING = "asset:payment_clearing"


def cny(minor_units: int) -> Money:
    return Money(minor_units=minor_units, currency="CNY")


def test_a_cpc_click_spends_the_budget_as_advertising_and_owes_the_publisher_its_share() -> None:
    assert lines_for(AdClicked(ADVERTISER, PUBLISHER, cny(250), cny(75), cny(175))) == (
        Line(BUDGET, "CNY", 250),
        Line("revenue:advertising", "CNY", -250),
        Line("expense:publisher_share", "CNY", 75),
        Line(PAYABLE, "CNY", -75),
    )


def test_a_click_with_no_publisher_share_posts_no_lines_for_it() -> None:
    assert lines_for(AdClicked(ADVERTISER, PUBLISHER, cny(1), cny(0), cny(1))) == (
        Line(BUDGET, "CNY", 1),
        Line("revenue:advertising", "CNY", -1),
    )


def test_an_invalidated_click_reverses_the_clicks_lines() -> None:
    assert lines_for(ClickInvalidated(ADVERTISER, PUBLISHER, cny(250), cny(75), cny(175))) == (
        Line(BUDGET, "CNY", -250),
        Line("revenue:advertising", "CNY", 250),
        Line("expense:publisher_share", "CNY", -75),
        Line(PAYABLE, "CNY", 75),
    )


def test_a_commission_pays_the_platforms_share_as_affiliate_revenue_and_owes_the_rest() -> None:
    assert lines_for(CommissionCharged(ADVERTISER, PUBLISHER, cny(1000), cny(300), cny(700))) == (
        Line(BUDGET, "CNY", 1000),
        Line("revenue:affiliate", "CNY", -700),
        Line(PAYABLE, "CNY", -300),
    )


def test_a_reversed_conversion_gives_the_commission_back_to_the_budget() -> None:
    assert lines_for(ConversionReversed(ADVERTISER, PUBLISHER, cny(1000), cny(300), cny(700))) == (
        Line(BUDGET, "CNY", -1000),
        Line("revenue:affiliate", "CNY", 700),
        Line(PAYABLE, "CNY", 300),
    )


def test_a_publisher_payout_settles_its_payable_from_clearing() -> None:
    assert lines_for(PublisherPaidOut(PUBLISHER, cny(525))) == (
        Line(PAYABLE, "CNY", 525),
        Line(CLEARING, "CNY", -525),
    )


@pytest.mark.parametrize(
    "fact",
    [
        AdClicked(ADVERTISER, PUBLISHER, cny(250), cny(75), cny(176)),
        ClickInvalidated(ADVERTISER, PUBLISHER, cny(250), cny(76), cny(175)),
        CommissionCharged(ADVERTISER, PUBLISHER, cny(1000), cny(300), cny(701)),
        ConversionReversed(ADVERTISER, PUBLISHER, cny(1000), cny(299), cny(700)),
    ],
)
def test_shares_that_do_not_add_up_to_the_charge_are_refused(fact: MoneyFact) -> None:
    with pytest.raises(InvalidMoneyFact, match="does not add up"):
        lines_for(fact)


def test_a_click_in_two_currencies_or_negative_is_refused() -> None:
    usd = Money(minor_units=75, currency="USD")
    with pytest.raises(InvalidMoneyFact, match="mixes currencies"):
        lines_for(AdClicked(ADVERTISER, PUBLISHER, cny(250), usd, cny(175)))
    with pytest.raises(InvalidMoneyFact, match="negative"):
        lines_for(PublisherPaidOut(PUBLISHER, cny(-1)))


def test_clicks_invalidations_commissions_reversals_and_payouts_net_out() -> None:
    facts: list[MoneyFact] = [
        AdClicked(ADVERTISER, PUBLISHER, cny(250), cny(75), cny(175)),
        AdClicked(ADVERTISER, PUBLISHER, cny(250), cny(75), cny(175)),
        ClickInvalidated(ADVERTISER, PUBLISHER, cny(250), cny(75), cny(175)),
        CommissionCharged(ADVERTISER, PUBLISHER, cny(1000), cny(300), cny(700)),
        PublisherPaidOut(PUBLISHER, cny(375)),
        ConversionReversed(ADVERTISER, PUBLISHER, cny(1000), cny(300), cny(700)),
    ]
    balances: Counter[str] = Counter()
    for fact in facts:
        for line in lines_for(fact):
            balances[line.account] += line.amount
    assert balances == {
        BUDGET: 250,
        "revenue:advertising": -250,
        "expense:publisher_share": 75,
        "revenue:affiliate": 0,
        PAYABLE: 300,  # paid 375, earned 75 in the end: it owes 300 back
        CLEARING: -375,
    }


# --- translation from marketing's events ------------------------------------------------------


def _envelope(payload: Message) -> EventEnvelope:
    return EventEnvelope.new(
        payload,
        aggregate_type="marketing.click",
        aggregate_id="key",
        aggregate_version=1,
        producer="tests",
    )


def _charge(cost: str, amount: int, share: int) -> dict[str, Any]:
    return {
        "advertiser_id": ADVERTISER,
        "publisher_id": PUBLISHER,
        cost: cny_message(amount),
        "publisher_share": cny_message(share),
        "platform_share": cny_message(amount - share),
    }


def test_each_marketing_money_event_becomes_its_fact() -> None:
    expected = [
        (
            marketing.AdClicked(
                pricing=marketing_pb2.PRICING_MODEL_CPC, **_charge("cost", 250, 75)
            ),
            AdClicked(ADVERTISER, PUBLISHER, cny(250), cny(75), cny(175)),
        ),
        (
            marketing.ClickInvalidated(**_charge("cost", 250, 75)),
            ClickInvalidated(ADVERTISER, PUBLISHER, cny(250), cny(75), cny(175)),
        ),
        (
            marketing.CommissionCharged(**_charge("commission", 1000, 300)),
            CommissionCharged(ADVERTISER, PUBLISHER, cny(1000), cny(300), cny(700)),
        ),
        (
            marketing.ConversionReversed(after_payout=True, **_charge("commission", 1000, 300)),
            ConversionReversed(ADVERTISER, PUBLISHER, cny(1000), cny(300), cny(700)),
        ),
        (
            marketing.PublisherPaidOut(publisher_id=PUBLISHER, amount=cny_message(525)),
            PublisherPaidOut(PUBLISHER, cny(525)),
        ),
    ]
    for payload, fact in expected:
        assert fact_from_event(_envelope(payload)) == fact


@pytest.mark.parametrize(
    "payload",
    [
        marketing.AdClicked(pricing=marketing_pb2.PRICING_MODEL_CPS, **_charge("cost", 0, 0)),
        marketing.ConversionReversed(released=cny_message(500), **_charge("commission", 0, 0)),
        marketing.ClickRejected(advertiser_id=ADVERTISER),
        marketing.ConversionAttributed(commission=cny_message(1000)),
        marketing.ConversionLapsed(released=cny_message(1000)),
        marketing.AttributionRejected(reason="expired"),
        marketing.PublisherPayoutBatchClosed(currency="CNY", payouts=2, total=cny_message(9)),
        marketing.BudgetCredited(amount=cny_message(5000)),
        marketing.BudgetExhausted(available=cny_message(0)),
        marketing.BudgetReplenished(available=cny_message(5000)),
        marketing.CampaignLaunched(advertiser_id=ADVERTISER),
        marketing.CampaignExhausted(spent=cny_message(5000)),
        marketing.TrafficFlagged(kind="publisher", key=PUBLISHER),
    ],
    ids=lambda payload: type(payload).__name__,
)
def test_marketing_events_that_move_no_money_post_nothing(payload: Message) -> None:
    assert fact_from_event(_envelope(payload)) is None


# --- the monthly result ------------------------------------------------------------------------


def test_the_advertising_ratio_is_advertising_over_expenditure_in_basis_points() -> None:
    month = MonthlyResult(
        "2026-11",
        "CNY",
        (("advertising", 1000), ("affiliate", 2100), ("sale_commission", 600)),
        (("payment_processing", 1200), ("publisher_share", 300)),
    )
    assert (month.revenue, month.expenditure, month.net, month.advertising) == (
        3700,
        1500,
        2200,
        1000,
    )
    assert month.advertising_to_expenditure_bps == 6666  # 0.6666..., rounded down
    assert not month.advertising_covers_expenditure
    exactly = MonthlyResult("2026-12", "CNY", (("advertising", 300),), (("publisher_share", 300),))
    assert (exactly.advertising_to_expenditure_bps, exactly.advertising_covers_expenditure) == (
        10000,
        True,
    )


def test_a_month_without_expenditure_has_no_ratio_and_nothing_to_cover() -> None:
    month = MonthlyResult("2026-11", "CNY", (("sale_commission", 600),), ())
    assert month.advertising_to_expenditure_bps is None
    assert month.advertising_covers_expenditure
    message = monthly_result(month)
    assert not message.HasField("advertising_to_expenditure_bps")
    assert message.advertising_covers_expenditure
    assert (message.advertising.currency, message.advertising.minor_units) == ("CNY", 0)


def test_the_monthly_result_message_carries_the_breakdown_and_the_ratio() -> None:
    message = monthly_result(
        MonthlyResult(
            "2026-12",
            "CNY",
            (("advertising", 500), ("affiliate", -700)),
            (("publisher_share", 150),),
        )
    )
    assert [(a.key, a.amount.minor_units) for a in message.revenue_by_stream] == [
        ("advertising", 500),
        ("affiliate", -700),
    ]
    assert [(a.key, a.amount.minor_units) for a in message.expenditure_by_category] == [
        ("publisher_share", 150)
    ]
    assert (message.revenue.minor_units, message.expenditure.minor_units) == (-200, 150)
    assert message.net.minor_units == -350
    assert message.advertising.minor_units == 500
    assert message.advertising_to_expenditure_bps == 33333
    assert message.advertising_covers_expenditure
