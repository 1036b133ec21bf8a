"""The saga's gateways over gRPC: a command becomes a request, the reply becomes a fact.

The calls carry the command's idempotency key and the orders service's own token (an app of
kind "service" with catalog:reserve, payments:capture and logistics:ship), from `credentials`.
A reply that says "already done" in another way is the same fact: a release of a reservation
that was committed is StockCommitted (the stock is sold; nothing is held), a refund of an order
never captured is a refund of nothing. Any other error (UNAVAILABLE, DEADLINE_EXCEEDED, ...) is
StepUnanswered: the sweep sends the command again, with the same key. Requests and replies are
mapped by the translator; what a handled error means stays here, beside the call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import grpc

from mercato.catalog.v1 import catalog_pb2 as catalog
from mercato.catalog.v1 import catalog_service_pb2 as catalog_api
from mercato_kit.auth import ServiceCredentialsError
from mercato_kit.errors import Unavailable
from mercato_kit.money import Money
from mercato_orders.adapters.translator import (
    cancel_shipment_request,
    capture_fact,
    capture_request,
    catalog_item,
    commit_request,
    refund_fact,
    refund_request,
    release_escrow_request,
    release_request,
    reservation_fact,
    reserve_request,
    shipment_request,
)
from mercato_orders.application.ports import StepUnanswered
from mercato_orders.domain import CatalogItem, OrderItem
from mercato_orders.domain.saga import (
    CancelShipment,
    CapturePayment,
    CommitReservation,
    CreateShipment,
    EscrowReleased,
    Fact,
    PaymentDeclined,
    PaymentRefunded,
    RefundPayment,
    ReleaseEscrow,
    ReleaseReservation,
    ReserveStock,
    ShipmentCancelled,
    ShipmentCreated,
    StockReleased,
)

logger = logging.getLogger(__name__)

Metadata = Sequence[tuple[str, str]]
Credentials = Callable[[], Awaitable[Metadata]]
Clock = Callable[[], datetime]

_CALL_TIMEOUT_S = 10.0
_NOT_FOUND = frozenset({grpc.StatusCode.NOT_FOUND})
_REFUSED = frozenset({grpc.StatusCode.FAILED_PRECONDITION})
_NOT_FOUND_OR_DONE = frozenset({grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION})


class GrpcCatalog:
    def __init__(self, stub: Any, credentials: Credentials, clock: Clock) -> None:
        self._stub = stub
        self._credentials = credentials
        self._clock = clock

    async def reserve(self, command: ReserveStock) -> Fact | None:
        request = reserve_request(command)
        reply = await _call(self._stub.ReserveStock, request, self._credentials)
        return reservation_fact(command.order_id, reply.reservation, self._clock())

    async def commit(self, command: CommitReservation) -> Fact | None:
        request = commit_request(command)
        reply = await _call(self._stub.CommitReservation, request, self._credentials)
        return reservation_fact(command.order_id, reply.reservation, self._clock())

    async def release(self, command: ReleaseReservation) -> Fact | None:
        request = release_request(command)
        try:
            reply = await _call(
                self._stub.ReleaseReservation, request, self._credentials, _NOT_FOUND_OR_DONE
            )
        except grpc.aio.AioRpcError:
            # NOT_FOUND: never reserved. FAILED_PRECONDITION: catalog will not give this stock
            # back; either way nothing more is held for the order.
            return StockReleased(command.order_id, self._clock())
        return reservation_fact(command.order_id, reply.reservation, self._clock())


class GrpcPayments:
    def __init__(
        self,
        stub: Any,
        credentials: Credentials,
        clock: Clock,
        instrument_of: Callable[[str], Awaitable[str]],
    ) -> None:
        self._stub = stub
        self._credentials = credentials
        self._clock = clock
        self._instrument_of = instrument_of

    async def capture(self, command: CapturePayment) -> Fact | None:
        request = capture_request(command, await self._instrument_of(command.order_id))
        try:
            reply = await _call(self._stub.CapturePayment, request, self._credentials, _REFUSED)
        except grpc.aio.AioRpcError as error:
            # FAILED_PRECONDITION: refused (the order was voided by its cancellation, or the
            # terms differ); payments took no money.
            return PaymentDeclined(command.order_id, self._clock(), error.details() or "refused")
        return capture_fact(command.order_id, reply.payment, self._clock())

    async def release_escrow(self, command: ReleaseEscrow) -> Fact | None:
        request = release_escrow_request(command)
        await _call(self._stub.ReleaseEscrow, request, self._credentials)
        return EscrowReleased(command.order_id, self._clock())

    async def refund(self, command: RefundPayment) -> Fact | None:
        request = refund_request(command)
        try:
            reply = await _call(self._stub.RefundPayment, request, self._credentials, _NOT_FOUND)
        except grpc.aio.AioRpcError:
            # NOT_FOUND: never captured, so there is nothing to give back.
            return PaymentRefunded(command.order_id, self._clock(), Money.zero(""))
        return refund_fact(command, reply.payment, self._clock())


class GrpcLogistics:
    def __init__(self, stub: Any, credentials: Credentials, clock: Clock) -> None:
        self._stub = stub
        self._credentials = credentials
        self._clock = clock

    async def create_shipment(self, command: CreateShipment) -> Fact | None:
        reply = await _call(self._stub.CreateShipment, shipment_request(command), self._credentials)
        return ShipmentCreated(command.order_id, self._clock(), reply.shipment.shipment_id)

    async def cancel_shipment(self, command: CancelShipment) -> Fact | None:
        request = cancel_shipment_request(command)
        try:
            await _call(self._stub.CancelShipment, request, self._credentials, _NOT_FOUND_OR_DONE)
        except grpc.aio.AioRpcError as error:
            # NOT_FOUND: no shipment was created, so none will leave. FAILED_PRECONDITION: the
            # carrier picked it up first; the order was cancelled before dispatch, so that is
            # the carrier's to bring back, and nothing more can be asked here.
            if error.code() == grpc.StatusCode.FAILED_PRECONDITION:
                logger.warning(
                    "shipment of a cancelled order was picked up first",
                    extra={"order_id": command.order_id},
                )
        return ShipmentCancelled(command.order_id, self._clock())


async def _call(
    method: Any,
    request: Any,
    credentials: Credentials,
    handled: frozenset[grpc.StatusCode] = frozenset(),
) -> Any:
    """The reply; an error the caller does not handle is StepUnanswered (sent again later, and
    given up by the step's timeout if it never succeeds)."""
    try:
        metadata = await credentials()
    except ServiceCredentialsError as error:
        raise StepUnanswered(f"no token for the orders service: {error}") from error
    try:
        return await method(request, metadata=metadata, timeout=_CALL_TIMEOUT_S)
    except grpc.aio.AioRpcError as error:
        if error.code() in handled:
            raise
        raise StepUnanswered(f"{error.code().name}: {error.details()}") from error


class CatalogPrices:
    """What catalog says now of the SKUs asked for: GetProduct of each line's product (once per
    product, all at once) and then GetShop of their shops (seller, tier; once per shop, all at
    once), both public reads. A SKU catalog does not
    sell (unknown product, delisted, a SKU of another product, a closed shop) is left out, so
    Order.place refuses its line."""

    def __init__(self, stub: Any, credentials: Credentials) -> None:
        self._stub = stub
        self._credentials = credentials

    async def of(self, items: list[OrderItem]) -> dict[str, CatalogItem]:
        product_ids = sorted({item.product_id for item in items if item.product_id})
        found = await asyncio.gather(*(self._product(product_id) for product_id in product_ids))
        products = [
            product
            for product in found
            if product is not None and product.status == catalog.PRODUCT_STATUS_ACTIVE
        ]
        shop_ids = sorted({product.shop_id for product in products})
        shops = dict(
            zip(shop_ids, await asyncio.gather(*(self._shop(i) for i in shop_ids)), strict=True)
        )
        on_sale: dict[str, CatalogItem] = {}
        for product in products:
            shop = shops[product.shop_id]
            if shop is None or shop.status != catalog.SHOP_STATUS_OPEN:
                continue
            for sku in product.skus:
                on_sale[sku.sku_id] = catalog_item(product, shop, sku)
        return {
            item.sku_id: on_sale[item.sku_id]
            for item in items
            if item.sku_id in on_sale and on_sale[item.sku_id].product_id == item.product_id
        }

    async def shop_seller(self, shop_id: str) -> str | None:
        shop = await self._shop(shop_id)
        return shop.seller_id if shop is not None else None

    async def _product(self, product_id: str) -> catalog.Product | None:
        request = catalog_api.GetProductRequest(product_id=product_id)
        try:
            reply = await _read(self._stub.GetProduct, request, self._credentials)
        except grpc.aio.AioRpcError:
            return None
        product: catalog.Product = reply.product
        return product

    async def _shop(self, shop_id: str) -> catalog.Shop | None:
        try:
            reply = await _read(
                self._stub.GetShop, catalog_api.GetShopRequest(shop_id=shop_id), self._credentials
            )
        except grpc.aio.AioRpcError:
            return None
        shop: catalog.Shop = reply.shop
        return shop


class CatalogUnavailable(Unavailable):
    """Catalog could not say what the SKUs cost: the order cannot be priced now."""


async def _read(method: Any, request: Any, credentials: Credentials) -> Any:
    """A read whose NOT_FOUND the caller handles; any other failure means catalog cannot
    price the order now (UNAVAILABLE to the buyer, who may retry with the same key)."""
    try:
        metadata = await credentials()
    except ServiceCredentialsError as error:
        raise CatalogUnavailable("the orders service cannot reach identity; try again") from error
    try:
        return await method(request, metadata=metadata, timeout=_CALL_TIMEOUT_S)
    except grpc.aio.AioRpcError as error:
        if error.code() == grpc.StatusCode.NOT_FOUND:
            raise
        raise CatalogUnavailable(
            f"catalog did not answer ({error.code().name}); try again with the same key"
        ) from error
