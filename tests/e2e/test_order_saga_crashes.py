"""SIGKILL the orders service while its saga is at different steps: after a restart every order
still ends where it must, with one charge, at most one refund and no stock left reserved."""

from __future__ import annotations

import time

import pytest

from mercato.ledger.v1 import ledger_pb2 as ledger_pb
from mercato.logistics.v1 import shipment_pb2 as logistics
from mercato.orders.v1 import orders_pb2 as orders
from mercato.payments.v1 import payments_pb2 as payments
from tests.services.logistics._support import delivered, dispatched, lost
from tests.support.ecosystem import DECLINED, FINAL, Ecosystem, key

pytestmark = pytest.mark.timeout(900)


def test_orders_killed_at_several_saga_steps_still_end_correctly(world: Ecosystem) -> None:
    seller = world.seller(price=10_00, stock=50)
    buyer = world.buyer()

    # 1. Killed right after placement: reservations and captures in flight.
    completes, refunded_lost, cancelled_by_buyer = (
        world.place(buyer, seller.line(quantity=2)),
        world.place(buyer, seller.line(quantity=1)),
        world.place(buyer, seller.line(quantity=3)),
    )
    declined = world.place(buyer, seller.line(quantity=4), card=DECLINED)
    world.kill("orders")
    world.start("orders")
    for order_id in (completes, refunded_lost, cancelled_by_buyer):
        world.wait_for(buyer, order_id, orders.ORDER_STATUS_PAID)
    assert world.wait_for(buyer, declined, *FINAL).status == orders.ORDER_STATUS_CANCELLED

    # 2. Killed while the escrow release, the lost parcel's refund and the buyer's
    #    cancellation (stock release + refund) are being sent.
    for order_id in (completes, refunded_lost):
        world.track(dispatched(world.shipment_of(order_id).shipment_id))
    world.track(delivered(world.shipment_of(completes).shipment_id))
    world.wait_for(buyer, completes, orders.ORDER_STATUS_DELIVERED)
    world.orders.ConfirmReceipt(
        orders.ConfirmReceiptRequest(idempotency_key=key(), order_id=completes),
        metadata=buyer.metadata,
    )
    world.orders.CancelOrder(
        orders.CancelOrderRequest(idempotency_key=key(), order_id=cancelled_by_buyer),
        metadata=buyer.metadata,
    )
    world.track(lost(world.shipment_of(refunded_lost).shipment_id))
    world.kill("orders")
    world.start("orders")

    expected = {
        completes: orders.ORDER_STATUS_COMPLETED,
        refunded_lost: orders.ORDER_STATUS_REFUNDED,
        cancelled_by_buyer: orders.ORDER_STATUS_CANCELLED,
        declined: orders.ORDER_STATUS_CANCELLED,
    }
    final = {order_id: world.wait_for(buyer, order_id, *FINAL) for order_id in expected}
    assert {order_id: order.status for order_id, order in final.items()} == expected

    charged = world.payment(completes)
    assert charged.status == payments.PAYMENT_STATUS_RELEASED
    assert (charged.captured.minor_units, charged.refunded.minor_units) == (20_00, 0)
    for order_id in (refunded_lost, cancelled_by_buyer):
        payment = world.payment(order_id)
        assert payment.status == payments.PAYMENT_STATUS_REFUNDED
        assert payment.captured.minor_units == final[order_id].total.minor_units
        assert len(payment.refunds) == 1
        assert payment.refunds[0].amount.minor_units == payment.captured.minor_units
    assert world.payment(declined).captured.minor_units == 0

    sku = world.sku(seller)
    # Nothing is left reserved; sold are the completed order's 2 and the lost parcel's 1 (it
    # left the warehouse). The declined order's 4 and the 3 of the order cancelled after it was
    # paid (committed then, before its parcel left) are back on sale.
    assert (sku.available, sku.reserved) == (50 - 2 - 1, 0)
    cancelled_shipment = world.shipment_of(cancelled_by_buyer)
    assert cancelled_shipment.status == logistics.SHIPMENT_STATUS_CANCELLED

    # The ledger proves the money: once it has posted these orders' events, none of them has
    # anything left in escrow; every entry balances and the trial balance is zero.
    deadline = time.monotonic() + 90
    while (left := {o: world.balance(f"liability:escrow:{o}") for o in expected}) and any(
        any(left[o].values()) for o in left
    ):
        assert time.monotonic() < deadline, f"escrow left by final orders: {left}"
        time.sleep(1)
    assert world.balance(f"liability:escrow:{completes}") == {"CNY": 0}
    audit = world.audited()
    assert list(audit.violations) == []
    assert not audit.HasField("broken_link")
    trial = world.ledger.GetTrialBalance(
        ledger_pb.GetTrialBalanceRequest(), metadata=world.operator.metadata
    )
    assert trial.balanced
