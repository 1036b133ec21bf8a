"""The one module that imports both the domain and the generated protobuf code.

- the order's events <-> mercato.orders.v1 payloads (OrderTranslator, for the event store);
- other services' events -> the saga's facts (`fact_from_event`, for the Kafka consumer);
- the saga's commands -> catalog's, payments' and logistics' requests, and their replies ->
  the saga's facts (for the gateways);
- the order as the API shows it, and the buyer's requests -> the domain's values.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from google.protobuf.message import Message

from mercato.catalog.v1 import catalog_pb2 as catalog
from mercato.catalog.v1 import catalog_service_pb2 as catalog_api
from mercato.catalog.v1 import events_pb2 as catalog_events
from mercato.logistics.v1 import events_pb2 as logistics_events
from mercato.logistics.v1 import shipment_pb2 as logistics
from mercato.orders.v1 import events_pb2 as events
from mercato.orders.v1 import orders_pb2 as pb
from mercato.payments.v1 import payments_pb2 as payments
from mercato_kit.domain import DomainEvent
from mercato_kit.events import EventEnvelope
from mercato_kit.money import Money
from mercato_kit.protobuf import datetime_of, money_message, money_of, timestamp_message
from mercato_orders.domain import (
    CancelOrder,
    CatalogItem,
    ConfirmReceipt,
    Order,
    OrderItem,
    OrderLine,
    OrderStatus,
    Parties,
    PlaceOrder,
    RequestRefund,
    ShippingAddress,
)
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
    ShipmentDelivered,
    ShipmentDispatched,
    ShipmentLost,
    StockCommitted,
    StockReleased,
    StockReserved,
)

STATUSES: dict[OrderStatus, pb.OrderStatus] = {
    OrderStatus.PLACED: pb.ORDER_STATUS_PLACED,
    OrderStatus.CONFIRMED: pb.ORDER_STATUS_CONFIRMED,
    OrderStatus.PAID: pb.ORDER_STATUS_PAID,
    OrderStatus.SHIPPED: pb.ORDER_STATUS_SHIPPED,
    OrderStatus.DELIVERED: pb.ORDER_STATUS_DELIVERED,
    OrderStatus.COMPLETED: pb.ORDER_STATUS_COMPLETED,
    OrderStatus.CANCELLING: pb.ORDER_STATUS_CANCELLING,
    OrderStatus.CANCELLED: pb.ORDER_STATUS_CANCELLED,
    OrderStatus.REFUNDING: pb.ORDER_STATUS_REFUNDING,
    OrderStatus.REFUNDED: pb.ORDER_STATUS_REFUNDED,
}


class OrderTranslator:
    """Order events <-> mercato.orders.v1 payloads (satisfies kit's EventTranslator)."""

    def to_payload(self, event: DomainEvent) -> Message:
        match event:
            case Order.Placed(parties=p):
                return events.OrderPlaced(
                    order_id=p.order_id,
                    buyer_id=p.buyer_id,
                    seller_id=p.seller_id,
                    shop_id=p.shop_id,
                    shop_tier=event.shop_tier,
                    lines=[line_message(line) for line in event.lines],
                    total=money_message(event.total),
                    shipping_address=address_message(event.shipping_address),
                    attribution_token=event.attribution_token,
                    placed_at=timestamp_message(event.at),
                )
            case Order.StockReserved(parties=p):
                return events.OrderConfirmed(
                    **_parties(p), confirmed_at=timestamp_message(event.at)
                )
            case Order.PaymentCaptured(parties=p):
                return events.OrderPaid(
                    **_parties(p),
                    amount=money_message(event.amount),
                    paid_at=timestamp_message(event.at),
                )
            case Order.PaymentDeclined(parties=p):
                return events.OrderPaymentDeclined(
                    order_id=p.order_id,
                    reason=event.reason,
                    declined_at=timestamp_message(event.at),
                )
            case Order.StockCommitted(parties=p):
                return events.OrderStockCommitted(
                    order_id=p.order_id, committed_at=timestamp_message(event.at)
                )
            case Order.ShipmentCreated(parties=p):
                return events.OrderShipmentCreated(
                    order_id=p.order_id,
                    shipment_id=event.shipment_id,
                    created_at=timestamp_message(event.at),
                )
            case Order.ShipmentCancelled(parties=p):
                return events.OrderShipmentCancelled(
                    order_id=p.order_id,
                    shipment_id=event.shipment_id,
                    cancelled_at=timestamp_message(event.at),
                )
            case Order.Shipped(parties=p):
                return events.OrderShipped(
                    **_parties(p),
                    shipment_id=event.shipment_id,
                    shipped_at=timestamp_message(event.at),
                )
            case Order.Delivered(parties=p):
                return events.OrderDelivered(
                    **_parties(p),
                    delivered_at=timestamp_message(event.at),
                    auto_confirm_at=timestamp_message(event.auto_confirm_at),
                )
            case Order.ReceiptConfirmed(parties=p):
                return events.OrderReceiptConfirmed(
                    order_id=p.order_id,
                    by_buyer=event.by_buyer,
                    confirmed_at=timestamp_message(event.at),
                )
            case Order.Completed(parties=p):
                return events.OrderCompleted(
                    **_parties(p),
                    amount=money_message(event.amount),
                    confirmed_by_buyer=event.by_buyer,
                    completed_at=timestamp_message(event.at),
                )
            case Order.CancellationStarted(parties=p):
                return events.OrderCancellationStarted(
                    order_id=p.order_id, reason=event.reason, started_at=timestamp_message(event.at)
                )
            case Order.StockReleased(parties=p):
                return events.OrderStockReleased(
                    order_id=p.order_id, released_at=timestamp_message(event.at)
                )
            case Order.PaymentRefunded(parties=p):
                return events.OrderPaymentRefunded(
                    order_id=p.order_id,
                    amount=money_message(event.amount),
                    refunded_at=timestamp_message(event.at),
                )
            case Order.Cancelled(parties=p):
                return events.OrderCancelled(
                    **_parties(p),
                    reason=event.reason,
                    refunded=money_message(event.refunded),
                    cancelled_at=timestamp_message(event.at),
                )
            case Order.RefundStarted(parties=p):
                return events.OrderRefundStarted(
                    order_id=p.order_id, reason=event.reason, started_at=timestamp_message(event.at)
                )
            case Order.Refunded(parties=p):
                return events.OrderRefunded(
                    **_parties(p),
                    amount=money_message(event.amount),
                    reason=event.reason,
                    refunded_at=timestamp_message(event.at),
                )
        raise TypeError(f"no payload for {type(event).__name__}")

    def from_envelope(self, envelope: EventEnvelope) -> DomainEvent:
        decode = _DECODERS.get(envelope.event_type)
        if decode is None:
            raise TypeError(f"unknown order event {envelope.event_type}")
        return decode(envelope)


# Messages -> domain (the order's own parties: the envelope's id plus what OrderPlaced said;
# saga-step payloads carry only the order id, so their parties are completed from the order).


def _placed(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.OrderPlaced)
    return Order.Placed(
        parties=Parties(e.order_id, e.buyer_id, e.seller_id, e.shop_id),
        shop_tier=e.shop_tier,
        lines=tuple(_line(line) for line in e.lines),
        total=money_of(e.total),
        shipping_address=_address(e.shipping_address),
        attribution_token=e.attribution_token,
        at=datetime_of(e.placed_at),
    )


def _full(e: events.OrderConfirmed | events.OrderPaid | events.OrderShipped) -> Parties:
    return Parties(e.order_id, e.buyer_id, e.seller_id, e.shop_id)


def _confirmed(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.OrderConfirmed)
    return Order.StockReserved(_full(e), datetime_of(e.confirmed_at))


def _paid(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.OrderPaid)
    return Order.PaymentCaptured(_full(e), money_of(e.amount), datetime_of(e.paid_at))


def _declined(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.OrderPaymentDeclined)
    return Order.PaymentDeclined(_only(e.order_id), e.reason, datetime_of(e.declined_at))


def _committed(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.OrderStockCommitted)
    return Order.StockCommitted(_only(e.order_id), datetime_of(e.committed_at))


def _shipment_created(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.OrderShipmentCreated)
    return Order.ShipmentCreated(_only(e.order_id), e.shipment_id, datetime_of(e.created_at))


def _shipment_cancelled(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.OrderShipmentCancelled)
    return Order.ShipmentCancelled(_only(e.order_id), e.shipment_id, datetime_of(e.cancelled_at))


def _shipped(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.OrderShipped)
    return Order.Shipped(_full(e), e.shipment_id, datetime_of(e.shipped_at))


def _delivered(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.OrderDelivered)
    return Order.Delivered(
        Parties(e.order_id, e.buyer_id, e.seller_id, e.shop_id),
        datetime_of(e.delivered_at),
        datetime_of(e.auto_confirm_at),
    )


def _receipt_confirmed(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.OrderReceiptConfirmed)
    return Order.ReceiptConfirmed(_only(e.order_id), e.by_buyer, datetime_of(e.confirmed_at))


def _completed(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.OrderCompleted)
    return Order.Completed(
        Parties(e.order_id, e.buyer_id, e.seller_id, e.shop_id),
        money_of(e.amount),
        e.confirmed_by_buyer,
        datetime_of(e.completed_at),
    )


def _cancellation_started(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.OrderCancellationStarted)
    return Order.CancellationStarted(_only(e.order_id), e.reason, datetime_of(e.started_at))


def _stock_released(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.OrderStockReleased)
    return Order.StockReleased(_only(e.order_id), datetime_of(e.released_at))


def _payment_refunded(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.OrderPaymentRefunded)
    return Order.PaymentRefunded(_only(e.order_id), money_of(e.amount), datetime_of(e.refunded_at))


def _cancelled(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.OrderCancelled)
    return Order.Cancelled(
        Parties(e.order_id, e.buyer_id, e.seller_id, e.shop_id),
        e.reason,
        money_of(e.refunded),
        datetime_of(e.cancelled_at),
    )


def _refund_started(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.OrderRefundStarted)
    return Order.RefundStarted(_only(e.order_id), e.reason, datetime_of(e.started_at))


def _refunded(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.OrderRefunded)
    return Order.Refunded(
        Parties(e.order_id, e.buyer_id, e.seller_id, e.shop_id),
        money_of(e.amount),
        e.reason,
        datetime_of(e.refunded_at),
    )


_DECODERS: dict[str, Callable[[EventEnvelope], DomainEvent]] = {
    events.OrderPlaced.DESCRIPTOR.full_name: _placed,
    events.OrderConfirmed.DESCRIPTOR.full_name: _confirmed,
    events.OrderPaid.DESCRIPTOR.full_name: _paid,
    events.OrderPaymentDeclined.DESCRIPTOR.full_name: _declined,
    events.OrderStockCommitted.DESCRIPTOR.full_name: _committed,
    events.OrderShipmentCreated.DESCRIPTOR.full_name: _shipment_created,
    events.OrderShipmentCancelled.DESCRIPTOR.full_name: _shipment_cancelled,
    events.OrderShipped.DESCRIPTOR.full_name: _shipped,
    events.OrderDelivered.DESCRIPTOR.full_name: _delivered,
    events.OrderReceiptConfirmed.DESCRIPTOR.full_name: _receipt_confirmed,
    events.OrderCompleted.DESCRIPTOR.full_name: _completed,
    events.OrderCancellationStarted.DESCRIPTOR.full_name: _cancellation_started,
    events.OrderStockReleased.DESCRIPTOR.full_name: _stock_released,
    events.OrderPaymentRefunded.DESCRIPTOR.full_name: _payment_refunded,
    events.OrderCancelled.DESCRIPTOR.full_name: _cancelled,
    events.OrderRefundStarted.DESCRIPTOR.full_name: _refund_started,
    events.OrderRefunded.DESCRIPTOR.full_name: _refunded,
}


# Other services' events -> the saga's facts. Recording a fact twice changes nothing, so a
# redelivered event decides nothing new.


def fact_from_event(envelope: EventEnvelope, received_at: datetime) -> Fact | None:
    """The saga's fact an event of catalog, payments or logistics establishes, received by the
    orders service at `received_at`; None for an event the saga does not follow."""
    if envelope.event_type == _DELIVERED:
        return _on_delivered(envelope, received_at)
    decode = _FACTS.get(envelope.event_type)
    return None if decode is None else decode(envelope)


def _on_stock_reserved(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(catalog_events.StockReserved)
    return StockReserved(e.order_id, envelope.occurred_at)


def _on_reservation_rejected(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(catalog_events.ReservationRejected)
    return ReservationRejected(e.order_id, envelope.occurred_at, "rejected by catalog")


def _on_reservation_committed(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(catalog_events.ReservationCommitted)
    return StockCommitted(e.order_id, envelope.occurred_at)


def _on_reservation_released(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(catalog_events.ReservationReleased)
    return StockReleased(e.order_id, envelope.occurred_at)


def _on_reservation_expired(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(catalog_events.ReservationExpired)
    return StockReleased(e.order_id, envelope.occurred_at)


def _on_payment_captured(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.PaymentCaptured)
    return PaymentCaptured(e.order_id, envelope.occurred_at, money_of(e.amount))


def _on_payment_declined(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.PaymentDeclined)
    reason = payments.DeclineReason.Name(e.reason).removeprefix("DECLINE_REASON_").lower()
    return PaymentDeclined(e.order_id, envelope.occurred_at, reason.replace("_", " "))


def _on_refund_issued(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.RefundIssued)
    return PaymentRefunded(e.order_id, envelope.occurred_at, money_of(e.amount))


def _on_escrow_released(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.EscrowReleased)
    return EscrowReleased(e.order_id, envelope.occurred_at)


def _on_shipment_cancelled(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(logistics_events.ShipmentCancelled)
    return ShipmentCancelled(e.order_id, datetime_of(e.cancelled_at))


def _on_dispatched(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(logistics_events.ShipmentDispatched)
    return ShipmentDispatched(e.order_id, datetime_of(e.dispatched_at), envelope.aggregate_id)


def _on_delivered(envelope: EventEnvelope, received_at: datetime) -> Fact:
    e = envelope.unpack(logistics_events.ShipmentDelivered)
    return ShipmentDelivered(e.order_id, datetime_of(e.delivered_at), told_at=received_at)


def _on_lost(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(logistics_events.ShipmentLost)
    return ShipmentLost(e.order_id, datetime_of(e.reported_at))


_DELIVERED = logistics_events.ShipmentDelivered.DESCRIPTOR.full_name
_FACTS: dict[str, Callable[[EventEnvelope], Fact]] = {
    catalog_events.StockReserved.DESCRIPTOR.full_name: _on_stock_reserved,
    catalog_events.ReservationRejected.DESCRIPTOR.full_name: _on_reservation_rejected,
    catalog_events.ReservationCommitted.DESCRIPTOR.full_name: _on_reservation_committed,
    catalog_events.ReservationReleased.DESCRIPTOR.full_name: _on_reservation_released,
    catalog_events.ReservationExpired.DESCRIPTOR.full_name: _on_reservation_expired,
    payments.PaymentCaptured.DESCRIPTOR.full_name: _on_payment_captured,
    payments.PaymentDeclined.DESCRIPTOR.full_name: _on_payment_declined,
    payments.RefundIssued.DESCRIPTOR.full_name: _on_refund_issued,
    payments.EscrowReleased.DESCRIPTOR.full_name: _on_escrow_released,
    logistics_events.ShipmentCancelled.DESCRIPTOR.full_name: _on_shipment_cancelled,
    logistics_events.ShipmentDispatched.DESCRIPTOR.full_name: _on_dispatched,
    logistics_events.ShipmentLost.DESCRIPTOR.full_name: _on_lost,
}


# The saga's commands -> other services' requests (each with the step's idempotency key), and
# their replies -> the saga's facts.

SHOP_TIERS = {
    "standard": payments.SHOP_TIER_STANDARD,
    "flagship": payments.SHOP_TIER_FLAGSHIP,
}
CATALOG_TIERS = {
    catalog.SHOP_TIER_STANDARD_BOOTH: "standard",
    catalog.SHOP_TIER_FLAGSHIP: "flagship",
}
_DECLINES = {
    payments.DECLINE_REASON_CARD_DECLINED: "card declined",
    payments.DECLINE_REASON_PROVIDER_TIMEOUT: "the payment provider did not answer",
    payments.DECLINE_REASON_PROVIDER_ERROR: "the payment provider failed",
    payments.DECLINE_REASON_UNKNOWN_INSTRUMENT: "unknown instrument",
}


def reserve_request(command: ReserveStock) -> catalog_api.ReserveStockRequest:
    return catalog_api.ReserveStockRequest(
        idempotency_key=command.idempotency_key,
        order_id=command.order_id,
        lines=[catalog_api.ReserveLine(sku_id=s, quantity=q) for s, q in command.lines],
    )


def commit_request(command: CommitReservation) -> catalog_api.CommitReservationRequest:
    return catalog_api.CommitReservationRequest(
        idempotency_key=command.idempotency_key, order_id=command.order_id
    )


def release_request(command: ReleaseReservation) -> catalog_api.ReleaseReservationRequest:
    return catalog_api.ReleaseReservationRequest(
        idempotency_key=command.idempotency_key, order_id=command.order_id
    )


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


def release_escrow_request(command: ReleaseEscrow) -> payments.ReleaseEscrowRequest:
    return payments.ReleaseEscrowRequest(
        idempotency_key=command.idempotency_key, order_id=command.order_id
    )


def refund_request(command: RefundPayment) -> payments.RefundPaymentRequest:
    return payments.RefundPaymentRequest(
        idempotency_key=command.idempotency_key,
        order_id=command.order_id,
        refund_id=command.refund_id,
        reason=command.reason[:200],
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


def cancel_shipment_request(command: CancelShipment) -> logistics.CancelShipmentRequest:
    return logistics.CancelShipmentRequest(
        idempotency_key=command.idempotency_key,
        order_id=command.order_id,
        reason=(command.reason or "order cancelled")[:200],
    )


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


def catalog_item(product: catalog.Product, shop: catalog.Shop, sku: catalog.Sku) -> CatalogItem:
    """What catalog says of one SKU of a product on sale in an open shop."""
    return CatalogItem(
        sku_id=sku.sku_id,
        product_id=product.product_id,
        title=product.title,
        shop_id=product.shop_id,
        seller_id=shop.seller_id,
        shop_tier=CATALOG_TIERS.get(shop.tier, ""),
        unit_price=money_of(sku.price),
        weight_grams=sku.weight_grams,
    )


# The order as the API shows it.


def order_message(order: Order) -> pb.Order:
    updated = order.step_started_at or order.placed_at
    message = pb.Order(
        order_id=order.id,
        buyer_id=order.buyer_id,
        seller_id=order.seller_id,
        shop_id=order.shop_id,
        status=STATUSES[order.status],
        lines=[line_message(line) for line in order.lines],
        total=money_message(order.total),
        shipping_address=address_message(order.shipping_address),
        attribution_token=order.attribution_token,
        reason=order.reason,
        version=order.version,
        shipment_id=order.shipment_id,
    )
    if order.placed_at is not None:
        message.placed_at.CopyFrom(timestamp_message(order.placed_at))
    if updated is not None:
        message.updated_at.CopyFrom(timestamp_message(updated))
    return message


def timeline_messages(order: Order, translator: OrderTranslator) -> list[pb.TimelineEntry]:
    """Every event of the order, oldest first: its published name, the status it led to, when."""
    entries = []
    for index, event in enumerate(order.timeline):
        status = Order.rehydrate(order.id, order.timeline[: index + 1]).status
        entries.append(
            pb.TimelineEntry(
                event=translator.to_payload(event).DESCRIPTOR.name,
                status=STATUSES[status],
                note=_note(event),
                at=timestamp_message(event.at),  # type: ignore[attr-defined]
            )
        )
    return entries


def _note(event: DomainEvent) -> str:
    match event:
        case Order.Shipped() | Order.ShipmentCreated() | Order.ShipmentCancelled():
            return f"shipment {event.shipment_id}"
        case (
            Order.CancellationStarted()
            | Order.Cancelled()
            | Order.RefundStarted()
            | Order.Refunded()
            | Order.PaymentDeclined()
        ):
            return event.reason
        case Order.ReceiptConfirmed(by_buyer=False):
            return "confirmed automatically after the deadline"
    return ""


# Values.


def line_message(line: OrderLine) -> pb.OrderLine:
    return pb.OrderLine(
        sku_id=line.sku_id,
        product_id=line.product_id,
        title=line.title,
        quantity=line.quantity,
        unit_price=money_message(line.unit_price),
        line_total=money_message(line.line_total),
        weight_grams=line.weight_grams,
    )


def address_message(address: ShippingAddress) -> pb.ShippingAddress:
    return pb.ShippingAddress(
        region=address.region,
        city=address.city,
        postal_code=address.postal_code,
        street_address=address.street_address,
        recipient_name=address.recipient_name,
    )


def _parties(parties: Parties) -> dict[str, str]:
    return {
        "order_id": parties.order_id,
        "buyer_id": parties.buyer_id,
        "seller_id": parties.seller_id,
        "shop_id": parties.shop_id,
    }


def _only(order_id: str) -> Parties:
    """The parties of a saga-step event: the order's id alone (the rest is on the order)."""
    return Parties(order_id, "", "", "")


def _line(message: pb.OrderLine) -> OrderLine:
    return OrderLine(
        sku_id=message.sku_id,
        product_id=message.product_id,
        title=message.title,
        quantity=message.quantity,
        unit_price=money_of(message.unit_price),
        weight_grams=message.weight_grams,
    )


def _address(message: pb.ShippingAddress) -> ShippingAddress:
    return ShippingAddress(
        region=message.region,
        city=message.city,
        postal_code=message.postal_code,
        street_address=message.street_address,
        recipient_name=message.recipient_name,
    )


# The buyer's requests -> commands (the edge names the buyer, the time and, for PlaceOrder, the
# order's id).

DEFAULT_CANCEL_REASON = "cancelled by the buyer"


def place_order_command(
    request: pb.PlaceOrderRequest, *, order_id: str, buyer_id: str, at: datetime
) -> PlaceOrder:
    return PlaceOrder(
        order_id=order_id,
        buyer_id=buyer_id,
        items=[
            OrderItem(sku_id=line.sku_id, quantity=line.quantity, product_id=line.product_id)
            for line in request.lines
        ],
        shipping_address=_address(request.shipping_address),
        attribution_token=request.attribution_token,
        instrument=request.instrument,
        at=at,
    )


def cancel_order_command(
    request: pb.CancelOrderRequest, *, buyer_id: str, at: datetime
) -> CancelOrder:
    return CancelOrder(
        order_id=request.order_id,
        buyer_id=buyer_id,
        reason=request.reason or DEFAULT_CANCEL_REASON,
        at=at,
    )


def confirm_receipt_command(
    request: pb.ConfirmReceiptRequest, *, buyer_id: str, at: datetime
) -> ConfirmReceipt:
    return ConfirmReceipt(order_id=request.order_id, buyer_id=buyer_id, at=at)


def request_refund_command(
    request: pb.RequestRefundRequest, *, buyer_id: str, at: datetime
) -> RequestRefund:
    return RequestRefund(order_id=request.order_id, buyer_id=buyer_id, reason=request.reason, at=at)
