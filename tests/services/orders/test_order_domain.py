"""The Order aggregate: every transition and every refusal, with no infrastructure at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mercato_kit.errors import FailedPrecondition, InvalidArgument
from mercato_kit.money import Money
from mercato_orders.domain import (
    CatalogItem,
    IllegalTransition,
    MixedCurrencies,
    MixedShops,
    Order,
    OrderItem,
    OrderStatus,
    ShippingAddress,
    Timeouts,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
TIMEOUTS = Timeouts()
HANGZHOU = ShippingAddress("CN-ZJ", "Hangzhou", "310000", "1 West Lake Road", "Li Lei")
TEA = CatalogItem(
    "sku-tea",
    "p-tea",
    "Longjing tea",
    "shop-1",
    "seller-1",
    "standard",
    Money(minor_units=12_50, currency="CNY"),
    250,
)
CUP = CatalogItem(
    "sku-cup",
    "p-cup",
    "Celadon cup",
    "shop-1",
    "seller-1",
    "standard",
    Money(minor_units=80_00, currency="CNY"),
    400,
)
OTHER_SHOP = CatalogItem(
    "sku-pen",
    "p-pen",
    "Pen",
    "shop-2",
    "seller-2",
    "flagship",
    Money(minor_units=5_00, currency="CNY"),
    20,
)
IN_USD = CatalogItem(
    "sku-usd",
    "p-usd",
    "Mug",
    "shop-1",
    "seller-1",
    "standard",
    Money(minor_units=9_00, currency="USD"),
    300,
)
CATALOG = {item.sku_id: item for item in (TEA, CUP, OTHER_SHOP, IN_USD)}


def placed(*items: OrderItem) -> Order:
    return Order.place(
        "o-1",
        buyer_id="buyer-1",
        items=list(items) or [OrderItem("sku-tea", 2), OrderItem("sku-cup", 1)],
        catalog=CATALOG,
        shipping_address=HANGZHOU,
        attribution_token="campaign-7",
        at=T0,
    )


def confirmed() -> Order:
    order = placed()
    order.record_stock_reserved(T0 + timedelta(seconds=1))
    return order


def paid() -> Order:
    order = confirmed()
    order.record_payment_captured(order.total, T0 + timedelta(seconds=2))
    return order


def shipped() -> Order:
    order = paid()
    order.record_stock_committed(T0 + timedelta(seconds=3))
    order.record_shipment_created("s-1", T0 + timedelta(seconds=3))
    order.record_dispatched("s-1", T0 + timedelta(hours=2))
    return order


def delivered() -> Order:
    order = shipped()
    order.record_delivered(T0 + timedelta(days=2), T0 + timedelta(days=2), TIMEOUTS)
    return order


def delivered_late(told_after: timedelta) -> Order:
    order = shipped()
    at = T0 + timedelta(days=2)
    order.record_delivered(at, at + told_after, TIMEOUTS)
    return order


def status_of(order: Order) -> OrderStatus:
    """The status now (a plain read, so a type checker does not keep an earlier narrowing)."""
    return order.status


def event_names(order: Order) -> list[str]:
    return [type(event).__name__ for event in order.pending_events()]


def test_placing_an_order_records_catalogs_prices_and_the_total() -> None:
    order = placed()

    assert order.status is OrderStatus.PLACED
    assert [(line.sku_id, line.quantity, line.unit_price) for line in order.lines] == [
        ("sku-tea", 2, Money(minor_units=12_50, currency="CNY")),
        ("sku-cup", 1, Money(minor_units=80_00, currency="CNY")),
    ]
    assert order.total == Money(minor_units=105_00, currency="CNY")
    assert (order.seller_id, order.shop_id, order.shop_tier) == ("seller-1", "shop-1", "standard")
    placed_event = order.pending_events()[0]
    assert isinstance(placed_event, Order.Placed)
    assert placed_event.total == Money(minor_units=105_00, currency="CNY")
    assert placed_event.attribution_token == "campaign-7"


def test_an_order_of_two_shops_is_refused() -> None:
    with pytest.raises(MixedShops):
        placed(OrderItem("sku-tea", 1), OrderItem("sku-pen", 1))


def test_an_order_priced_in_two_currencies_is_refused() -> None:
    with pytest.raises(MixedCurrencies):
        placed(OrderItem("sku-tea", 1), OrderItem("sku-usd", 1))


def test_a_sku_listed_twice_is_refused_naming_the_line() -> None:
    with pytest.raises(InvalidArgument) as refused:
        placed(OrderItem("sku-tea", 1), OrderItem("sku-tea", 2))
    assert refused.value.field == "lines[1].sku_id"


def test_a_quantity_of_zero_is_refused_naming_the_line() -> None:
    with pytest.raises(InvalidArgument) as refused:
        placed(OrderItem("sku-tea", 0))
    assert refused.value.field == "lines[0].quantity"


def test_reserved_stock_confirms_the_order() -> None:
    order = confirmed()
    assert order.status is OrderStatus.CONFIRMED
    assert order.stock_reserved


def test_a_rejected_reservation_cancels_the_order_with_nothing_to_give_back() -> None:
    order = placed()
    order.record_reservation_rejected("sku-tea: 0 of 2 available", T0)

    assert order.status is OrderStatus.CANCELLED
    assert order.reason == "out of stock: sku-tea: 0 of 2 available"
    cancelled = order.pending_events()[-1]
    assert isinstance(cancelled, Order.Cancelled)
    assert cancelled.refunded == Money(minor_units=0, currency="CNY")
    assert not order.stock_may_be_held
    assert not order.payment_may_be_held


def test_a_captured_payment_makes_the_order_paid() -> None:
    order = paid()
    assert order.status is OrderStatus.PAID
    assert order.captured == Money(minor_units=105_00, currency="CNY")


def test_a_declined_payment_starts_a_cancellation_that_waits_for_the_stock_to_be_released() -> None:
    order = confirmed()
    order.record_payment_declined("card declined", T0)

    assert order.status is OrderStatus.CANCELLING
    assert order.stock_may_be_held
    assert not order.payment_may_be_held
    order.record_stock_released(T0)
    assert status_of(order) is OrderStatus.CANCELLED
    assert order.reason == "payment declined: card declined"


def test_dispatch_ships_delivery_delivers_and_sets_the_auto_confirm_deadline() -> None:
    order = delivered()
    assert order.status is OrderStatus.DELIVERED
    assert order.shipment_id == "s-1"
    assert order.auto_confirm_at == T0 + timedelta(days=2) + TIMEOUTS.auto_confirm


def test_the_buyers_confirmation_then_the_escrow_release_completes_the_order() -> None:
    order = delivered()
    order.confirm_receipt(T0 + timedelta(days=3))
    assert order.status is OrderStatus.DELIVERED
    assert order.receipt_confirmed

    order.record_escrow_released(T0 + timedelta(days=3))
    assert status_of(order) is OrderStatus.COMPLETED
    completed = order.pending_events()[-1]
    assert isinstance(completed, Order.Completed)
    assert completed.amount == Money(minor_units=105_00, currency="CNY")
    assert completed.by_buyer


def test_the_escrow_is_not_released_before_receipt_is_confirmed() -> None:
    order = delivered()
    order.record_escrow_released(T0 + timedelta(days=3))
    assert order.status is OrderStatus.DELIVERED


def test_the_auto_confirm_deadline_confirms_receipt_for_the_buyer() -> None:
    order = delivered()
    assert order.auto_confirm_at is not None
    order.time_out(order.auto_confirm_at - timedelta(seconds=1), TIMEOUTS)
    assert not order.receipt_confirmed

    order.time_out(order.auto_confirm_at, TIMEOUTS)
    assert order.receipt_confirmed
    assert not order.confirmed_by_buyer


@pytest.mark.parametrize("make", [placed, confirmed, paid], ids=["placed", "confirmed", "paid"])
def test_the_buyer_may_cancel_before_dispatch(make: object) -> None:
    order = make()  # type: ignore[operator]
    order.cancel("changed my mind", T0)
    assert order.status is OrderStatus.CANCELLING
    assert order.reason == "cancelled by the buyer: changed my mind"


@pytest.mark.parametrize("make", [shipped, delivered], ids=["shipped", "delivered"])
def test_cancelling_a_dispatched_order_is_refused_and_changes_nothing(make: object) -> None:
    order = make()  # type: ignore[operator]
    before = order.version
    with pytest.raises(IllegalTransition):
        order.cancel("too late", T0)
    assert order.version == before
    assert isinstance(IllegalTransition("o", "s", "a"), FailedPrecondition)


def test_cancelling_twice_records_one_cancellation() -> None:
    order = paid()
    order.cancel("", T0)
    order.cancel("", T0)
    assert event_names(order).count("CancellationStarted") == 1


def test_a_paid_cancellation_ends_once_stock_shipment_and_payment_are_all_given_back() -> None:
    order = paid()
    order.record_stock_committed(T0)
    order.record_shipment_created("s-1", T0)
    order.cancel("", T0)
    assert order.payment_may_be_held
    assert order.stock_may_be_held
    assert order.shipment_may_be_pending

    order.record_refunded(Money(minor_units=105_00, currency="CNY"), T0)
    order.record_stock_released(T0)
    assert order.status is OrderStatus.CANCELLING
    order.record_shipment_cancelled(T0)
    assert order.status is OrderStatus.CANCELLED
    cancelled = order.pending_events()[-1]
    assert isinstance(cancelled, Order.Cancelled)
    assert cancelled.refunded == Money(minor_units=105_00, currency="CNY")


def test_a_capture_answered_after_the_cancel_is_recorded_so_it_is_refunded() -> None:
    order = confirmed()
    order.cancel("", T0)
    order.record_payment_captured(Money(minor_units=105_00, currency="CNY"), T0)
    assert order.status is OrderStatus.CANCELLING
    assert order.captured == Money(minor_units=105_00, currency="CNY")
    assert order.payment_may_be_held


def test_a_lost_parcel_refunds_the_buyer() -> None:
    order = shipped()
    order.record_lost(T0 + timedelta(days=1))
    assert order.status is OrderStatus.REFUNDING
    order.record_refunded(Money(minor_units=105_00, currency="CNY"), T0 + timedelta(days=1))
    assert status_of(order) is OrderStatus.REFUNDED
    assert order.reason == "parcel lost"


def test_the_buyer_may_ask_for_a_refund_of_a_delivered_order() -> None:
    order = delivered()
    order.request_refund("damaged", T0 + timedelta(days=3))
    assert order.status is OrderStatus.REFUNDING


@pytest.mark.parametrize("make", [paid, shipped], ids=["paid", "shipped"])
def test_a_refund_before_delivery_is_refused(make: object) -> None:
    order = make()  # type: ignore[operator]
    with pytest.raises(IllegalTransition):
        order.request_refund("impatient", T0)


def test_confirming_receipt_before_delivery_is_refused() -> None:
    with pytest.raises(IllegalTransition):
        shipped().confirm_receipt(T0)


def test_a_refund_after_receipt_is_confirmed_is_refused() -> None:
    order = delivered()
    order.confirm_receipt(T0 + timedelta(days=3))
    with pytest.raises(IllegalTransition):
        order.request_refund("late", T0 + timedelta(days=4))


@pytest.mark.parametrize(
    ("make", "limit", "status", "reason"),
    [
        (
            placed,
            TIMEOUTS.reserve_stock,
            OrderStatus.CANCELLING,
            "timed out waiting to be reserved",
        ),
        (
            confirmed,
            TIMEOUTS.capture_payment,
            OrderStatus.CANCELLING,
            "timed out waiting to be paid",
        ),
        (paid, TIMEOUTS.dispatch, OrderStatus.CANCELLING, "timed out waiting to be dispatched"),
        (shipped, TIMEOUTS.delivery, OrderStatus.REFUNDING, "not delivered in time"),
    ],
    ids=["reserve", "capture", "dispatch", "delivery"],
)
def test_a_step_past_its_timeout_gives_up(
    make: object, limit: timedelta, status: OrderStatus, reason: str
) -> None:
    order = make()  # type: ignore[operator]
    assert order.step_started_at is not None
    order.time_out(order.step_started_at + limit - timedelta(seconds=1), TIMEOUTS)
    assert order.status is not status

    order.time_out(order.step_started_at + limit, TIMEOUTS)
    assert order.status is status
    assert order.reason == reason


def test_facts_recorded_twice_change_nothing_the_second_time() -> None:
    order = delivered()
    before = order.version
    order.record_stock_reserved(T0)
    order.record_payment_captured(Money(minor_units=105_00, currency="CNY"), T0)
    order.record_stock_committed(T0)
    order.record_shipment_created("s-1", T0)
    order.record_dispatched("s-1", T0)
    order.record_delivered(T0, T0, TIMEOUTS)
    assert order.version == before


def test_a_final_order_ignores_late_facts() -> None:
    order = placed()
    order.record_reservation_rejected("none left", T0)
    before = order.version
    order.record_stock_reserved(T0)
    order.record_payment_declined("late", T0)
    order.time_out(T0 + timedelta(days=365), TIMEOUTS)
    assert order.version == before
    assert order.status.is_final


def test_the_order_rebuilt_from_its_events_is_the_same_order() -> None:
    order = delivered()
    rebuilt = Order.rehydrate(order.id, order.pending_events())

    assert rebuilt.status is order.status
    assert rebuilt.version == order.version
    assert rebuilt.total == order.total
    assert rebuilt.auto_confirm_at == order.auto_confirm_at
    assert [type(event) for event in rebuilt.timeline] == [type(e) for e in order.timeline]


def test_the_buyers_window_counts_from_when_the_order_learnt_of_the_delivery() -> None:
    # orders was down for a day: the carrier delivered at T, the order heard of it at T + 1 day.
    order = delivered_late(told_after=timedelta(days=1))
    assert order.auto_confirm_at == T0 + timedelta(days=3) + TIMEOUTS.auto_confirm
    order.time_out(T0 + timedelta(days=2) + TIMEOUTS.auto_confirm, TIMEOUTS)
    assert order.status is OrderStatus.DELIVERED
