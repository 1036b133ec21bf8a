"""The gRPC servicer: requests -> the buyer's commands in one transaction -> responses.

A mutating RPC records its fact through `run_once(...)` in one orders unit of work (the kit
scopes the idempotency key per caller, so two buyers' keys never meet), then, once committed,
the saga sends what the order still needs. PlaceOrder is admitted first (`Admission`: refused,
RESOURCE_EXHAUSTED, while too many orders are in flight), then asks catalog for the prices,
outside the transaction; the order's id is derived from the buyer and the key, so a retry, even
one racing the first call, can only name the same order. Queries read in a read-only unit of
work.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import grpc

from mercato.orders.v1 import orders_pb2 as pb
from mercato.orders.v1 import orders_pb2_grpc
from mercato_kit.auth import Caller, require_caller, requires
from mercato_kit.errors import PermissionDenied
from mercato_kit.idempotency import run_once
from mercato_orders.adapters.translator import (
    OrderTranslator,
    cancel_order_command,
    confirm_receipt_command,
    order_message,
    place_order_command,
    request_refund_command,
    timeline_messages,
)
from mercato_orders.adapters.unit_of_work import SqlOrdersUnitOfWork
from mercato_orders.application.admission import Admission
from mercato_orders.application.handlers import (
    cancel_order,
    confirm_receipt,
    get_any_order,
    get_order,
    list_buyer_orders,
    list_shop_orders,
    order_id_for,
    place_order,
    request_refund,
)
from mercato_orders.application.ports import Prices
from mercato_orders.application.saga import SagaRunner
from mercato_orders.domain import Order
from mercato_orders.domain.saga import OrderSaga

READ = "orders:read"
WRITE = "orders:write"

_BuyersRequest = pb.ConfirmReceiptRequest | pb.CancelOrderRequest | pb.RequestRefundRequest
_OrderResponse = TypeVar(
    "_OrderResponse", pb.ConfirmReceiptResponse, pb.CancelOrderResponse, pb.RequestRefundResponse
)


class OrderService(orders_pb2_grpc.OrderServiceServicer):
    """Requests arrive authenticated and validated (the kit's edge); domain errors leave as
    status codes.

    `units` makes the orders unit of work (`read_only=True` for queries); `prices` asks catalog
    what the SKUs cost; `runner` sends what an order needs once the RPC's transaction has
    committed; `saga` decides what a buyer's action does to the order; `admission` lets a
    new order in, or refuses it while too many are in flight."""

    def __init__(
        self,
        units: Callable[..., SqlOrdersUnitOfWork],
        prices: Prices,
        runner: SagaRunner,
        saga: OrderSaga,
        admission: Admission,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._units = units
        self._prices = prices
        self._runner = runner
        self._saga = saga
        self._admission = admission
        self._clock = clock
        self._translator = OrderTranslator()

    @requires(WRITE)
    async def PlaceOrder(
        self, request: pb.PlaceOrderRequest, context: grpc.aio.ServicerContext
    ) -> pb.PlaceOrderResponse:
        buyer_id = _buyer(require_caller())
        command = place_order_command(
            request,
            order_id=order_id_for(buyer_id, request.idempotency_key),
            buyer_id=buyer_id,
            at=self._clock(),
        )
        decided: list[Order] = []
        async with self._admission.admit():
            catalog = await self._prices.of(command.items)

            async def place(uow: SqlOrdersUnitOfWork) -> pb.PlaceOrderResponse:
                order = await place_order(command, uow, catalog=catalog)
                decided.append(order)
                return pb.PlaceOrderResponse(order_id=order.id, status=order_message(order).status)

            response = await run_once(
                self._units, "orders.PlaceOrder", request, pb.PlaceOrderResponse, place
            )
        await self._proceed(response.order_id, decided)
        return response

    @requires(READ)
    async def GetOrder(
        self, request: pb.GetOrderRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetOrderResponse:
        caller = require_caller()
        async with self._units(read_only=True) as uow:
            if caller.kind == "account" and "operator" in caller.roles:
                order = await get_any_order(request.order_id, uow)
            else:
                order = await get_order(request.order_id, uow, account_id=_account(caller))
        return pb.GetOrderResponse(
            order=order_message(order), timeline=timeline_messages(order, self._translator)
        )

    @requires(READ)
    async def ListBuyerOrders(
        self, request: pb.ListBuyerOrdersRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListBuyerOrdersResponse:
        buyer_id = _account(require_caller())
        async with self._units(read_only=True) as uow:
            found = await list_buyer_orders(
                buyer_id, uow, page_size=request.page_size, page_token=request.page_token
            )
        return pb.ListBuyerOrdersResponse(
            orders=[order_message(order) for order in found.orders],
            next_page_token=found.next_page_token,
        )

    @requires(READ)
    async def ListShopOrders(
        self, request: pb.ListShopOrdersRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListShopOrdersResponse:
        seller_id = _account(require_caller())
        async with self._units(read_only=True) as uow:
            found = await list_shop_orders(
                request.shop_id,
                uow,
                seller_id=seller_id,
                page_size=request.page_size,
                page_token=request.page_token,
                catalog=self._prices,
            )
        return pb.ListShopOrdersResponse(
            orders=[order_message(order) for order in found.orders],
            next_page_token=found.next_page_token,
        )

    @requires(WRITE)
    async def ConfirmReceipt(
        self, request: pb.ConfirmReceiptRequest, context: grpc.aio.ServicerContext
    ) -> pb.ConfirmReceiptResponse:
        command = confirm_receipt_command(
            request, buyer_id=_buyer(require_caller()), at=self._clock()
        )
        return await self._buyers_action(
            "orders.ConfirmReceipt",
            request,
            pb.ConfirmReceiptResponse,
            lambda uow: confirm_receipt(command, uow, saga=self._saga),
        )

    @requires(WRITE)
    async def CancelOrder(
        self, request: pb.CancelOrderRequest, context: grpc.aio.ServicerContext
    ) -> pb.CancelOrderResponse:
        command = cancel_order_command(request, buyer_id=_buyer(require_caller()), at=self._clock())
        return await self._buyers_action(
            "orders.CancelOrder",
            request,
            pb.CancelOrderResponse,
            lambda uow: cancel_order(command, uow, saga=self._saga),
        )

    @requires(WRITE)
    async def RequestRefund(
        self, request: pb.RequestRefundRequest, context: grpc.aio.ServicerContext
    ) -> pb.RequestRefundResponse:
        command = request_refund_command(
            request, buyer_id=_buyer(require_caller()), at=self._clock()
        )
        return await self._buyers_action(
            "orders.RequestRefund",
            request,
            pb.RequestRefundResponse,
            lambda uow: request_refund(command, uow, saga=self._saga),
        )

    async def _buyers_action(
        self,
        command: str,
        request: _BuyersRequest,
        response_type: type[_OrderResponse],
        act: Callable[[SqlOrdersUnitOfWork], Awaitable[Order]],
    ) -> _OrderResponse:
        """A buyer's action on an order: `act` (its handler) through run_once, the order in
        the response; then the saga sends what the order now needs."""

        decided: list[Order] = []

        async def decide(uow: SqlOrdersUnitOfWork) -> _OrderResponse:
            order = await act(uow)
            decided.append(order)
            return response_type(order=order_message(order))

        response = await run_once(self._units, command, request, response_type, decide)
        await self._proceed(request.order_id, decided)
        return response

    async def _proceed(self, order_id: str, decided: list[Order]) -> None:
        """Once the RPC's transaction has committed, have the saga send what the order needs:
        from the order this call decided (the last attempt's), or, for a replayed key, as
        loaded."""
        if decided:
            await self._runner.proceed(decided[-1])
        else:
            await self._runner.kick(order_id)


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
