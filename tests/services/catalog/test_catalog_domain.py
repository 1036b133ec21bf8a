"""The catalog's aggregates, with no infrastructure at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mercato_catalog.domain import (
    MAX_WEIGHT_GRAMS,
    OrderReservedDifferently,
    Product,
    ProductDelisted,
    Requested,
    Reservation,
    ReservationLapsed,
    ReservationStatus,
    Shop,
    ShopClosed,
    ShortageReason,
    SkuSpec,
    StockLevel,
    StockMovement,
    StockWouldGoNegative,
    Tier,
    stock_movements,
)
from mercato_kit.errors import InvalidArgument, NotFound
from mercato_kit.money import Money, requested_amount

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
CNY_10 = Money(minor_units=1000, currency="CNY")


def a_shop() -> Shop:
    return Shop.open("shop-1", "seller-1", "Tea House", "", Tier.FLAGSHIP, NOW)


def a_product(stock: int = 5) -> Product:
    spec = SkuSpec("TEA-1", (("weight", "100g"),), CNY_10, stock)
    return Product.list("p-1", a_shop(), "Green tea", "From Yunnan", (), [("sku-1", spec)], NOW)


def levels(available: int, on_sale: bool = True) -> dict[str, StockLevel]:
    return {"sku-1": StockLevel("sku-1", "p-1", available, on_sale)}


def a_held_reservation(quantity: int = 2) -> Reservation:
    reservation = Reservation.place(
        "r-1", "o-1", [Requested("sku-1", quantity)], levels(5), NOW, timedelta(minutes=15)
    )
    reservation.mark_saved()
    return reservation


def test_a_price_of_zero_or_in_an_unsupported_currency_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidArgument) as zero:
        requested_amount(currency="CNY", minor_units=0, field="skus[0].price")
    with pytest.raises(InvalidArgument) as negative:
        requested_amount(currency="CNY", minor_units=-5, field="price")
    with pytest.raises(InvalidArgument) as currency:
        requested_amount(currency="GBP", minor_units=100, field="price")

    assert zero.value.field == "skus[0].price.minor_units"
    assert negative.value.field == "price.minor_units"
    assert currency.value.field == "price.currency"
    assert "CNY, EUR, USD" in currency.value.message


def test_opening_a_shop_records_its_seller_and_tier() -> None:
    shop = a_shop()

    assert shop.pending_events() == [Shop.Opened("seller-1", "Tea House", "", Tier.FLAGSHIP, NOW)]


def test_a_closed_shop_lists_nothing_new() -> None:
    shop = a_shop()
    shop.close()
    spec = SkuSpec("TEA-1", (), CNY_10, 1)

    with pytest.raises(ShopClosed):
        Product.list("p-1", shop, "Tea", "", (), [("sku-1", spec)], NOW)


def test_a_product_refuses_duplicate_sku_codes_and_mixed_currencies() -> None:
    specs = [SkuSpec("A", (), CNY_10, 1), SkuSpec("A", (), CNY_10, 1)]
    mixed = [
        SkuSpec("A", (), CNY_10, 1),
        SkuSpec("B", (), Money(minor_units=100, currency="USD"), 1),
    ]

    with pytest.raises(InvalidArgument) as duplicate:
        Product.list("p", a_shop(), "Tea", "", (), [("1", specs[0]), ("2", specs[1])], NOW)
    with pytest.raises(InvalidArgument) as currency:
        Product.list("p", a_shop(), "Tea", "", (), [("1", mixed[0]), ("2", mixed[1])], NOW)

    assert duplicate.value.field == "skus[1].code"
    assert currency.value.field == "skus[1].price.currency"


def test_a_sku_is_listed_with_its_weight_and_a_weight_out_of_range_is_refused() -> None:
    heavy = SkuSpec("TEA-1", (), CNY_10, 1, weight_grams=250)
    unknown = SkuSpec("TEA-2", (), CNY_10, 1)
    negative = SkuSpec("B", (), CNY_10, 1, weight_grams=-1)
    too_heavy = SkuSpec("C", (), CNY_10, 1, weight_grams=MAX_WEIGHT_GRAMS + 1)
    a_tonne = SkuSpec("D", (), CNY_10, 1, weight_grams=MAX_WEIGHT_GRAMS)

    product = Product.list("p", a_shop(), "Tea", "", (), [("1", heavy), ("2", unknown)], NOW)
    Product.list("p", a_shop(), "Tea", "", (), [("1", a_tonne)], NOW)
    with pytest.raises(InvalidArgument) as below:
        Product.list("p", a_shop(), "Tea", "", (), [("1", heavy), ("2", negative)], NOW)
    with pytest.raises(InvalidArgument) as above:
        Product.list("p", a_shop(), "Tea", "", (), [("1", too_heavy)], NOW)

    assert [sku.weight_grams for sku in product.skus.values()] == [250, 0]
    [listed] = product.pending_events()
    assert isinstance(listed, Product.Listed)
    assert [sku.weight_grams for sku in listed.skus] == [250, 0]
    assert (below.value.field, above.value.field) == (
        "skus[1].weight_grams",
        "skus[0].weight_grams",
    )


def test_changing_a_price_records_old_and_new_and_keeps_the_currency() -> None:
    product = a_product()
    product.mark_saved()

    product.change_price("sku-1", Money(minor_units=1200, currency="CNY"))
    with pytest.raises(InvalidArgument) as other_currency:
        product.change_price("sku-1", Money(minor_units=1200, currency="USD"))
    with pytest.raises(NotFound):
        product.change_price("sku-9", Money(minor_units=1200, currency="CNY"))

    assert product.pending_events() == [
        Product.PriceChanged("sku-1", CNY_10, Money(minor_units=1200, currency="CNY"))
    ]
    assert other_currency.value.field == "price.currency"


def test_stock_cannot_be_written_off_below_zero_nor_adjusted_by_nothing() -> None:
    product = a_product(stock=3)
    product.mark_saved()

    with pytest.raises(StockWouldGoNegative):
        product.adjust_stock("sku-1", -4)
    with pytest.raises(InvalidArgument):
        product.adjust_stock("sku-1", 0)
    product.adjust_stock("sku-1", -3)

    assert product.pending_events() == [Product.StockAdjusted("sku-1", -3, 0)]
    assert product.skus["sku-1"].available == 0


def test_a_delisted_product_no_longer_changes() -> None:
    product = a_product()
    product.delist()

    with pytest.raises(ProductDelisted):
        product.change_price("sku-1", Money(minor_units=1, currency="CNY"))


def test_a_reservation_holds_every_line_or_none() -> None:
    stock = {
        "a": StockLevel("a", "p-1", 5, True),
        "b": StockLevel("b", "p-2", 1, True),
    }
    asked = [Requested("a", 2), Requested("b", 2)]

    rejected = Reservation.place("r-1", "o-1", asked, stock, NOW, timedelta(minutes=1))
    held = Reservation.place("r-2", "o-2", asked[:1], stock, NOW, timedelta(minutes=1))

    assert rejected.status is ReservationStatus.REJECTED
    assert [(s.sku_id, s.requested, s.available) for s in rejected.shortages] == [("b", 2, 1)]
    assert [m for e in rejected.pending_events() for m in stock_movements(e)] == []
    assert held.status is ReservationStatus.HELD
    assert held.expires_at == NOW + timedelta(minutes=1)
    assert stock_movements(held.pending_events()[0]) == [StockMovement("a", -2, 2)]


def test_a_sku_off_sale_is_a_shortage_and_an_unknown_sku_is_bad_input() -> None:
    off_sale = Reservation.place(
        "r-1", "o-1", [Requested("sku-1", 1)], levels(5, on_sale=False), NOW, timedelta(1)
    )

    with pytest.raises(InvalidArgument) as unknown:
        Reservation.place("r-2", "o-2", [Requested("nope", 1)], levels(5), NOW, timedelta(1))
    with pytest.raises(InvalidArgument) as duplicate:
        Reservation.place("r-3", "o-3", [Requested("sku-1", 1)] * 2, levels(5), NOW, timedelta(1))

    assert off_sale.shortages[0].reason is ShortageReason.NOT_ON_SALE
    assert unknown.value.field == "lines[0].sku_id"
    assert duplicate.value.field == "lines[1].sku_id"


def test_asking_again_for_an_order_must_ask_for_the_same_lines() -> None:
    reservation = a_held_reservation(quantity=2)

    reservation.require_same_lines([Requested("sku-1", 2)])
    with pytest.raises(OrderReservedDifferently):
        reservation.require_same_lines([Requested("sku-1", 3)])


def test_committing_takes_the_reserved_units_and_is_repeatable() -> None:
    reservation = a_held_reservation(quantity=2)

    reservation.commit(NOW + timedelta(minutes=1))
    reservation.commit(NOW + timedelta(minutes=2))

    assert reservation.status is ReservationStatus.COMMITTED
    assert len(reservation.pending_events()) == 1
    assert stock_movements(reservation.pending_events()[0]) == [StockMovement("sku-1", 0, -2)]


def test_a_reservation_past_its_time_cannot_be_committed_and_expires() -> None:
    reservation = a_held_reservation(quantity=2)
    later = NOW + timedelta(minutes=15)

    with pytest.raises(ReservationLapsed):
        reservation.commit(later)
    reservation.expire(later)
    reservation.expire(later)

    assert reservation.status is ReservationStatus.EXPIRED
    assert len(reservation.pending_events()) == 1
    assert stock_movements(reservation.pending_events()[0]) == [StockMovement("sku-1", 2, -2)]


def test_releasing_gives_the_stock_back_once() -> None:
    released = a_held_reservation()

    released.release()
    released.release()

    assert released.status is ReservationStatus.RELEASED
    assert len(released.pending_events()) == 1
    assert stock_movements(released.pending_events()[0]) == [StockMovement("sku-1", 2, -2)]


def test_releasing_a_committed_reservation_puts_its_stock_back_on_sale_once() -> None:
    committed = a_held_reservation()
    committed.commit(NOW)

    committed.release()
    committed.release()

    assert committed.status is ReservationStatus.RELEASED
    returned = committed.pending_events()[1:]
    assert [type(event) for event in returned] == [Reservation.Returned]
    assert stock_movements(returned[0]) == [StockMovement("sku-1", 2, 0)]


def test_a_reservation_not_yet_due_does_not_expire() -> None:
    reservation = a_held_reservation()

    reservation.expire(NOW + timedelta(minutes=14, seconds=59))

    assert reservation.status is ReservationStatus.HELD
    assert reservation.pending_events() == []
