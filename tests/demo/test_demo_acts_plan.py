"""The demo's marketing and platform acts are decided by the seed and the scenario's plan alone:
who advertises with which campaigns, which orders arrive through a click, what the visitors
click, and which seller grants the partner app."""

from __future__ import annotations

from collections import Counter

import pytest

from mercato_cli.demo.marketing import MarketingPlan, plan_marketing
from mercato_cli.demo.partners import PUBLISHER_TYPES, granted_shop, publisher_expected
from mercato_cli.demo.scenario import PlannedOrder, Shares, plan_orders

PRODUCTS = [3, 3, 2, 3]


def _orders(seed: int, count: int) -> list[PlannedOrder]:
    return plan_orders(seed, count, buyers=5, skus_per_shop=[5, 4, 3, 5], shares=Shares())


def _plan(seed: int = 3, orders: int = 40, clicks: int = 20, share: float = 0.3) -> MarketingPlan:
    return plan_marketing(
        seed, _orders(seed, orders), PRODUCTS, clicks=clicks, attributed_share=share
    )


def test_the_same_seed_plans_the_same_marketing() -> None:
    assert _plan(3) == _plan(3)
    assert _plan(3) != _plan(4)


def test_each_advertiser_runs_a_cost_per_click_and_a_cost_per_sale_campaign() -> None:
    plan = _plan()

    assert len(plan.advertisers) == (len(PRODUCTS) + 1) // 2
    for shop in plan.advertisers:
        mine = [c for c in plan.campaigns if c.shop == shop]
        assert sorted(c.pricing for c in mine) == ["cpc", "cps"]
        assert all(0 <= c.product < PRODUCTS[shop] for c in mine)
    assert all(c.bid_fen > 0 for c in plan.campaigns if c.pricing == "cpc")
    assert all(0 < c.commission_bps <= 10_000 for c in plan.campaigns if c.pricing == "cps")
    assert plan.campaigns[plan.flood_campaign].pricing == "cpc"


def test_a_share_of_the_orders_arrives_through_clicks_one_refunded_one_completed() -> None:
    orders = _orders(3, 40)
    plan = plan_marketing(3, orders, PRODUCTS, clicks=20, attributed_share=0.3)
    by_number = {order.number: order for order in orders}

    assert len(plan.attributed) == 12
    for number, campaign in plan.attributed.items():
        assert plan.campaigns[campaign].shop == by_number[number].shop
    assert plan.refunded is not None
    assert by_number[plan.refunded].fate == "refund"
    assert plan.campaigns[plan.attributed[plan.refunded]].pricing == "cps"
    assert any(
        by_number[number].fate in ("confirm", "auto") and plan.campaigns[c].pricing == "cps"
        for number, c in plan.attributed.items()
    )


def test_without_a_share_no_order_arrives_through_a_click() -> None:
    plan = _plan(share=0)

    assert plan.attributed == {}
    assert plan.refunded is None


def test_visitors_click_first_duplicate_and_replay() -> None:
    plan = _plan()
    kinds = Counter(click.kind for click in plan.clicks)

    assert kinds["first"] >= len(plan.attributed)
    assert kinds["duplicate"] >= 1
    assert kinds["replay"] == 1
    assert plan.accepted == kinds["first"] + 1  # and the flood's first click
    seen: set[tuple[int, int]] = set()
    for click in plan.clicks:
        pair = (click.visitor, click.campaign)
        if click.kind == "first":
            assert pair not in seen
        else:
            assert pair in seen
        if click.kind == "replay":
            assert click.replays is not None
            assert plan.clicks[click.replays].kind == "first"
        seen.add(pair)
    # Each order through a click has a visitor of its own, who clicks once.
    visitors = [c.visitor for c in plan.clicks if c.order is not None]
    assert len(visitors) == len(set(visitors)) == len(plan.attributed)
    assert all(sum(c.visitor == visitor for c in plan.clicks) == 1 for visitor in visitors)


def test_a_share_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        _plan(share=1.5)


def test_the_seller_with_the_most_orders_grants_the_partner_app() -> None:
    orders = _orders(5, 30)
    counts = Counter(order.shop for order in orders)

    shop = granted_shop(orders, 4)

    assert counts[shop] == max(counts.values())
    assert shop == min(s for s in range(4) if counts[s] == counts[shop])


def test_the_publishers_stream_must_bring_an_event_per_click_and_conversion_step() -> None:
    found = {
        "clicks": {
            "accepted": 13,
            "rejected": {"duplicate": 20, "replayed": 1, "flood_fingerprint": 3},
            "invalidated": 0,
        },
        "attributed_orders": [
            {"conversion": ["ConversionAttributed", "CommissionCharged"]},
            {"conversion": ["ConversionAttributed", "ConversionReversed"]},
        ],
    }

    expected = publisher_expected(found)

    assert expected == {
        "mercato.marketing.v1.AdClicked": 13,
        "mercato.marketing.v1.ClickRejected": 23,
        "mercato.marketing.v1.CommissionCharged": 1,
        "mercato.marketing.v1.ConversionAttributed": 2,
        "mercato.marketing.v1.ConversionReversed": 1,
    }
    assert set(expected) <= set(PUBLISHER_TYPES)
