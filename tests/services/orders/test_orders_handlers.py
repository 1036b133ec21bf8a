"""The buyer's commands and queries over the saga, with fakes for the other services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from mercato_kit.money import Money
from mercato_orders.application.handlers import (
    cancel_order,
    confirm_receipt,
    get_order,
    order_id_for,
    place_order,
    request_refund,
)
from mercato_orders.domain import (
    CancelOrder,
    CatalogItem,
    ConfirmReceipt,
    IllegalTransition,
    NotOnSale,
    Order,
    OrderItem,
    OrderNotFound,
    OrderStatus,
    PlaceOrder,
    RequestRefund,
    ShippingAddress,
)
from tests.services.orders._fakes import APPROVED, FakePrices
from tests.services.orders._world import World

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
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
HANGZHOU = ShippingAddress("CN-ZJ", "Hangzhou", "310000", "1 West Lake Road", "Li Lei")
PLACE = PlaceOrder(
    order_id="o-1",
    buyer_id="buyer-1",
    items=[OrderItem("sku-tea", 2)],
    shipping_address=HANGZHOU,
    attribution_token="",
    instrument=APPROVED,
    at=T0,
)


@pytest.fixture
def world() -> World:
    return World()


async def place(world: World, command: PlaceOrder = PLACE) -> None:
    """As the RPC does: catalog's prices, the handler in a unit of work, then the saga."""
    catalog = await FakePrices([TEA]).of(command.items)
    await place_order(command, world.unit_of_work(), catalog=catalog)
    await world.runner.kick(command.order_id)


BuyersCommand = CancelOrder | ConfirmReceipt | RequestRefund


async def act(
    world: World, handler: Callable[..., Awaitable[Order]], command: BuyersCommand
) -> Order:
    """As the RPC does: the buyer's action in a unit of work, then the saga; the order after."""
    await handler(command, world.unit_of_work(), saga=world.runner.saga)
    await world.runner.kick(command.order_id)
    return await world.orders.get(command.order_id)


def cancel(buyer_id: str, reason: str = "") -> CancelOrder:
    return CancelOrder(order_id="o-1", buyer_id=buyer_id, reason=reason, at=T0)


async def test_placing_an_order_charges_catalogs_price_and_runs_the_saga(world: World) -> None:
    await place(world)

    order = await world.orders.get("o-1")
    assert order.status is OrderStatus.PAID
    assert order.total == Money(minor_units=25_00, currency="CNY")
    assert world.payments.charges == [("o-1", Money(minor_units=25_00, currency="CNY"))]


async def test_an_sku_not_on_sale_is_refused_naming_the_line_and_nothing_is_saved(
    world: World,
) -> None:
    command = replace(PLACE, items=[OrderItem("sku-tea", 1), OrderItem("sku-gone", 1)])
    with pytest.raises(NotOnSale) as refused:
        await place(world, command)
    assert refused.value.field == "lines[1].sku_id"
    assert world.orders.events == {}
    assert world.catalog.calls == []


async def test_the_buyer_and_the_seller_read_the_order_and_nobody_else(world: World) -> None:
    await place(world)

    uow = world.unit_of_work()
    assert (await get_order("o-1", uow, account_id="buyer-1")).id == "o-1"
    assert (await get_order("o-1", uow, account_id="seller-1")).id == "o-1"
    with pytest.raises(OrderNotFound) as hidden:
        await get_order("o-1", uow, account_id="buyer-2")
    with pytest.raises(OrderNotFound) as missing:
        await get_order("o-404", uow, account_id="buyer-1")
    assert str(hidden.value).replace("o-1", "X") == str(missing.value).replace("o-404", "X")


async def test_another_buyer_cannot_cancel_the_order(world: World) -> None:
    await place(world)
    with pytest.raises(OrderNotFound):
        await act(world, cancel_order, cancel("buyer-2"))
    with pytest.raises(OrderNotFound):
        await act(world, cancel_order, cancel("seller-1"))
    assert await world.status() is OrderStatus.PAID


async def test_the_buyer_cancels_before_dispatch_and_is_refunded(world: World) -> None:
    await place(world)
    order = await act(world, cancel_order, cancel("buyer-1", "found it cheaper"))
    assert order.status is OrderStatus.CANCELLED
    assert order.refunded == Money(minor_units=25_00, currency="CNY")


async def test_confirming_or_refunding_an_undelivered_order_is_refused(world: World) -> None:
    await place(world)
    with pytest.raises(IllegalTransition):
        await act(world, confirm_receipt, ConfirmReceipt(order_id="o-1", buyer_id="buyer-1", at=T0))
    refund = RequestRefund(order_id="o-1", buyer_id="buyer-1", reason="impatient", at=T0)
    with pytest.raises(IllegalTransition):
        await act(world, request_refund, refund)
    assert await world.status() is OrderStatus.PAID


def test_a_place_order_key_names_one_order_per_buyer() -> None:
    first = order_id_for("buyer-1", "key-1")
    assert order_id_for("buyer-1", "key-1") == first
    assert order_id_for("buyer-2", "key-1") != first
    assert order_id_for("buyer-1", "key-2") != first
