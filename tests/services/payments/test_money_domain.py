"""Money and the one split rule payments cuts commission and fees by (mercato_kit.money):
integer minor units, parts that always sum to the whole."""

from __future__ import annotations

import random

import pytest

from mercato_kit.errors import InvalidArgument
from mercato_kit.money import MAX_MINOR_UNITS, CurrencyMismatch, Money, requested_amount


def _cases(count: int, seed: int = 20261122) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    edges = [(0, 0), (1, 1), (1, 9_999), (MAX_MINOR_UNITS, 10_000), (MAX_MINOR_UNITS, 1)]
    drawn = [
        (rng.choice([rng.randint(0, 100), rng.randint(0, MAX_MINOR_UNITS)]), rng.randint(0, 10_000))
        for _ in range(count)
    ]
    return edges + drawn


def test_a_split_always_sums_to_the_whole_and_the_share_rounds_down() -> None:
    for minor_units, rate in _cases(20_000):
        whole = Money(minor_units=minor_units, currency="CNY")

        split = whole.split(rate)

        assert split.share + split.rest == whole
        assert 0 <= split.share.minor_units <= minor_units
        exact_times_10000 = minor_units * rate
        assert split.share.minor_units * 10_000 <= exact_times_10000
        assert exact_times_10000 < (split.share.minor_units + 1) * 10_000
        assert split.share.currency == split.rest.currency == "CNY"


def test_every_small_amount_splits_exactly_at_every_rate_step() -> None:
    for minor_units in range(0, 301):
        for rate in range(0, 10_001, 37):
            split = Money(minor_units=minor_units, currency="USD").split(rate)
            assert split.share.minor_units + split.rest.minor_units == minor_units


def test_the_remainder_fen_of_a_commission_goes_to_the_rest() -> None:
    split = Money(minor_units=10_019, currency="CNY").split(500)  # 5% of 100.19 is 5.0095

    assert (split.share, split.rest) == (
        Money(minor_units=500, currency="CNY"),
        Money(minor_units=9_519, currency="CNY"),
    )


def test_a_zero_rate_takes_nothing_and_a_full_rate_takes_everything() -> None:
    whole = Money(minor_units=12_345, currency="EUR")

    assert whole.split(0).share == Money(minor_units=0, currency="EUR")
    assert whole.split(10_000).rest == Money(minor_units=0, currency="EUR")


@pytest.mark.parametrize(("minor_units", "rate"), [(100, -1), (100, 10_001), (-1, 100)])
def test_a_split_refuses_rates_outside_0_to_10000_and_negative_amounts(
    minor_units: int, rate: int
) -> None:
    with pytest.raises(ValueError, match=r"rate|negative"):
        Money(minor_units=minor_units, currency="CNY").split(rate)


def test_money_of_two_currencies_does_not_mix() -> None:
    with pytest.raises(CurrencyMismatch):
        _ = Money(minor_units=1, currency="CNY") + Money(minor_units=1, currency="USD")
    with pytest.raises(CurrencyMismatch):
        Money(minor_units=1, currency="CNY").exceeds(Money(minor_units=1, currency="EUR"))


@pytest.mark.parametrize(
    ("minor_units", "currency", "field"),
    [
        (100, "GBP", "amount.currency"),
        (100, "cny", "amount.currency"),
        (0, "CNY", "amount.minor_units"),
        (-5, "CNY", "amount.minor_units"),
        (MAX_MINOR_UNITS + 1, "CNY", "amount.minor_units"),
    ],
)
def test_a_requested_amount_outside_the_rules_is_refused_naming_the_field(
    minor_units: int, currency: str, field: str
) -> None:
    with pytest.raises(InvalidArgument) as refused:
        requested_amount(minor_units=minor_units, currency=currency, field="amount")

    assert refused.value.field == field
