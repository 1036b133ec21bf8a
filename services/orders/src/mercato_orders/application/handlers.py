"""The buyer's commands and queries: load, decide, save; the saga runner does the rest."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from mercato_orders.application.ports import Instruments, OrderRepository, Prices
from mercato_orders.application.saga import SagaRunner
from mercato_orders.domain import Order, OrderItem, OrderNotFound, ShippingAddress
from mercato_orders.domain.saga import BuyerCancelled, BuyerConfirmed, RefundRequested

_ORDER_NAMESPACE = uuid.UUID("0b7f6a3e-5d1c-4f7a-8e2b-9c4d1a6f3e20")


def order_id_for(buyer_id: str, idempotency_key: str) -> str:
    """The id of the order a buyer's PlaceOrder key makes: a retry, even one that races the
    first call or follows a crash, names the same order, so it can only ever be placed once."""
    return str(uuid.uuid5(_ORDER_NAMESPACE, f"{buyer_id}\n{idempotency_key}"))


@dataclass(frozen=True)
class PlaceOrder:
    order_id: str
    buyer_id: str
    items: list[OrderItem]
    shipping_address: ShippingAddress
    attribution_token: str
    instrument: str
    at: datetime


async def place_order(
    command: PlaceOrder, prices: Prices, instruments: Instruments, runner: SagaRunner
) -> Order:
    catalog = await prices.of(command.items)
    order = Order.place(
        command.order_id,
        buyer_id=command.buyer_id,
        items=command.items,
        catalog=catalog,
        shipping_address=command.shipping_address,
        attribution_token=command.attribution_token,
        at=command.at,
    )
    await instruments.keep(order.id, command.instrument)
    await runner.start(order)
    return order


async def get_order(orders: OrderRepository, order_id: str, account_id: str) -> Order:
    """The order, if the caller is its buyer or seller; OrderNotFound otherwise."""
    try:
        order = await orders.get(order_id)
    except OrderNotFound:
        raise OrderNotFound(order_id) from None
    if not order.is_visible_to(account_id):
        raise OrderNotFound(order_id)
    return order


async def _buyers_order(orders: OrderRepository, order_id: str, buyer_id: str) -> Order:
    order = await get_order(orders, order_id, buyer_id)
    if order.buyer_id != buyer_id:
        raise OrderNotFound(order_id)
    return order


async def cancel_order(
    runner: SagaRunner, order_id: str, buyer_id: str, reason: str, at: datetime
) -> Order:
    await _buyers_order(runner.orders, order_id, buyer_id)
    await runner.react(BuyerCancelled(order_id, at, reason))
    return await runner.orders.get(order_id)


async def confirm_receipt(runner: SagaRunner, order_id: str, buyer_id: str, at: datetime) -> Order:
    await _buyers_order(runner.orders, order_id, buyer_id)
    await runner.react(BuyerConfirmed(order_id, at))
    return await runner.orders.get(order_id)


async def request_refund(
    runner: SagaRunner, order_id: str, buyer_id: str, reason: str, at: datetime
) -> Order:
    await _buyers_order(runner.orders, order_id, buyer_id)
    await runner.react(RefundRequested(order_id, at, reason))
    return await runner.orders.get(order_id)
