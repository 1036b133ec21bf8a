"""Other services' events from Kafka as the saga's facts; events it does not follow are ignored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from mercato.catalog.v1 import events_pb2 as catalog
from mercato.common.v1 import money_pb2
from mercato.logistics.v1 import events_pb2 as logistics
from mercato.payments.v1 import payments_pb2 as payments
from mercato_kit.events import EventEnvelope
from mercato_kit.money import Money
from mercato_orders.adapters.translator import fact_from_event
from mercato_orders.domain.saga import (
    EscrowReleased,
    Fact,
    PaymentCaptured,
    PaymentDeclined,
    PaymentRefunded,
    ShipmentDelivered,
    ShipmentDispatched,
    ShipmentLost,
    StockReleased,
    StockReserved,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
ORDER = "0190f0a0-0000-7000-8000-000000000001"
CNY = money_pb2.Money(currency="CNY", minor_units=25_00)


def stamp() -> Timestamp:
    value = Timestamp()
    value.FromDatetime(T0)
    return value


def envelope(payload: Message, aggregate_type: str, aggregate_id: str = ORDER) -> EventEnvelope:
    return EventEnvelope.new(
        payload,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        aggregate_version=1,
        producer="test",
        occurred_at=T0,
    )


@pytest.mark.parametrize(
    ("event", "fact"),
    [
        (
            envelope(catalog.StockReserved(order_id=ORDER), "catalog.reservation", "r-1"),
            StockReserved(ORDER, T0),
        ),
        (
            envelope(catalog.ReservationExpired(order_id=ORDER), "catalog.reservation", "r-1"),
            StockReleased(ORDER, T0),
        ),
        (
            envelope(payments.PaymentCaptured(order_id=ORDER, amount=CNY), "payments.payment"),
            PaymentCaptured(ORDER, T0, Money(minor_units=25_00, currency="CNY")),
        ),
        (
            envelope(
                payments.PaymentDeclined(
                    order_id=ORDER, reason=payments.DECLINE_REASON_CARD_DECLINED
                ),
                "payments.payment",
            ),
            PaymentDeclined(ORDER, T0, "card declined"),
        ),
        (
            envelope(payments.RefundIssued(order_id=ORDER, amount=CNY), "payments.payment"),
            PaymentRefunded(ORDER, T0, Money(minor_units=25_00, currency="CNY")),
        ),
        (
            envelope(payments.EscrowReleased(order_id=ORDER), "payments.payment"),
            EscrowReleased(ORDER, T0),
        ),
        (
            envelope(
                logistics.ShipmentDispatched(order_id=ORDER, dispatched_at=stamp()),
                "logistics.shipment",
                "s-1",
            ),
            ShipmentDispatched(ORDER, T0, "s-1"),
        ),
        (
            envelope(
                logistics.ShipmentDelivered(order_id=ORDER, delivered_at=stamp()),
                "logistics.shipment",
                "s-1",
            ),
            ShipmentDelivered(ORDER, T0, told_at=T0),
        ),
        (
            envelope(
                logistics.ShipmentLost(order_id=ORDER, reported_at=stamp()),
                "logistics.shipment",
                "s-1",
            ),
            ShipmentLost(ORDER, T0),
        ),
    ],
    ids=lambda value: type(value).__name__,
)
def test_an_event_of_another_service_is_the_sagas_fact(event: EventEnvelope, fact: Fact) -> None:
    assert fact_from_event(event, T0) == fact


def test_an_event_the_saga_does_not_follow_is_ignored() -> None:
    event = envelope(logistics.ShipmentInTransit(order_id=ORDER), "logistics.shipment", "s-1")
    assert fact_from_event(event, T0) is None
