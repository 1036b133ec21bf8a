"""Other services' events, read from Kafka, as the saga's facts (None for events it ignores).

Each reaction is a fact about one order; recording it twice changes nothing, so a redelivered
event decides nothing new. The topics the orders service follows: mercato.catalog.reservation,
mercato.payments.payment, mercato.logistics.shipment.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from mercato.catalog.v1 import events_pb2 as catalog
from mercato.logistics.v1 import events_pb2 as logistics
from mercato.payments.v1 import payments_pb2 as payments
from mercato_kit.consumer import ConsumedRecord
from mercato_kit.events import EventEnvelope
from mercato_kit.protobuf import datetime_of, money_of
from mercato_orders.adapters.store import SqlOrders
from mercato_orders.application.saga import SagaRunner
from mercato_orders.domain import OrderNotFound
from mercato_orders.domain.saga import (
    EscrowReleased,
    Fact,
    PaymentCaptured,
    PaymentDeclined,
    PaymentRefunded,
    ReservationRejected,
    ShipmentCancelled,
    ShipmentDelivered,
    ShipmentDispatched,
    ShipmentLost,
    StockCommitted,
    StockReleased,
    StockReserved,
)

TOPICS = ("mercato.catalog.reservation", "mercato.payments.payment", "mercato.logistics.shipment")


def fact_from_event(envelope: EventEnvelope) -> Fact | None:
    react = _REACTIONS.get(envelope.event_type)
    return None if react is None else react(envelope)


def _stock_reserved(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(catalog.StockReserved)
    return StockReserved(e.order_id, envelope.occurred_at)


def _reservation_rejected(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(catalog.ReservationRejected)
    return ReservationRejected(e.order_id, envelope.occurred_at, "rejected by catalog")


def _reservation_committed(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(catalog.ReservationCommitted)
    return StockCommitted(e.order_id, envelope.occurred_at)


def _reservation_released(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(catalog.ReservationReleased)
    return StockReleased(e.order_id, envelope.occurred_at)


def _reservation_expired(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(catalog.ReservationExpired)
    return StockReleased(e.order_id, envelope.occurred_at)


def _payment_captured(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.PaymentCaptured)
    return PaymentCaptured(e.order_id, envelope.occurred_at, money_of(e.amount))


def _payment_declined(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.PaymentDeclined)
    reason = payments.DeclineReason.Name(e.reason).removeprefix("DECLINE_REASON_").lower()
    return PaymentDeclined(e.order_id, envelope.occurred_at, reason.replace("_", " "))


def _refund_issued(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.RefundIssued)
    return PaymentRefunded(e.order_id, envelope.occurred_at, money_of(e.amount))


def _escrow_released(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(payments.EscrowReleased)
    return EscrowReleased(e.order_id, envelope.occurred_at)


def _shipment_cancelled(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(logistics.ShipmentCancelled)
    return ShipmentCancelled(e.order_id, datetime_of(e.cancelled_at))


def _dispatched(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(logistics.ShipmentDispatched)
    return ShipmentDispatched(e.order_id, datetime_of(e.dispatched_at), envelope.aggregate_id)


def _delivered(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(logistics.ShipmentDelivered)
    return ShipmentDelivered(e.order_id, datetime_of(e.delivered_at))


def _lost(envelope: EventEnvelope) -> Fact:
    e = envelope.unpack(logistics.ShipmentLost)
    return ShipmentLost(e.order_id, datetime_of(e.reported_at))


_REACTIONS: dict[str, Callable[[EventEnvelope], Fact]] = {
    catalog.StockReserved.DESCRIPTOR.full_name: _stock_reserved,
    catalog.ReservationRejected.DESCRIPTOR.full_name: _reservation_rejected,
    catalog.ReservationCommitted.DESCRIPTOR.full_name: _reservation_committed,
    catalog.ReservationReleased.DESCRIPTOR.full_name: _reservation_released,
    catalog.ReservationExpired.DESCRIPTOR.full_name: _reservation_expired,
    payments.PaymentCaptured.DESCRIPTOR.full_name: _payment_captured,
    payments.PaymentDeclined.DESCRIPTOR.full_name: _payment_declined,
    payments.RefundIssued.DESCRIPTOR.full_name: _refund_issued,
    payments.EscrowReleased.DESCRIPTOR.full_name: _escrow_released,
    logistics.ShipmentCancelled.DESCRIPTOR.full_name: _shipment_cancelled,
    logistics.ShipmentDispatched.DESCRIPTOR.full_name: _dispatched,
    logistics.ShipmentDelivered.DESCRIPTOR.full_name: _delivered,
    logistics.ShipmentLost.DESCRIPTOR.full_name: _lost,
}


class SagaReactions:
    """The consumer's handler: record the event's fact on its order inside the consumer's
    transaction (with its tracking record), then, once that commits, send what the fact newly
    requires. An event about an order this service does not know is not ours: skipped."""

    def __init__(self, runner: SagaRunner, orders: SqlOrders) -> None:
        self._runner = runner
        self._orders = orders

    async def __call__(
        self, session: AsyncSession, envelope: EventEnvelope, record: ConsumedRecord
    ) -> None:
        fact = fact_from_event(envelope)
        if fact is None:
            return
        try:
            commands = await self._runner.record(fact, self._orders.within(session))
        except OrderNotFound:
            return
        if not commands:
            return
        runner = self._runner

        def committed(_: Session) -> None:
            runner.dispatch(commands)

        event.listen(session.sync_session, "after_commit", committed, once=True)
