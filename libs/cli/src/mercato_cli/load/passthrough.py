"""The pass-through fabric: Mercato's processes, gRPC hops and Kafka topics per order, with no
business, database, outbox or authentication work. `mercato load --topology passthrough` (and
`--baseline`) starts this module once per role (`python -m mercato_cli.load.passthrough
<role>`); what it measures there is the floor under Mercato's own code on the same machine.

One order's hops in Mercato (services/orders: entrypoints/grpc_api.py, application/saga.py,
adapters/gateways.py; domain/saga.py's table), each copied here as the same RPC or the same
event, in the same order, from the same process:

    client   -> orders     PlaceOrder
    orders   -> catalog    GetProduct (each product of the order), GetShop (each shop)
    orders   => Kafka      mercato.orders.order        OrderPlaced; PlaceOrder answers
    orders   -> catalog    ReserveStock         catalog => mercato.catalog.reservation StockReserved
    orders   => Kafka      mercato.orders.order        OrderConfirmed
    orders   -> payments   CapturePayment       payments => mercato.payments.payment
                                                         PaymentCaptured, ProcessingFeeCharged
    orders   => Kafka      mercato.orders.order        OrderPaid
    orders   -> catalog    CommitReservation    catalog => ReservationCommitted
    orders   -> logistics  CreateShipment       logistics => mercato.logistics.shipment
                                                         ShipmentCreated
    orders   => Kafka      mercato.orders.order        OrderStockCommitted, OrderShipmentCreated
    orders   <= Kafka      the catalog, payments and logistics events above (each fact
                           arrives twice in Mercato: the gRPC reply and the event); consumed
                           as group `<prefix>.orders`, committed, otherwise ignored
    ledger   <= Kafka      mercato.payments.payment (and the ledger's other money topics) as
                           group `<prefix>.ledger`, committed after each batch ("posted")

Each event is a real envelope (kit's EventEnvelope and Kafka mapping, keyed by its aggregate)
whose payload is the named message with its order id, padded with an unknown field to the
size the event has in Mercato (`EVENT_BYTES`, the sizes `mercato load` reports per event
type), produced with the kit's producer without waiting for the acknowledgement (Mercato's
RPCs answer before their outbox relay publishes). Identity, the carriers and the relays have
no counterpart: nothing per order passes through them within a run.

Settings (environment): `PASSTHROUGH_<ROLE>_ADDR` for every role (where it listens, and where
the others call it), `PASSTHROUGH_GROUP_PREFIX`, `KAFKA_BOOTSTRAP_SERVERS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import secrets
import signal
import sys
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import grpc
from aiokafka import AIOKafkaConsumer
from google.protobuf import symbol_database
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from mercato.catalog.v1 import (
    catalog_pb2,
    catalog_service_pb2,
    catalog_service_pb2_grpc,
)
from mercato.catalog.v1 import events_pb2 as catalog_events
from mercato.common.v1 import money_pb2
from mercato.logistics.v1 import events_pb2 as logistics_events
from mercato.logistics.v1 import shipment_pb2, shipment_pb2_grpc
from mercato.orders.v1 import events_pb2 as orders_events
from mercato.orders.v1 import orders_pb2, orders_pb2_grpc
from mercato.payments.v1 import payments_pb2, payments_pb2_grpc
from mercato_kit.events import EventEnvelope, TopicSpec, to_kafka_record, topic_for
from mercato_kit.messaging import create_producer, ensure_topics

__all__ = ["EVENT_BYTES", "ROLES"]

logger = logging.getLogger(__name__)

ROLES = ("ledger", "catalog", "payments", "logistics", "orders")
"""Started in this order: each role's callees before it."""

