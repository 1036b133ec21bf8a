"""The demo's scenario is decided by its seed alone: who orders what, with which card, where to,
and what happens to each order."""

from __future__ import annotations

from collections import Counter

import pytest

from mercato_cli.demo.scenario import (
    APPROVED_CARD,
    DECLINED_CARD,
    LOSSY_REGION,
    Shares,
    plan_orders,
    yuan,
)
from mercato_cli.demo.seed import catalogue_for

SKUS = [5, 3, 4]


def test_the_same_seed_plans_the_same_orders() -> None:
    first = plan_orders(11, 30, buyers=6, skus_per_shop=SKUS, shares=Shares())
    again = plan_orders(11, 30, buyers=6, skus_per_shop=SKUS, shares=Shares())
    other = plan_orders(12, 30, buyers=6, skus_per_shop=SKUS, shares=Shares())

    assert first == again
    assert first != other


def test_the_same_seed_lists_the_same_catalogue() -> None:
    assert catalogue_for(5, 4, 3) == catalogue_for(5, 4, 3)
    assert [plan.tier for plan in catalogue_for(5, 4, 3)] == [
        "standard",
        "flagship",
        "standard",
        "flagship",
    ]


def test_each_fate_gets_its_share_of_the_orders_rounded_half_up() -> None:
    assert Shares().counts(8) == {"decline": 1, "lose": 1, "refund": 1, "auto": 1, "confirm": 4}
    assert Shares().counts(40) == {"decline": 4, "lose": 4, "refund": 4, "auto": 4, "confirm": 24}
    assert Shares().counts(4) == {"decline": 0, "lose": 0, "refund": 0, "auto": 0, "confirm": 4}
    assert Shares(0.25, 0, 0.5, 0).counts(10) == {
        "decline": 3,
        "lose": 0,
        "refund": 5,
        "auto": 0,
        "confirm": 2,
    }

    planned = plan_orders(3, 40, buyers=5, skus_per_shop=SKUS, shares=Shares())

    assert Counter(order.fate for order in planned) == Shares().counts(40)


def test_shares_that_ask_for_more_orders_than_there_are_are_refused() -> None:
    with pytest.raises(ValueError, match="special orders"):
        Shares(0.5, 0.5, 0.5, 0).counts(10)
    with pytest.raises(ValueError, match="between 0 and 1"):
        Shares(decline=1.5).counts(10)


def test_declined_orders_pay_with_the_declining_card_and_lost_ones_go_to_the_lossy_carrier() -> (
    None
):
    planned = plan_orders(9, 60, buyers=8, skus_per_shop=SKUS, shares=Shares())

    for order in planned:
        assert order.card == (DECLINED_CARD if order.fate == "decline" else APPROVED_CARD)
        assert (order.region == LOSSY_REGION) == (order.fate == "lose")
        assert 0 <= order.buyer < 8
        assert 0 <= order.shop < len(SKUS)
        assert [line.sku_index for line in order.lines] == sorted(
            {line.sku_index for line in order.lines}
        )
        assert all(line.sku_index < SKUS[order.shop] for line in order.lines)


def test_amounts_are_printed_from_minor_units_without_a_float() -> None:
    assert yuan(0) == "0.00"
    assert yuan(5) == "0.05"
    assert yuan(123456789) == "1,234,567.89"
    assert yuan(-1050) == "-10.50"
