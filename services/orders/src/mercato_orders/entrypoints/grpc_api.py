"""The gRPC servicer: requests -> the buyer's commands in one transaction -> responses.

A mutating RPC records its fact inside `idempotent(...)` in one unit of work (per buyer: the
scope names the buyer, so two buyers' keys never meet), then, once committed, the saga sends
what the order still needs. PlaceOrder asks catalog for the prices first, outside the
transaction; the order's id is derived from the buyer and the key, so a retry, even one racing
the first call, can only name the same order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import grpc
from google.protobuf.message import Message

from mercato.orders.v1 import orders_pb2 as pb
from mercato.orders.v1 import orders_pb2_grpc
from mercato_kit.auth import Caller, require_caller, requires
from mercato_kit.errors import PermissionDenied
from mercato_kit.idempotency import run_once
from mercato_kit.store import SqlUnitOfWork
from mercato_orders.adapters.store import SessionOrders, SqlOrders, keep_instrument
from mercato_orders.adapters.translator import (
    OrderTranslator,
    order_items,
    order_message,
    shipping_address,
    timeline_messages,
)
from mercato_orders.application.handlers import (
    PlaceOrder,
    cancel_order,
    confirm_receipt,
    get_order,
    order_id_for,
    place_order,
    request_refund,
)
from mercato_orders.application.ports import Prices
from mercato_orders.application.saga import SagaRunner
from mercato_orders.domain import Order

R = TypeVar("R", bound=Message)

READ = "orders:read"
WRITE = "orders:write"


class _SessionInstruments:
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def keep(self, order_id: str, instrument: str) -> None:
        await keep_instrument(self._uow.session, order_id, instrument)


class OrderService(orders_pb2_grpc.OrderServiceServicer):
    """Requests arrive authenticated and validated (the kit's edge); domain errors leave as
    status codes."""

    def __init__(
        self,
        unit_of_work: Callable[[], SqlUnitOfWork],
        orders: SqlOrders,
        prices: Prices,
        runner: SagaRunner,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._unit_of_work = unit_of_work
        self._orders = orders
        self._prices = prices
        self._runner = runner
        self._clock = clock
        self._translator = OrderTranslator()

    async def _once(
        self,
        command: str,
        buyer_id: str,
        request: Message,
        key: str,
        response_type: type[R],
        decide: Callable[[SqlUnitOfWork, SessionOrders], Awaitable[R]],
    ) -> R:
        """`decide` in one unit of work, at most once per (buyer, key); retried on conflict."""

        async def in_unit(uow: SqlUnitOfWork) -> R:
            return await decide(uow, self._orders.within(uow.session))

        return await run_once(
            self._unit_of_work, f"orders.{command}", request, response_type, in_unit, key=key
        )

    @requires(WRITE)
    async def PlaceOrder(
        self, request: pb.PlaceOrderRequest, context: grpc.aio.ServicerContext
    ) -> pb.PlaceOrderResponse:
        buyer_id = _buyer(require_caller())
        command = PlaceOrder(
            order_id=order_id_for(buyer_id, request.idempotency_key),
            buyer_id=buyer_id,
            items=order_items(request),
            shipping_address=shipping_address(request.shipping_address),
            attribution_token=request.attribution_token,
            instrument=request.instrument,
            at=self._clock(),
        )
        catalog = await self._prices.of(command.items)

        async def place(uow: SqlUnitOfWork, orders: SessionOrders) -> pb.PlaceOrderResponse:
            order = await place_order(
                command, catalog, _SessionInstruments(uow), self._runner, orders
            )
            return pb.PlaceOrderResponse(order_id=order.id, status=order_message(order).status)

        response = await self._once(
            "PlaceOrder", buyer_id, request, request.idempotency_key, pb.PlaceOrderResponse, place
        )
        await self._runner.kick(response.order_id)
        return response

    @requires(READ)
    async def GetOrder(
        self, request: pb.GetOrderRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetOrderResponse:
        order = await get_order(self._orders, request.order_id, _account(require_caller()))
        return pb.GetOrderResponse(
            order=order_message(order), timeline=timeline_messages(order, self._translator)
        )

    @requires(READ)
    async def ListBuyerOrders(
        self, request: pb.ListBuyerOrdersRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListBuyerOrdersResponse:
        buyer_id = _account(require_caller())
        page = await self._orders.buyer_orders(buyer_id, request.page_size, request.page_token)
        return pb.ListBuyerOrdersResponse(
            orders=[order_message(order) for order in await self._load(page.order_ids)],
            next_page_token=page.next_page_token,
        )

    @requires(READ)
    async def ListShopOrders(
        self, request: pb.ListShopOrdersRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListShopOrdersResponse:
        seller_id = _account(require_caller())
        page = await self._orders.shop_orders(
            request.shop_id, request.page_size, request.page_token, seller_id=seller_id
        )
        return pb.ListShopOrdersResponse(
            orders=[order_message(order) for order in await self._load(page.order_ids)],
            next_page_token=page.next_page_token,
        )

    @requires(WRITE)
    async def ConfirmReceipt(
        self, request: pb.ConfirmReceiptRequest, context: grpc.aio.ServicerContext
    ) -> pb.ConfirmReceiptResponse:
        buyer_id = _buyer(require_caller())

        async def confirm(uow: SqlUnitOfWork, orders: SessionOrders) -> pb.ConfirmReceiptResponse:
            order = await confirm_receipt(
                self._runner, request.order_id, buyer_id, self._clock(), orders
            )
            return pb.ConfirmReceiptResponse(order=order_message(order))

        response = await self._once(
            "ConfirmReceipt",
            buyer_id,
            request,
            request.idempotency_key,
            pb.ConfirmReceiptResponse,
            confirm,
        )
        await self._runner.kick(request.order_id)
        return response

    @requires(WRITE)
    async def CancelOrder(
        self, request: pb.CancelOrderRequest, context: grpc.aio.ServicerContext
    ) -> pb.CancelOrderResponse:
        buyer_id = _buyer(require_caller())
        reason = request.reason or "cancelled by the buyer"

        async def cancel(uow: SqlUnitOfWork, orders: SessionOrders) -> pb.CancelOrderResponse:
            order = await cancel_order(
                self._runner, request.order_id, buyer_id, reason, self._clock(), orders
            )
            return pb.CancelOrderResponse(order=order_message(order))

        response = await self._once(
            "CancelOrder",
            buyer_id,
            request,
            request.idempotency_key,
            pb.CancelOrderResponse,
            cancel,
        )
        await self._runner.kick(request.order_id)
        return response

    @requires(WRITE)
    async def RequestRefund(
        self, request: pb.RequestRefundRequest, context: grpc.aio.ServicerContext
    ) -> pb.RequestRefundResponse:
        buyer_id = _buyer(require_caller())

        async def refund(uow: SqlUnitOfWork, orders: SessionOrders) -> pb.RequestRefundResponse:
            order = await request_refund(
                self._runner, request.order_id, buyer_id, request.reason, self._clock(), orders
            )
            return pb.RequestRefundResponse(order=order_message(order))

        response = await self._once(
            "RequestRefund",
            buyer_id,
            request,
            request.idempotency_key,
            pb.RequestRefundResponse,
            refund,
        )
        await self._runner.kick(request.order_id)
        return response

    async def _load(self, order_ids: list[str]) -> list[Order]:
        return [await self._orders.get(order_id) for order_id in order_ids]


def _account(caller: Caller) -> str:
    """The account the caller is, or acts for."""
    if caller.kind == "account":
        return caller.subject
    if caller.on_behalf_of:
        return caller.on_behalf_of
    raise PermissionDenied("orders are read and placed by accounts, or apps acting for one")


def _buyer(caller: Caller) -> str:
    """The buyer placing or acting on an order: a buyer account, or an app acting for one."""
    if caller.kind == "account" and "buyer" not in caller.roles:
        raise PermissionDenied("only buyers place and act on orders")
    return _account(caller)
