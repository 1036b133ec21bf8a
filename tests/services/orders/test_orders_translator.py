"""Every order event survives the trip through its protobuf payload and the kit's event store."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from mercato.orders.v1 import events_pb2 as events
from mercato.orders.v1 import orders_pb2 as pb
from mercato_kit.domain import DomainEvent
from mercato_kit.money import Money
from mercato_kit.store import EventSourcedRepository, InMemoryEventStore
from mercato_orders.adapters.translator import OrderTranslator, order_message, timeline_messages
from mercato_orders.domain import (
    CatalogItem,
    Order,
    OrderItem,
    OrderStatus,
    Parties,
    ShippingAddress,
    Timeouts,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
TEA = CatalogItem(
    "sku-tea",
    "p-tea",
    "Longjing tea",
    "shop-1",
    "seller-1",
    "flagship",
    Money(minor_units=12_50, currency="CNY"),
    250,
)
HANGZHOU = ShippingAddress("CN-ZJ", "Hangzhou", "310000", "1 West Lake Road", "Li Lei")


def placed() -> Order:
    return Order.place(
        "0190f0a0-0000-7000-8000-000000000001",
        buyer_id="buyer-1",
        items=[OrderItem("sku-tea", 3)],
        catalog={"sku-tea": TEA},
        shipping_address=HANGZHOU,
        attribution_token="campaign-7",
        at=T0,
    )


def completed() -> Order:
    order = placed()
    order.record_stock_reserved(T0 + timedelta(seconds=1))
    order.record_payment_captured(order.total, T0 + timedelta(seconds=2))
    order.record_stock_committed(T0 + timedelta(seconds=3))
    order.record_shipment_created("s-1", T0 + timedelta(seconds=4))
    order.record_dispatched("s-1", T0 + timedelta(hours=1))
    order.record_delivered(T0 + timedelta(days=1), T0 + timedelta(days=1), Timeouts())
    order.confirm_receipt(T0 + timedelta(days=2))
    order.record_escrow_released(T0 + timedelta(days=2))
    return order


def cancelled() -> Order:
    order = placed()
    order.record_stock_reserved(T0 + timedelta(seconds=1))
    order.record_payment_declined("card declined", T0 + timedelta(seconds=2))
    order.record_stock_released(T0 + timedelta(seconds=3))
    return order


def refunded() -> Order:
    order = placed()
    order.record_stock_reserved(T0)
    order.record_payment_captured(order.total, T0)
    order.cancel("", T0)
    order.record_refunded(order.total, T0)
    order.record_stock_committed(T0)
    return order


def lost() -> Order:
    order = placed()
    order.record_stock_reserved(T0)
    order.record_payment_captured(order.total, T0)
    order.record_dispatched("s-1", T0)
    order.record_lost(T0)
    order.record_refunded(order.total, T0)
    return order


def without_parties(event: DomainEvent) -> DomainEvent:
    """Saga-step payloads carry the order id alone; the rest of the parties is on the order."""
    parties = event.parties  # type: ignore[attr-defined]
    return dataclasses.replace(event, parties=Parties(parties.order_id, "", "", ""))  # type: ignore[call-arg]


@pytest.mark.parametrize("make", [completed, cancelled, refunded, lost])
async def test_an_order_saved_and_loaded_through_its_payloads_is_the_same_order(
    make: object,
) -> None:
    order = make()  # type: ignore[operator]
    history = order.pending_events()
    repository = EventSourcedRepository(
        InMemoryEventStore(), Order, OrderTranslator(), producer="orders"
    )
    await repository.save(order)

    loaded = await repository.get(order.id)

    assert loaded.status is order.status
    assert loaded.version == order.version
    assert loaded.total == order.total
    assert loaded.lines == order.lines
    assert loaded.refunded == order.refunded
    assert loaded.reason == order.reason
    assert [without_parties(e) for e in loaded.timeline] == [without_parties(e) for e in history]


def test_the_published_events_carry_the_parties_and_amounts_the_ledger_needs() -> None:
    order = completed()
    translator = OrderTranslator()
    payloads = [translator.to_payload(event) for event in order.pending_events()]

    paid = next(p for p in payloads if isinstance(p, events.OrderPaid))
    assert (paid.buyer_id, paid.seller_id, paid.shop_id) == ("buyer-1", "seller-1", "shop-1")
    assert (paid.amount.currency, paid.amount.minor_units) == ("CNY", 37_50)
    done = next(p for p in payloads if isinstance(p, events.OrderCompleted))
    assert done.amount.minor_units == 37_50
    assert done.confirmed_by_buyer
    first = payloads[0]
    assert isinstance(first, events.OrderPlaced)
    assert first.shop_tier == "flagship"
    assert first.lines[0].line_total.minor_units == 37_50
    assert order.status is OrderStatus.COMPLETED


def test_an_order_shows_its_timeline_every_event_with_its_status_and_time() -> None:
    order = cancelled()
    message = order_message(order)
    timeline = timeline_messages(order, OrderTranslator())

    assert message.status == pb.ORDER_STATUS_CANCELLED
    assert message.total.minor_units == 37_50
    assert message.reason == "payment declined: card declined"
    assert [(entry.event, entry.status) for entry in timeline] == [
        ("OrderPlaced", pb.ORDER_STATUS_PLACED),
        ("OrderConfirmed", pb.ORDER_STATUS_CONFIRMED),
        ("OrderPaymentDeclined", pb.ORDER_STATUS_CONFIRMED),
        ("OrderCancellationStarted", pb.ORDER_STATUS_CANCELLING),
        ("OrderStockReleased", pb.ORDER_STATUS_CANCELLING),
        ("OrderCancelled", pb.ORDER_STATUS_CANCELLED),
    ]
    assert timeline[0].at.ToDatetime(tzinfo=UTC) == T0
    assert timeline[-1].note == "payment declined: card declined"
