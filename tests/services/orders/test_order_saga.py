"""The order saga with fakes for the other services: paths to every end, compensation, crashes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mercato_kit.money import Money
from mercato_orders.application.saga import Background
from mercato_orders.domain import (
    IllegalTransition,
    Order,
    OrderStatus,
)
from mercato_orders.domain.saga import (
    BuyerCancelled,
    BuyerConfirmed,
    CapturePayment,
    CommitReservation,
    CreateShipment,
    OrderSaga,
    PaymentCaptured,
    RefundRequested,
    ReleaseEscrow,
    ReserveStock,
    ShipmentDispatched,
    ShipmentLost,
    StockReserved,
    idempotency_key,
    refund_id,
)
from tests.services.orders._fakes import (
    DECLINED,
    Crash,
    RacingOrders,
)
from tests.services.orders._world import (
    HANGZHOU,
    T0,
    TIMEOUTS,
    TOTAL,
    World,
    deliver,
    place,
)


@pytest.fixture
def world() -> World:
    return World()


# -- the pure process manager ------------------------------------------------------------------


def test_a_placed_order_asks_catalog_to_reserve_its_lines_with_a_key_of_the_order_and_step() -> (
    None
):
    saga = OrderSaga(TIMEOUTS)
    assert saga.outstanding(place()) == [
        ReserveStock(idempotency_key("o-1", "reserve-stock"), "o-1", (("sku-tea", 2),))
    ]


def test_reserved_stock_decides_the_capture_of_the_recorded_total() -> None:
    saga = OrderSaga(TIMEOUTS)
    order = place()
    commands = saga.handle(order, StockReserved("o-1", T0))
    assert commands == [
        CapturePayment(
            "orders:o-1:capture-payment",
            "o-1",
            buyer_id="buyer-1",
            seller_id="seller-1",
            shop_id="shop-1",
            shop_tier="standard",
            amount=TOTAL,
        )
    ]


def test_a_captured_payment_decides_committing_the_stock_and_creating_the_shipment() -> None:
    saga = OrderSaga(TIMEOUTS)
    order = place()
    saga.handle(order, StockReserved("o-1", T0))
    commands = saga.handle(order, PaymentCaptured("o-1", T0, TOTAL))
    assert [type(command) for command in commands] == [CommitReservation, CreateShipment]
    shipment = commands[1]
    assert isinstance(shipment, CreateShipment)
    assert shipment.weight_grams == 500
    assert shipment.destination == HANGZHOU


def test_replaying_the_same_fact_twice_decides_nothing_new() -> None:
    saga = OrderSaga(TIMEOUTS)
    order = place()
    assert saga.handle(order, StockReserved("o-1", T0))
    version = order.version
    assert saga.handle(order, StockReserved("o-1", T0)) == []
    assert saga.handle(order, StockReserved("o-1", T0 + timedelta(seconds=5))) == []
    assert order.version == version


def test_the_keys_are_the_same_for_the_order_rebuilt_from_its_events() -> None:
    saga = OrderSaga(TIMEOUTS)
    order = place()
    saga.handle(order, StockReserved("o-1", T0))
    rebuilt = Order.rehydrate("o-1", order.pending_events())
    assert saga.outstanding(rebuilt) == saga.outstanding(order)
    assert refund_id("o-1") == refund_id("o-1") != refund_id("o-2")


# -- the saga run against the other services ----------------------------------------------------


async def test_the_happy_path_ends_in_order_completed_with_the_escrow_released(
    world: World,
) -> None:
    await world.start()
    assert await world.status() is OrderStatus.PAID
    assert world.catalog.reservations["o-1"][0] == "committed"
    assert world.logistics.shipments == {"o-1": "s-o-1"}

    await deliver(world)
    assert await world.status() is OrderStatus.DELIVERED
    await world.runner.react(BuyerConfirmed("o-1", world.clock()))

    order = await world.orders.get("o-1")
    assert order.status is OrderStatus.COMPLETED
    assert order.confirmed_by_buyer
    assert world.payments.charges == [("o-1", TOTAL)]
    assert world.payments.payments["o-1"].released
    assert world.payments.refunds == {}
    assert [type(e).__name__ for e in order.timeline] == [
        "Placed",
        "StockReserved",
        "PaymentCaptured",
        "StockCommitted",
        "ShipmentCreated",
        "Shipped",
        "Delivered",
        "ReceiptConfirmed",
        "Completed",
    ]


async def test_the_auto_confirm_deadline_completes_an_order_the_buyer_never_confirms(
    world: World,
) -> None:
    await world.start()
    await deliver(world)
    await world.later(TIMEOUTS.auto_confirm - timedelta(minutes=1))
    await world.runner.sweep()
    assert await world.status() is OrderStatus.DELIVERED

    await world.later(timedelta(minutes=1))
    await world.runner.sweep()
    order = await world.orders.get("o-1")
    assert order.status is OrderStatus.COMPLETED
    assert not order.confirmed_by_buyer


async def test_a_declined_payment_cancels_the_order_and_releases_the_stock(world: World) -> None:
    await world.start(instrument=DECLINED)

    order = await world.orders.get("o-1")
    assert order.status is OrderStatus.CANCELLED
    assert order.reason == "payment declined: card declined"
    assert world.catalog.reservations["o-1"][0] == "released"
    assert world.stock["sku-tea"] == 10
    assert world.payments.charges == []
    assert world.payments.refunds == {}


async def test_out_of_stock_rejects_the_order_and_charges_nothing(world: World) -> None:
    await world.start(quantity=11)

    order = await world.orders.get("o-1")
    assert order.status is OrderStatus.CANCELLED
    assert order.reason.startswith("out of stock")
    assert world.payments.calls == []
    assert world.logistics.calls == []
    assert world.catalog.held() == []


async def test_a_lost_parcel_refunds_the_buyer_everything(world: World) -> None:
    await world.start()
    await world.runner.react(ShipmentDispatched("o-1", world.clock(), "s-o-1"))
    await world.runner.react(ShipmentLost("o-1", world.clock()))

    order = await world.orders.get("o-1")
    assert order.status is OrderStatus.REFUNDED
    assert world.payments.refunds == {refund_id("o-1"): ("o-1", TOTAL)}
    assert not world.payments.payments["o-1"].released


async def test_the_buyer_cancelling_a_paid_order_is_refunded_and_the_order_cancelled(
    world: World,
) -> None:
    await world.start()
    await world.runner.react(BuyerCancelled("o-1", world.clock(), "changed my mind"))

    order = await world.orders.get("o-1")
    assert order.status is OrderStatus.CANCELLED
    assert order.refunded == TOTAL
    assert world.payments.refunds == {refund_id("o-1"): ("o-1", TOTAL)}


async def test_the_buyer_cannot_cancel_a_dispatched_order(world: World) -> None:
    await world.start()
    await world.runner.react(ShipmentDispatched("o-1", world.clock(), "s-o-1"))
    with pytest.raises(IllegalTransition):
        await world.runner.react(BuyerCancelled("o-1", world.clock(), ""))
    assert await world.status() is OrderStatus.SHIPPED
    assert world.payments.refunds == {}


async def test_a_refund_the_buyer_requests_after_delivery_refunds_instead_of_paying_out(
    world: World,
) -> None:
    await world.start()
    await deliver(world)
    await world.runner.react(RefundRequested("o-1", world.clock(), "arrived broken"))

    assert await world.status() is OrderStatus.REFUNDED
    assert not world.payments.payments["o-1"].released


async def test_a_capture_that_times_out_compensates_by_releasing_the_stock(world: World) -> None:
    world.faults.unanswered.add("capture")
    await world.start()
    assert await world.status() is OrderStatus.CONFIRMED

    world.faults.unanswered.add("capture")
    await world.later(TIMEOUTS.capture_payment)
    world.faults.unanswered.add("capture")
    await world.runner.sweep()

    order = await world.orders.get("o-1")
    assert order.status is OrderStatus.CANCELLED
    assert order.reason == "timed out waiting to be paid"
    assert world.catalog.reservations["o-1"][0] == "released"
    assert world.payments.charges == []


async def test_a_shipment_never_dispatched_times_out_and_refunds_the_buyer(world: World) -> None:
    await world.start()
    await world.later(TIMEOUTS.dispatch)
    await world.runner.sweep()

    order = await world.orders.get("o-1")
    assert order.status is OrderStatus.CANCELLED
    assert order.refunded == TOTAL
    assert world.payments.charges == [("o-1", TOTAL)]


async def test_an_unanswered_step_is_sent_again_with_the_same_key_by_the_sweep(
    world: World,
) -> None:
    world.faults.unanswered.add("reserve")
    await world.start()
    assert await world.status() is OrderStatus.PLACED

    await world.runner.sweep()
    assert await world.status() is OrderStatus.PAID
    assert world.catalog.calls[:2] == ["orders:o-1:reserve-stock"] * 2


async def run_to_completion(world: World) -> None:
    await world.start()
    await deliver(world)
    await world.runner.react(BuyerConfirmed("o-1", world.clock()))


@pytest.mark.parametrize(
    "step", ["reserve", "capture", "commit", "create-shipment", "release-escrow"]
)
async def test_a_crash_after_any_step_is_finished_after_a_restart_with_one_charge(
    world: World, step: str
) -> None:
    world.faults.crash_after.add(step)
    with pytest.raises(Crash):
        await run_to_completion(world)

    await world.restart().sweep()
    if await world.status() is OrderStatus.PAID:
        await deliver(world)
    if not (await world.orders.get("o-1")).receipt_confirmed:
        await world.runner.react(BuyerConfirmed("o-1", world.clock()))
    await world.runner.sweep()

    assert await world.status() is OrderStatus.COMPLETED
    assert world.payments.charges == [("o-1", TOTAL)]
    assert world.payments.payments["o-1"].released
    assert world.catalog.held() == []
    assert len(world.logistics.shipments) == 1


@pytest.mark.parametrize(
    ("step", "paid"), [("release", False), ("refund", False), ("refund", True)]
)
async def test_a_crash_while_compensating_is_finished_after_a_restart_with_one_refund(
    world: World, step: str, paid: bool
) -> None:
    if not paid:
        world.faults.unanswered.add("capture")
    await world.start()
    world.faults.crash_after.add(step)
    with pytest.raises(Crash):
        await world.runner.react(BuyerCancelled("o-1", world.clock(), ""))
    assert await world.status() is OrderStatus.CANCELLING

    await world.restart().sweep()

    order = await world.orders.get("o-1")
    assert order.status is OrderStatus.CANCELLED
    assert order.refunded == (TOTAL if paid else Money(minor_units=0, currency="CNY"))
    assert len(world.payments.refunds) == 1
    assert world.payments.charges == ([("o-1", TOTAL)] if paid else [])
    assert world.catalog.held() == []
    # Cancelled before dispatch: even the units committed when it was paid are back on sale,
    # and its shipment (if one was created) will not leave.
    assert world.stock["sku-tea"] == 10
    assert world.logistics.cancelled == set(world.logistics.shipments)


async def test_a_capture_answered_after_a_timeout_cancel_is_refunded(world: World) -> None:
    world.faults.unanswered.add("capture")
    await world.start()
    await world.later(TIMEOUTS.capture_payment)
    world.faults.crash_after.add("release")
    with pytest.raises(Crash):
        await world.runner.sweep()
    await world.payments.capture(
        CapturePayment(
            "orders:o-1:capture-payment",
            "o-1",
            buyer_id="buyer-1",
            seller_id="seller-1",
            shop_id="shop-1",
            shop_tier="standard",
            amount=TOTAL,
        )
    )
    await world.restart().react(PaymentCaptured("o-1", world.clock(), TOTAL))
    await world.runner.sweep()

    order = await world.orders.get("o-1")
    assert order.status is OrderStatus.CANCELLED
    assert order.refunded == TOTAL
    assert world.payments.payments["o-1"].in_escrow == Money(minor_units=0, currency="CNY")


async def test_many_orders_each_reach_their_own_end(world: World) -> None:
    await world.start("o-ok")
    await world.start("o-declined", instrument=DECLINED)
    await world.start("o-too-many", quantity=20)

    assert await world.status("o-ok") is OrderStatus.PAID
    assert await world.status("o-declined") is OrderStatus.CANCELLED
    assert await world.status("o-too-many") is OrderStatus.CANCELLED
    assert await world.orders.unfinished() == ["o-ok"]
    assert world.stock["sku-tea"] == 8


async def test_a_fact_that_loses_a_race_for_the_order_is_decided_again_on_the_new_state() -> None:
    orders = RacingOrders()
    world = World(orders=orders)
    world.restart()
    await world.start()
    await world.runner.react(ShipmentDispatched("o-1", world.clock(), "s-o-1"))
    orders.rival = lambda order: order.record_delivered(world.clock(), world.clock(), TIMEOUTS)

    await world.runner.react(ShipmentLost("o-1", world.clock()))

    order = await world.orders.get("o-1")
    assert order.status is OrderStatus.DELIVERED
    assert world.payments.refunds == {}


async def test_a_command_in_flight_is_not_sent_again_until_it_is_answered() -> None:
    background = Background()
    command = ReleaseEscrow("orders:o-1:release-escrow", "o-1")

    assert background.claim(command)
    assert not background.claim(command)
    background.done(command)
    assert background.claim(command)


async def test_a_step_failing_in_the_background_is_logged_and_left_to_the_sweep(
    caplog: pytest.LogCaptureFixture,
) -> None:
    background = Background()

    async def failing() -> None:
        raise RuntimeError("database went away")

    background.spawn(failing())
    await background.idle()

    assert "the sweep retries it" in caplog.text
