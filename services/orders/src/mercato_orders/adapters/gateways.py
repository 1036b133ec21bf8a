"""The saga's gateways over gRPC: a command becomes a request, the reply becomes a fact.

The calls carry the command's idempotency key and the orders service's own token (an app of
kind "service" with catalog:reserve, payments:capture and logistics:ship), from `credentials`.
A reply that says "already done" in another way is the same fact: a release of a reservation
that was committed is StockCommitted (the stock is sold; nothing is held), a refund of an order
never captured is a refund of nothing. Any other error (UNAVAILABLE, DEADLINE_EXCEEDED, ...) is
StepUnanswered: the sweep sends the command again, with the same key.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import grpc

from mercato.catalog.v1 import catalog_pb2 as catalog
from mercato.catalog.v1 import catalog_service_pb2 as catalog_api
from mercato.logistics.v1 import shipment_pb2 as logistics
from mercato.payments.v1 import payments_pb2 as payments
from mercato_kit.auth import ServiceCredentialsError
from mercato_kit.errors import Unavailable
from mercato_kit.money import Money
from mercato_kit.protobuf import money_message, money_of
from mercato_orders.application.ports import StepUnanswered
from mercato_orders.domain import CatalogItem, OrderItem
from mercato_orders.domain.saga import (
    CancelShipment,
    CapturePayment,
    CommitReservation,
    CreateShipment,
    EscrowReleased,
    Fact,
    PaymentCaptured,
    PaymentDeclined,
    PaymentRefunded,
    RefundPayment,
    ReleaseEscrow,
    ReleaseReservation,
    ReservationRejected,
    ReserveStock,
    ShipmentCancelled,
    ShipmentCreated,
    StockCommitted,
    StockReleased,
    StockReserved,
)

logger = logging.getLogger(__name__)

Metadata = Sequence[tuple[str, str]]
Credentials = Callable[[], Awaitable[Metadata]]
Clock = Callable[[], datetime]

SHOP_TIERS = {
    "standard": payments.SHOP_TIER_STANDARD,
    "flagship": payments.SHOP_TIER_FLAGSHIP,
}
_DECLINES = {
    payments.DECLINE_REASON_CARD_DECLINED: "card declined",
    payments.DECLINE_REASON_PROVIDER_TIMEOUT: "the payment provider did not answer",
    payments.DECLINE_REASON_PROVIDER_ERROR: "the payment provider failed",
    payments.DECLINE_REASON_UNKNOWN_INSTRUMENT: "unknown instrument",
}
_CALL_TIMEOUT_S = 10.0
_NOT_FOUND = frozenset({grpc.StatusCode.NOT_FOUND})
_REFUSED = frozenset({grpc.StatusCode.FAILED_PRECONDITION})
_NOT_FOUND_OR_DONE = frozenset({grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION})


# Replies -> facts.


def reservation_fact(order_id: str, reservation: catalog.Reservation, at: datetime) -> Fact:
    match reservation.status:
        case catalog.RESERVATION_STATUS_HELD:
            return StockReserved(order_id, at)
        case catalog.RESERVATION_STATUS_COMMITTED:
            return StockCommitted(order_id, at)
        case catalog.RESERVATION_STATUS_REJECTED:
            short = ", ".join(
                f"{s.sku_id}: {s.available} of {s.requested} available"
                for s in reservation.shortages
            )
            return ReservationRejected(order_id, at, short or "rejected")
        case _:
            # Released or expired: nothing is held any more.
            return StockReleased(order_id, at)


def capture_fact(order_id: str, payment: payments.Payment, at: datetime) -> Fact:
    if payment.status == payments.PAYMENT_STATUS_DECLINED:
        return PaymentDeclined(order_id, at, _DECLINES.get(payment.decline_reason, "declined"))
    return PaymentCaptured(order_id, at, money_of(payment.captured))


def refund_fact(command: RefundPayment, payment: payments.Payment, at: datetime) -> Fact:
    amounts = [r.amount for r in payment.refunds if r.refund_id == command.refund_id]
    amount = money_of(amounts[0]) if amounts else Money.zero(payment.amount.currency)
    return PaymentRefunded(command.order_id, at, amount)


def capture_request(command: CapturePayment, instrument: str) -> payments.CapturePaymentRequest:
    return payments.CapturePaymentRequest(
        idempotency_key=command.idempotency_key,
        order_id=command.order_id,
        buyer_id=command.buyer_id,
        seller_id=command.seller_id,
        shop_id=command.shop_id,
        shop_tier=SHOP_TIERS.get(command.shop_tier, payments.SHOP_TIER_UNSPECIFIED),
        amount=money_message(command.amount),
        instrument=instrument,
    )


def shipment_request(command: CreateShipment) -> logistics.CreateShipmentRequest:
    address = command.destination
    return logistics.CreateShipmentRequest(
        idempotency_key=command.idempotency_key,
        order_id=command.order_id,
        seller_id=command.seller_id,
        buyer_id=command.buyer_id,
        destination=logistics.Destination(
            region=address.region,
            city=address.city,
            postal_code=address.postal_code,
            street_address=address.street_address,
            recipient_name=address.recipient_name,
        ),
        parcel=logistics.Parcel(
            weight_grams=max(command.weight_grams, 1),
            declared_value=money_message(command.declared_value),
        ),
    )


# The gateways.


class GrpcCatalog:
    def __init__(self, stub: Any, credentials: Credentials, clock: Clock) -> None:
        self._stub = stub
        self._credentials = credentials
        self._clock = clock

    async def reserve(self, command: ReserveStock) -> Fact | None:
        request = catalog_api.ReserveStockRequest(
            idempotency_key=command.idempotency_key,
            order_id=command.order_id,
            lines=[catalog_api.ReserveLine(sku_id=s, quantity=q) for s, q in command.lines],
        )
        reply = await _call(self._stub.ReserveStock, request, self._credentials)
        return reservation_fact(command.order_id, reply.reservation, self._clock())

    async def commit(self, command: CommitReservation) -> Fact | None:
        request = catalog_api.CommitReservationRequest(
            idempotency_key=command.idempotency_key, order_id=command.order_id
        )
        reply = await _call(self._stub.CommitReservation, request, self._credentials)
        return reservation_fact(command.order_id, reply.reservation, self._clock())

    async def release(self, command: ReleaseReservation) -> Fact | None:
        request = catalog_api.ReleaseReservationRequest(
            idempotency_key=command.idempotency_key, order_id=command.order_id
        )
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
        request = payments.ReleaseEscrowRequest(
            idempotency_key=command.idempotency_key, order_id=command.order_id
        )
        await _call(self._stub.ReleaseEscrow, request, self._credentials)
        return EscrowReleased(command.order_id, self._clock())

    async def refund(self, command: RefundPayment) -> Fact | None:
        request = payments.RefundPaymentRequest(
            idempotency_key=command.idempotency_key,
            order_id=command.order_id,
            refund_id=command.refund_id,
            reason=command.reason[:200],
        )
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
        request = logistics.CancelShipmentRequest(
            idempotency_key=command.idempotency_key,
            order_id=command.order_id,
            reason=(command.reason or "order cancelled")[:200],
        )
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
    product) and GetShop of its shop (seller, tier), both public reads. A SKU catalog does not
    sell (unknown product, delisted, a SKU of another product, a closed shop) is left out, so
    Order.place refuses its line."""

    def __init__(self, stub: Any, credentials: Credentials) -> None:
        self._stub = stub
        self._credentials = credentials

    async def of(self, items: list[OrderItem]) -> dict[str, CatalogItem]:
        products = {item.product_id for item in items if item.product_id}
        on_sale: dict[str, CatalogItem] = {}
        shops: dict[str, catalog.Shop | None] = {}
        for product_id in sorted(products):
            product = await self._product(product_id)
            if product is None or product.status != catalog.PRODUCT_STATUS_ACTIVE:
                continue
            if product.shop_id not in shops:
                shops[product.shop_id] = await self._shop(product.shop_id)
            shop = shops[product.shop_id]
            if shop is None or shop.status != catalog.SHOP_STATUS_OPEN:
                continue
            for sku in product.skus:
                on_sale[sku.sku_id] = CatalogItem(
                    sku_id=sku.sku_id,
                    product_id=product.product_id,
                    title=product.title,
                    shop_id=product.shop_id,
                    seller_id=shop.seller_id,
                    shop_tier=CATALOG_TIERS.get(shop.tier, ""),
                    unit_price=money_of(sku.price),
                    weight_grams=sku.weight_grams,
                )
        return {
            item.sku_id: on_sale[item.sku_id]
            for item in items
            if item.sku_id in on_sale and on_sale[item.sku_id].product_id == item.product_id
        }

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


CATALOG_TIERS = {
    catalog.SHOP_TIER_STANDARD_BOOTH: "standard",
    catalog.SHOP_TIER_FLAGSHIP: "flagship",
}


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
