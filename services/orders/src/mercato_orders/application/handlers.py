"""The buyer's commands and the orders' queries: load, decide, save inside the caller's unit of
work; the saga runner does the rest.

A command records its fact in `uow.orders` (the transaction also holds the idempotency key); its
caller commits, then has the runner send what the order still needs (`SagaRunner.kick`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from mercato_kit.errors import NotFound
from mercato_orders.application.ports import OrdersUnitOfWork, Prices
from mercato_orders.domain import (
    CancelOrder,
    CatalogItem,
    ConfirmReceipt,
    Order,
    OrderNotFound,
    PlaceOrder,
    RequestRefund,
)
from mercato_orders.domain.saga import (
    BuyerCancelled,
    BuyerConfirmed,
    Fact,
    OrderSaga,
    RefundRequested,
)

_ORDER_NAMESPACE = uuid.UUID("0b7f6a3e-5d1c-4f7a-8e2b-9c4d1a6f3e20")


def order_id_for(buyer_id: str, idempotency_key: str) -> str:
    """The id of the order a buyer's PlaceOrder key makes: a retry, even one that races the
    first call or follows a crash, names the same order, so it can only ever be placed once."""
    return str(uuid.uuid5(_ORDER_NAMESPACE, f"{buyer_id}\n{idempotency_key}"))


async def place_order(
    command: PlaceOrder, uow: OrdersUnitOfWork, *, catalog: dict[str, CatalogItem]
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
    await uow.instruments.keep(order.id, command.instrument)
    await uow.orders.save(order)
    return order


async def cancel_order(command: CancelOrder, uow: OrdersUnitOfWork, *, saga: OrderSaga) -> Order:
    fact = BuyerCancelled(command.order_id, command.at, command.reason)
    return await _buyers_action(fact, command.buyer_id, uow, saga)


async def confirm_receipt(
    command: ConfirmReceipt, uow: OrdersUnitOfWork, *, saga: OrderSaga
) -> Order:
    fact = BuyerConfirmed(command.order_id, command.at)
    return await _buyers_action(fact, command.buyer_id, uow, saga)


async def request_refund(
    command: RequestRefund, uow: OrdersUnitOfWork, *, saga: OrderSaga
) -> Order:
    fact = RefundRequested(command.order_id, command.at, command.reason)
    return await _buyers_action(fact, command.buyer_id, uow, saga)


async def _buyers_action(
    fact: Fact, buyer_id: str, uow: OrdersUnitOfWork, saga: OrderSaga
) -> Order:
    order = await get_order(fact.order_id, uow, account_id=buyer_id)
    if order.buyer_id != buyer_id:
        raise OrderNotFound(fact.order_id)
    saga.handle(order, fact)
    await uow.orders.save(order)
    return order


async def get_any_order(order_id: str, uow: OrdersUnitOfWork) -> Order:
    """Any order (an operator's read); OrderNotFound when there is none."""
    return await uow.orders.get(order_id)


async def get_order(order_id: str, uow: OrdersUnitOfWork, *, account_id: str) -> Order:
    """The order, if the account is its buyer or seller; OrderNotFound otherwise."""
    try:
        order = await uow.orders.get(order_id)
    except OrderNotFound:
        raise OrderNotFound(order_id) from None
    if not order.is_visible_to(account_id):
        raise OrderNotFound(order_id)
    return order


@dataclass(frozen=True)
class OrderList:
    orders: list[Order]
    next_page_token: str


async def list_buyer_orders(
    buyer_id: str, uow: OrdersUnitOfWork, *, page_size: int, page_token: str
) -> OrderList:
    """A page of the buyer's orders, newest first."""
    page = await uow.orders.buyer_orders(buyer_id, page_size, page_token)
    return OrderList([await uow.orders.get(i) for i in page.order_ids], page.next_page_token)


async def list_shop_orders(
    shop_id: str,
    uow: OrdersUnitOfWork,
    *,
    seller_id: str,
    page_size: int,
    page_token: str,
    catalog: Prices,
) -> OrderList:
    """A page of the shop's orders, newest first, for its seller only: another seller's shop
    and an unknown one are the same NotFound, so the answer reveals nothing."""
    if await catalog.shop_seller(shop_id) != seller_id:
        raise NotFound(f"shop {shop_id} does not exist")
    page = await uow.orders.shop_orders(shop_id, page_size, page_token, seller_id=seller_id)
    return OrderList([await uow.orders.get(i) for i in page.order_ids], page.next_page_token)
