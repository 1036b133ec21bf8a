"""The order saga end to end: identity, catalog, payments, logistics and orders, each its own
process on its own PostgreSQL database, a real Kafka broker between them."""

from __future__ import annotations

import pytest

from mercato.catalog.v1 import catalog_pb2 as catalog
from mercato.orders.v1 import orders_pb2 as orders
from mercato.payments.v1 import payments_pb2 as payments
from tests.services.logistics._support import delivered, dispatched, lost
from tests.support.ecosystem import DECLINED, FINAL, Ecosystem

pytestmark = pytest.mark.timeout(600)


def test_an_order_goes_from_placement_to_completion_and_pays_the_seller(world: Ecosystem) -> None:
    seller = world.seller(tier=catalog.SHOP_TIER_FLAGSHIP, price=12_50)
    buyer = world.buyer()

    order_id = world.place(buyer, seller.line(quantity=2))
    paid = world.wait_for(buyer, order_id, orders.ORDER_STATUS_PAID)
    assert paid.total.minor_units == 25_00
    assert paid.lines[0].unit_price.minor_units == 12_50

    shipment = world.shipment_of(order_id)
    world.track(dispatched(shipment.shipment_id))
    world.wait_for(buyer, order_id, orders.ORDER_STATUS_SHIPPED)
    world.track(delivered(shipment.shipment_id))
    world.wait_for(buyer, order_id, orders.ORDER_STATUS_DELIVERED)
    world.orders.ConfirmReceipt(
        orders.ConfirmReceiptRequest(idempotency_key="confirm", order_id=order_id),
        metadata=buyer.metadata,
    )
    completed = world.wait_for(buyer, order_id, *FINAL)

    assert completed.status == orders.ORDER_STATUS_COMPLETED
    payment = world.payment(order_id)
    # Flagship commission: 300 basis points of 25.00 = 0.75; the seller gets the rest.
    assert payment.status == payments.PAYMENT_STATUS_RELEASED
    assert [(b.currency, b.minor_units) for b in world.seller_payable(seller).balances] == [
        ("CNY", 25_00 - 75)
    ]
    assert world.sku(seller).available == 100 - 2
    timeline = [entry.event for entry in world.order(buyer, order_id).timeline]
    for event in ("OrderPlaced", "OrderConfirmed", "OrderPaid", "OrderShipped"):
        assert event in timeline
    assert timeline[-1] == "OrderCompleted"


def test_a_declined_payment_cancels_the_order_and_releases_the_stock(world: Ecosystem) -> None:
    seller = world.seller(stock=5)
    buyer = world.buyer()

    order_id = world.place(buyer, seller.line(quantity=3), card=DECLINED)
    cancelled = world.wait_for(buyer, order_id, *FINAL)

    assert cancelled.status == orders.ORDER_STATUS_CANCELLED
    assert "declined" in cancelled.reason
    sku = world.sku(seller)
    assert (sku.available, sku.reserved) == (5, 0)


def test_an_order_of_more_than_the_stock_is_cancelled_and_nothing_is_charged(
    world: Ecosystem,
) -> None:
    seller = world.seller(stock=2)
    buyer = world.buyer()

    order_id = world.place(buyer, seller.line(quantity=3))
    cancelled = world.wait_for(buyer, order_id, *FINAL)

    assert cancelled.status == orders.ORDER_STATUS_CANCELLED
    assert "available" in cancelled.reason
    with pytest.raises(Exception, match=r"NOT_FOUND|does not exist"):
        world.payment(order_id)
    assert world.sku(seller).available == 2


def test_a_lost_parcel_refunds_the_buyer(world: Ecosystem) -> None:
    seller = world.seller()
    buyer = world.buyer()

    order_id = world.place(buyer, seller.line())
    world.wait_for(buyer, order_id, orders.ORDER_STATUS_PAID)
    shipment = world.shipment_of(order_id)
    world.track(dispatched(shipment.shipment_id))
    world.track(lost(shipment.shipment_id))
    refunded = world.wait_for(buyer, order_id, *FINAL)

    assert refunded.status == orders.ORDER_STATUS_REFUNDED
    payment = world.payment(order_id)
    assert sum(r.amount.minor_units for r in payment.refunds) == 12_50
