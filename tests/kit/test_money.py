"""The kit's Money: keyword-only, one currency at a time, and splits that never lose a fen."""

from __future__ import annotations

import pytest

from mercato.common.v1 import money_pb2
from mercato_kit.errors import InvalidArgument, quoted
from mercato_kit.money import CurrencyMismatch, Money, requested_amount
from mercato_kit.protobuf import money_message, money_of, requested_money


def cny(minor_units: int) -> Money:
    return Money(minor_units=minor_units, currency="CNY")


def test_money_cannot_be_built_positionally() -> None:
    with pytest.raises(TypeError):
        Money(100, "CNY")  # type: ignore[misc]


def test_a_split_rounds_the_share_down_and_the_rest_keeps_the_remainder() -> None:
    split = cny(999).split(500)
    assert split.share == cny(49)
    assert split.rest == cny(950)
    assert split.share + split.rest == cny(999)


@pytest.mark.parametrize("minor_units", [0, 1, 7, 10_000, 123_456_789])
@pytest.mark.parametrize("rate", [0, 1, 333, 5_000, 9_999, 10_000])
def test_the_parts_of_a_split_always_add_up_to_the_whole(minor_units: int, rate: int) -> None:
    split = cny(minor_units).split(rate)
    assert split.share.minor_units + split.rest.minor_units == minor_units
    assert 0 <= split.share.minor_units <= minor_units


def test_amounts_of_two_currencies_do_not_mix() -> None:
    with pytest.raises(CurrencyMismatch):
        cny(1) + Money(minor_units=1, currency="USD")


def test_a_total_adds_amounts_of_one_currency() -> None:
    assert Money.total([cny(1), cny(2), cny(3)]) == cny(6)
    assert cny(2).times(3) == cny(6)


def test_a_requested_amount_names_the_field_and_quotes_only_a_prefix_of_a_bad_currency() -> None:
    with pytest.raises(InvalidArgument) as refused:
        requested_amount(minor_units=100, currency="X" * 1_000_000, field="price")
    assert refused.value.field == "price.currency"
    assert len(refused.value.message) < 200
    with pytest.raises(InvalidArgument) as refused:
        requested_amount(minor_units=0, currency="CNY", field="price")
    assert refused.value.field == "price.minor_units"
    assert requested_amount(minor_units=0, currency="CNY", field="bound", minimum=0) == cny(0)


def test_quoted_keeps_short_values_whole() -> None:
    assert quoted("CNX") == "'CNX'"
    assert quoted("y" * 100).endswith("(100 characters)")


def test_money_round_trips_through_its_message() -> None:
    assert money_of(money_message(cny(1999))) == cny(1999)
    message = money_pb2.Money(currency="EUR", minor_units=5)
    assert requested_money(message, field="amount") == Money(minor_units=5, currency="EUR")