_ORDERS, _RESERVATION = topic_for("orders.order"), topic_for("catalog.reservation")
_PAYMENT, _SHIPMENT = topic_for("payments.payment"), topic_for("logistics.shipment")
_LEDGER_TOPICS = tuple(
    topic_for(kind)
    for kind in (
        "payments.payment",
        "payments.payout",
        "payments.budget",
        "payments.app_charge",
        "payments.vendor_payout",
        "marketing.click",
        "marketing.conversion",
        "marketing.payout",
    )
)
EVENT_BYTES: dict[str, int] = {
    orders_events.OrderPlaced.DESCRIPTOR.full_name: 653,
    orders_events.OrderConfirmed.DESCRIPTOR.full_name: 469,
    orders_events.OrderPaid.DESCRIPTOR.full_name: 479,
    orders_events.OrderStockCommitted.DESCRIPTOR.full_name: 368,
    orders_events.OrderShipmentCreated.DESCRIPTOR.full_name: 404,
    catalog_events.StockReserved.DESCRIPTOR.full_name: 442,
    catalog_events.ReservationCommitted.DESCRIPTOR.full_name: 442,
    payments_pb2.PaymentCaptured.DESCRIPTOR.full_name: 520,
    payments_pb2.ProcessingFeeCharged.DESCRIPTOR.full_name: 434,
    logistics_events.ShipmentCreated.DESCRIPTOR.full_name: 554,
}
"""Each event's size on Kafka in Mercato (the envelope, bytes) for an order of one line, as
`mercato load` reported it (its JSON's `events`); an event already larger is left as it is."""
_PAD_FIELD = 1000  # an unknown field: every reader of the payload skips it
_CALL_TIMEOUT_S = 30.0


def _pad(payload: bytes, extra: int) -> bytes:
    """`payload` with an unknown length-delimited field making it about `extra` bytes longer."""
    if extra <= 4:
        return payload
    tag = (_PAD_FIELD << 3) | 2
    body = b"\0" * (extra - 4)

    def varint(value: int) -> bytes:
        out = bytearray()
        while True:
            byte = value & 0x7F
            value >>= 7
            out.append(byte | (0x80 if value else 0))
            if not value:
                return bytes(out)

    return payload + varint(tag) + varint(len(body)) + body


class Emitter:
    """Events of the same type, size and topic as Mercato's, fire and forget."""

    def __init__(self, producer: Any, name: str) -> None:
        self._producer = producer
        self._name = name
        self._database = symbol_database.Default()

    async def emit(
        self, topic: str, event_type: str, aggregate_id: str, order_id: str, **fields: Any
    ) -> None:
        message: Any = self._database.GetSymbol(event_type)()
        if "order_id" in message.DESCRIPTOR.fields_by_name:
            message.order_id = order_id
        for name, value in fields.items():
            setattr(message, name, value)
        envelope = EventEnvelope(
            event_id=str(uuid.uuid4()),
            event_type=event_type,
            aggregate_type=topic.removeprefix("mercato."),
            aggregate_id=aggregate_id,
            aggregate_version=1,
            occurred_at=datetime.now(UTC),
            correlation_id=str(uuid.uuid4()),
            causation_id=str(uuid.uuid4()),
            producer=self._name,
            traceparent=f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01",
            payload=message.SerializeToString(),
        )
        extra = EVENT_BYTES.get(event_type, 0) - len(envelope.to_bytes())
        if extra > 4:
            envelope = dataclasses.replace(envelope, payload=_pad(envelope.payload, extra))
        record = to_kafka_record(envelope, topic)
        await self._producer.send(
            record.topic, record.value, key=record.key, headers=list(record.headers)
        )


def _timestamp() -> Timestamp:
    stamp = Timestamp()
    stamp.GetCurrentTime()
    return stamp


