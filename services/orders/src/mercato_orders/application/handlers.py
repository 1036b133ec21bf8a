"""The buyer's commands and queries: load, decide, save; the saga runner does the rest.

Each command records its fact in `orders` when given (a repository inside the caller's
transaction, which also holds the idempotency key; the caller sends the saga's commands once it
has committed), else in the runner's own repository, sending the commands at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from mercato_orders.application.ports import Instruments, OrderStore
from mercato_orders.application.saga import SagaRunner
from mercato_orders.domain import CatalogItem, Order, OrderItem, OrderNotFound, ShippingAddress
from mercato_orders.domain.saga import BuyerCancelled, BuyerConfirmed, Fact, RefundRequested

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
    command: PlaceOrder,
    catalog: dict[str, CatalogItem],
    instruments: Instruments,
    runner: SagaRunner,
    orders: OrderStore | None = None,
) -> Order:
    """Place the order at `catalog`'s prices (what Prices.of said of its SKUs just before)."""
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
    if orders is None:
        await runner.start(order)
    else:
        await orders.save(order)
    return order


async def get_order(orders: OrderStore, order_id: str, account_id: str) -> Order:
    """The order, if the caller is its buyer or seller; OrderNotFound otherwise."""
    try:
        order = await orders.get(order_id)
    except OrderNotFound:
        raise OrderNotFound(order_id) from None
    if not order.is_visible_to(account_id):
        raise OrderNotFound(order_id)
    return order


async def cancel_order(
    runner: SagaRunner,
    order_id: str,
    buyer_id: str,
    reason: str,
    at: datetime,
    orders: OrderStore | None = None,
) -> Order:
    return await _buyers_action(runner, BuyerCancelled(order_id, at, reason), buyer_id, orders)


async def confirm_receipt(
    runner: SagaRunner,
    order_id: str,
    buyer_id: str,
    at: datetime,
    orders: OrderStore | None = None,
) -> Order:
    return await _buyers_action(runner, BuyerConfirmed(order_id, at), buyer_id, orders)


async def request_refund(
    runner: SagaRunner,
    order_id: str,
    buyer_id: str,
    reason: str,
    at: datetime,
    orders: OrderStore | None = None,
) -> Order:
    return await _buyers_action(runner, RefundRequested(order_id, at, reason), buyer_id, orders)


async def _buyers_action(
    runner: SagaRunner, fact: Fact, buyer_id: str, orders: OrderStore | None
) -> Order:
    repository = orders or runner.orders
    order = await get_order(repository, fact.order_id, buyer_id)
    if order.buyer_id != buyer_id:
        raise OrderNotFound(fact.order_id)
    if orders is None:
        await runner.react(fact)
    else:
        await runner.record(fact, orders)
    return await repository.get(fact.order_id)