class Catalog(catalog_service_pb2_grpc.CatalogServiceServicer):
    def __init__(self, events: Emitter) -> None:
        self.events = events

    async def GetProduct(self, request: Any, context: Any) -> Any:  # noqa: N802 (gRPC's name)
        price = money_pb2.Money(currency="CNY", minor_units=19900)
        product = catalog_pb2.Product(
            product_id=request.product_id,
            shop_id=str(uuid.uuid5(uuid.NAMESPACE_URL, request.product_id[:8])),
            seller_id=str(uuid.uuid5(uuid.NAMESPACE_DNS, request.product_id[:8])),
            title="Silk scarf",
            description="Silk scarf, sold by Demo Booth 1.",
            skus=[
                catalog_pb2.Sku(
                    sku_id=str(uuid.uuid4()),
                    code=f"G01-V{n}",
                    attributes=[catalog_pb2.Attribute(name="colour", value="jade")],
                    price=price,
                    available=100000,
                    weight_grams=120,
                )
                for n in range(2)
            ],
            status=catalog_pb2.PRODUCT_STATUS_ACTIVE,
            listed_at=_timestamp(),
            version=3,
        )
        return catalog_service_pb2.GetProductResponse(product=product)

    async def GetShop(self, request: Any, context: Any) -> Any:  # noqa: N802
        shop = catalog_pb2.Shop(
            shop_id=request.shop_id,
            seller_id=str(uuid.uuid5(uuid.NAMESPACE_DNS, request.shop_id[:8])),
            name="Demo Booth 1",
            description="A shop of the Mercato demo.",
            tier=catalog_pb2.SHOP_TIER_STANDARD_BOOTH,
            status=catalog_pb2.SHOP_STATUS_OPEN,
            opened_at=_timestamp(),
            version=1,
        )
        return catalog_service_pb2.GetShopResponse(shop=shop)

    async def ReserveStock(self, request: Any, context: Any) -> Any:  # noqa: N802
        reservation = _reservation(request.order_id, request.lines)
        await self.events.emit(
            _RESERVATION,
            catalog_events.StockReserved.DESCRIPTOR.full_name,
            reservation.reservation_id,
            request.order_id,
        )
        return catalog_service_pb2.ReserveStockResponse(reservation=reservation)

    async def CommitReservation(self, request: Any, context: Any) -> Any:  # noqa: N802
        reservation = _reservation(request.order_id, ())
        await self.events.emit(
            _RESERVATION,
            catalog_events.ReservationCommitted.DESCRIPTOR.full_name,
            reservation.reservation_id,
            request.order_id,
        )
        return catalog_service_pb2.CommitReservationResponse(reservation=reservation)


def _reservation(order_id: str, lines: Iterable[Any]) -> Any:
    return catalog_pb2.Reservation(
        reservation_id=str(uuid.uuid5(uuid.NAMESPACE_OID, order_id)),
        order_id=order_id,
        status=catalog_pb2.RESERVATION_STATUS_HELD,
        lines=[
            catalog_pb2.ReservationLine(sku_id=line.sku_id, quantity=line.quantity)
            for line in lines
        ],
        created_at=_timestamp(),
        expires_at=_timestamp(),
        version=1,
    )


class Payments(payments_pb2_grpc.PaymentServiceServicer):
    def __init__(self, events: Emitter) -> None:
        self.events = events

    async def CapturePayment(self, request: Any, context: Any) -> Any:  # noqa: N802
        payment_id = str(uuid.uuid5(uuid.NAMESPACE_OID, f"payment:{request.order_id}"))
        for kind in (payments_pb2.PaymentCaptured, payments_pb2.ProcessingFeeCharged):
            await self.events.emit(
                _PAYMENT, kind.DESCRIPTOR.full_name, payment_id, request.order_id
            )
        payment = payments_pb2.Payment(
            order_id=request.order_id,
            buyer_id=request.buyer_id,
            seller_id=request.seller_id,
            shop_id=request.shop_id,
            shop_tier=request.shop_tier,
            status=payments_pb2.PAYMENT_STATUS_CAPTURED,
            amount=request.amount,
            charge_id=payment_id,
            captured=request.amount,
            in_escrow=request.amount,
        )
        return payments_pb2.CapturePaymentResponse(payment=payment)


class Logistics(shipment_pb2_grpc.ShipmentServiceServicer):
    def __init__(self, events: Emitter) -> None:
        self.events = events

    async def CreateShipment(self, request: Any, context: Any) -> Any:  # noqa: N802
        shipment_id = str(uuid.uuid5(uuid.NAMESPACE_OID, f"shipment:{request.order_id}"))
        await self.events.emit(
            _SHIPMENT,
            logistics_events.ShipmentCreated.DESCRIPTOR.full_name,
            shipment_id,
            request.order_id,
        )
        shipment = shipment_pb2.Shipment(
            shipment_id=shipment_id,
            order_id=request.order_id,
            seller_id=request.seller_id,
            buyer_id=request.buyer_id,
            status=shipment_pb2.SHIPMENT_STATUS_CREATED,
            destination=request.destination,
            parcel=request.parcel,
            version=1,
        )
        return shipment_pb2.CreateShipmentResponse(shipment=shipment)


class Orders(orders_pb2_grpc.OrderServiceServicer):
    def __init__(self, events: Emitter, channels: dict[str, grpc.aio.Channel]) -> None:
        self.events = events
        self.catalog = catalog_service_pb2_grpc.CatalogServiceStub(channels["catalog"])  # type: ignore[no-untyped-call]
        self.payments = payments_pb2_grpc.PaymentServiceStub(channels["payments"])  # type: ignore[no-untyped-call]
        self.logistics = shipment_pb2_grpc.ShipmentServiceStub(channels["logistics"])  # type: ignore[no-untyped-call]
        self.tasks: set[asyncio.Task[None]] = set()

    async def PlaceOrder(self, request: Any, context: Any) -> Any:  # noqa: N802
        order_id = str(uuid.uuid4())
        shops: dict[str, str] = {}
        for product_id in sorted({line.product_id for line in request.lines}):
            product = (
                await self.catalog.GetProduct(
                    catalog_service_pb2.GetProductRequest(product_id=product_id),
                    timeout=_CALL_TIMEOUT_S,
                )
            ).product
            if product.shop_id not in shops:
                shop = await self.catalog.GetShop(
                    catalog_service_pb2.GetShopRequest(shop_id=product.shop_id),
                    timeout=_CALL_TIMEOUT_S,
                )
                shops[product.shop_id] = shop.shop.seller_id
        await self._order_event(orders_events.OrderPlaced, order_id)
        task = asyncio.create_task(self._saga(order_id, request, next(iter(shops.values()))))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return orders_pb2.PlaceOrderResponse(
            order_id=order_id, status=orders_pb2.ORDER_STATUS_PLACED
        )

    async def _order_event(self, kind: Any, order_id: str) -> None:
        await self.events.emit(_ORDERS, kind.DESCRIPTOR.full_name, order_id, order_id)

    async def _saga(self, order_id: str, request: Any, seller_id: str) -> None:
        try:
            await self._steps(order_id, request, seller_id)
        except grpc.aio.AioRpcError:
            logger.exception("pass-through saga step failed", extra={"order_id": order_id})

    async def _steps(self, order_id: str, request: Any, seller_id: str) -> None:
        key = f"orders:{order_id}"
        await self.catalog.ReserveStock(
            catalog_service_pb2.ReserveStockRequest(
                idempotency_key=f"{key}:reserve",
                order_id=order_id,
                lines=[
                    catalog_service_pb2.ReserveLine(sku_id=line.sku_id, quantity=line.quantity)
                    for line in request.lines
                ],
            ),
            timeout=_CALL_TIMEOUT_S,
        )
        await self._order_event(orders_events.OrderConfirmed, order_id)
        buyer_id = str(uuid.uuid4())
        await self.payments.CapturePayment(
            payments_pb2.CapturePaymentRequest(
                idempotency_key=f"{key}:capture",
                order_id=order_id,
                buyer_id=buyer_id,
                seller_id=seller_id,
                shop_id=str(uuid.uuid4()),
                shop_tier=payments_pb2.SHOP_TIER_STANDARD,
                amount=money_pb2.Money(currency="CNY", minor_units=19900),
                instrument=request.instrument,
            ),
            timeout=_CALL_TIMEOUT_S,
        )
        await self._order_event(orders_events.OrderPaid, order_id)
        await asyncio.gather(
            self.catalog.CommitReservation(
                catalog_service_pb2.CommitReservationRequest(
                    idempotency_key=f"{key}:commit", order_id=order_id
                ),
                timeout=_CALL_TIMEOUT_S,
            ),
            self.logistics.CreateShipment(
                shipment_pb2.CreateShipmentRequest(
                    idempotency_key=f"{key}:ship",
                    order_id=order_id,
                    seller_id=seller_id,
                    buyer_id=buyer_id,
                    destination=shipment_pb2.Destination(
                        region=request.shipping_address.region,
                        city=request.shipping_address.city,
                        postal_code=request.shipping_address.postal_code,
                        street_address=request.shipping_address.street_address,
                        recipient_name=request.shipping_address.recipient_name,
                    ),
                    parcel=shipment_pb2.Parcel(weight_grams=120),
                ),
                timeout=_CALL_TIMEOUT_S,
            ),
        )
        await self._order_event(orders_events.OrderStockCommitted, order_id)
        await self._order_event(orders_events.OrderShipmentCreated, order_id)


async def _consume(kafka: str, group: str, topics: Iterable[str], stop: asyncio.Event) -> None:
    """Read `topics` as `group`, committing after each batch, doing nothing else."""
    consumer = AIOKafkaConsumer(
        *topics, bootstrap_servers=kafka, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=200, max_records=500)
            if batches:
                await consumer.commit()
    finally:
        await consumer.stop()


async def serve(role: str) -> None:
    kafka = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    prefix = os.environ["PASSTHROUGH_GROUP_PREFIX"]
    address = os.environ[f"PASSTHROUGH_{role.upper()}_ADDR"]
    partitions = int(os.environ.get("KAFKA_TOPIC_PARTITIONS", "3"))
    topics = {_ORDERS, _RESERVATION, _SHIPMENT, *_LEDGER_TOPICS}
    await ensure_topics(kafka, [TopicSpec(topic, partitions) for topic in sorted(topics)])
    producer = create_producer(kafka, client_id=f"passthrough-{role}")
    await producer.start()
    events = Emitter(producer, f"passthrough-{role}")
    channels = {
        name: grpc.aio.insecure_channel(os.environ[f"PASSTHROUGH_{name.upper()}_ADDR"])
        for name in ("catalog", "payments", "logistics")
    }
    server = grpc.aio.server()
    status = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(status, server)
    stop = asyncio.Event()
    consuming: asyncio.Task[None] | None = None
    match role:
        case "catalog":
            catalog_service_pb2_grpc.add_CatalogServiceServicer_to_server(Catalog(events), server)  # type: ignore[no-untyped-call]
        case "payments":
            payments_pb2_grpc.add_PaymentServiceServicer_to_server(Payments(events), server)  # type: ignore[no-untyped-call]
        case "logistics":
            shipment_pb2_grpc.add_ShipmentServiceServicer_to_server(Logistics(events), server)  # type: ignore[no-untyped-call]
        case "orders":
            orders_pb2_grpc.add_OrderServiceServicer_to_server(Orders(events, channels), server)  # type: ignore[no-untyped-call]
            consuming = asyncio.create_task(
                _consume(kafka, f"{prefix}.orders", (_RESERVATION, _PAYMENT, _SHIPMENT), stop)
            )
        case "ledger":
            consuming = asyncio.create_task(
                _consume(kafka, f"{prefix}.ledger", _LEDGER_TOPICS, stop)
            )
        case _:
            raise SystemExit(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    server.add_insecure_port(address)
    await server.start()
    await status.set("", health_pb2.HealthCheckResponse.SERVING)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await server.stop(2)
    if consuming is not None:
        with contextlib.suppress(Exception):
            await consuming
    await producer.stop()
    for channel in channels.values():
        await channel.close()


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1] not in ROLES:
        raise SystemExit(f"usage: python -m mercato_cli.load.passthrough {{{','.join(ROLES)}}}")
    asyncio.run(serve(sys.argv[1]))


if __name__ == "__main__":
    main()
