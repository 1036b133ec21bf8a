"""The one module that imports both the domain and the generated protobuf code."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime

from google.protobuf.message import Message

from mercato.logistics.v1 import events_pb2 as events
from mercato.logistics.v1 import shipment_pb2 as pb
from mercato_kit.domain import DomainEvent
from mercato_kit.errors import InvalidArgument
from mercato_kit.events import EventEnvelope
from mercato_kit.protobuf import datetime_of, money_message, money_of, timestamp_message
from mercato_logistics.adapters.index import ShipmentSummary
from mercato_logistics.domain import (
    CancelShipment,
    ConfirmDelivery,
    CreateShipment,
    Destination,
    DispatchShipment,
    Parcel,
    RecordTransitScan,
    ReportLoss,
    Shipment,
    ShipmentStatus,
    TrackingUpdate,
)

_STATUSES: dict[ShipmentStatus, pb.ShipmentStatus] = {
    ShipmentStatus.CREATED: pb.SHIPMENT_STATUS_CREATED,
    ShipmentStatus.DISPATCHED: pb.SHIPMENT_STATUS_DISPATCHED,
    ShipmentStatus.IN_TRANSIT: pb.SHIPMENT_STATUS_IN_TRANSIT,
    ShipmentStatus.DELIVERED: pb.SHIPMENT_STATUS_DELIVERED,
    ShipmentStatus.LOST: pb.SHIPMENT_STATUS_LOST,
    ShipmentStatus.CANCELLED: pb.SHIPMENT_STATUS_CANCELLED,
}
_FROM_PB: dict[int, ShipmentStatus] = {number: status for status, number in _STATUSES.items()}
_CURRENCY = re.compile(r"[A-Z]{3}")


class ShipmentTranslator:
    """Shipment events <-> mercato.logistics.v1 payloads (satisfies kit's EventTranslator)."""

    def to_payload(self, event: DomainEvent) -> Message:
        match event:
            case Shipment.Created():
                return events.ShipmentCreated(
                    order_id=event.order_id,
                    seller_id=event.seller_id,
                    buyer_id=event.buyer_id,
                    carrier_id=event.carrier_id,
                    destination=destination_message(event.destination),
                    parcel=parcel_message(event.parcel),
                    created_at=timestamp_message(event.at),
                )
            case Shipment.Dispatched():
                return events.ShipmentDispatched(
                    order_id=event.order_id,
                    carrier_id=event.carrier_id,
                    tracking_number=event.tracking_number,
                    location=event.location,
                    note=event.note,
                    dispatched_at=timestamp_message(event.at),
                )
            case Shipment.InTransit():
                return events.ShipmentInTransit(
                    order_id=event.order_id,
                    carrier_id=event.carrier_id,
                    location=event.location,
                    note=event.note,
                    scanned_at=timestamp_message(event.at),
                )
            case Shipment.Delivered():
                return events.ShipmentDelivered(
                    order_id=event.order_id,
                    carrier_id=event.carrier_id,
                    location=event.location,
                    note=event.note,
                    delivered_at=timestamp_message(event.at),
                )
            case Shipment.Lost():
                return events.ShipmentLost(
                    order_id=event.order_id,
                    carrier_id=event.carrier_id,
                    location=event.location,
                    note=event.note,
                    reported_at=timestamp_message(event.at),
                )
            case Shipment.Cancelled():
                return events.ShipmentCancelled(
                    order_id=event.order_id,
                    shipment_id=event.shipment_id,
                    carrier_id=event.carrier_id,
                    reason=event.reason,
                    cancelled_at=timestamp_message(event.at),
                )
        raise TypeError(f"no payload for {type(event).__name__}")

    def from_envelope(self, envelope: EventEnvelope) -> DomainEvent:
        decode = _DECODERS.get(envelope.event_type)
        if decode is None:
            raise TypeError(f"unknown shipment event {envelope.event_type}")
        return decode(envelope)


def _created(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.ShipmentCreated)
    return Shipment.Created(
        order_id=e.order_id,
        seller_id=e.seller_id,
        buyer_id=e.buyer_id,
        carrier_id=e.carrier_id,
        destination=_destination(e.destination),
        parcel=_parcel(e.parcel),
        at=datetime_of(e.created_at),
    )


def _dispatched(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.ShipmentDispatched)
    return Shipment.Dispatched(
        e.order_id,
        e.carrier_id,
        e.tracking_number,
        e.location,
        e.note,
        datetime_of(e.dispatched_at),
    )


def _in_transit(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.ShipmentInTransit)
    return Shipment.InTransit(
        e.order_id, e.carrier_id, e.location, e.note, datetime_of(e.scanned_at)
    )


def _delivered(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.ShipmentDelivered)
    return Shipment.Delivered(
        e.order_id, e.carrier_id, e.location, e.note, datetime_of(e.delivered_at)
    )


def _lost(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.ShipmentLost)
    return Shipment.Lost(e.order_id, e.carrier_id, e.location, e.note, datetime_of(e.reported_at))


def _cancelled(envelope: EventEnvelope) -> DomainEvent:
    e = envelope.unpack(events.ShipmentCancelled)
    return Shipment.Cancelled(
        e.order_id, e.shipment_id, e.carrier_id, e.reason, datetime_of(e.cancelled_at)
    )


_DECODERS: dict[str, Callable[[EventEnvelope], DomainEvent]] = {
    events.ShipmentCreated.DESCRIPTOR.full_name: _created,
    events.ShipmentDispatched.DESCRIPTOR.full_name: _dispatched,
    events.ShipmentInTransit.DESCRIPTOR.full_name: _in_transit,
    events.ShipmentDelivered.DESCRIPTOR.full_name: _delivered,
    events.ShipmentLost.DESCRIPTOR.full_name: _lost,
    events.ShipmentCancelled.DESCRIPTOR.full_name: _cancelled,
}


# Requests -> commands. The kit's edge has checked the rules declared in the proto already.


def create_command(request: pb.CreateShipmentRequest, at: datetime) -> CreateShipment:
    parcel = request.parcel
    declared = None
    if parcel.HasField("declared_value"):
        declared = money_of(parcel.declared_value)
        if not _CURRENCY.fullmatch(declared.currency):
            raise InvalidArgument(
                "parcel.declared_value.currency", "must be an ISO 4217 code such as CNY"
            )
        if declared.minor_units < 0:
            raise InvalidArgument("parcel.declared_value.minor_units", "must not be negative")
    return CreateShipment(
        order_id=request.order_id,
        seller_id=request.seller_id,
        buyer_id=request.buyer_id,
        destination=_destination(request.destination),
        parcel=Parcel(parcel.weight_grams, declared),
        at=at,
    )


def cancel_command(request: pb.CancelShipmentRequest, at: datetime) -> CancelShipment:
    return CancelShipment(order_id=request.order_id, reason=request.reason.strip(), at=at)


def tracking_command(
    request: pb.PostTrackingUpdateRequest, carrier_id: str, at: datetime
) -> TrackingUpdate:
    where, note = request.location, request.note
    shipment_id = request.shipment_id
    match request.WhichOneof("update"):
        case "dispatched":
            number = request.dispatched.tracking_number
            return DispatchShipment(shipment_id, carrier_id, where, note, at, number)
        case "in_transit":
            return RecordTransitScan(shipment_id, carrier_id, where, note, at)
        case "delivered":
            return ConfirmDelivery(shipment_id, carrier_id, where, note, at)
        case "lost":
            return ReportLoss(shipment_id, carrier_id, where, note, at)
    raise InvalidArgument("update", "one of dispatched, in_transit, delivered or lost is required")


def statuses_from(numbers: Iterable[int]) -> list[ShipmentStatus]:
    statuses = []
    for index, number in enumerate(numbers):
        status = _FROM_PB.get(number)
        if status is None:
            raise InvalidArgument(f"statuses[{index}]", f"{number} is not a shipment status")
        statuses.append(status)
    return statuses


# Domain -> messages.


def shipment_message(shipment: Shipment) -> pb.Shipment:
    return pb.Shipment(
        shipment_id=shipment.id,
        order_id=shipment.order_id,
        seller_id=shipment.seller_id,
        buyer_id=shipment.buyer_id,
        carrier_id=shipment.carrier_id,
        status=_STATUSES[shipment.status],
        destination=destination_message(shipment.destination),
        parcel=parcel_message(shipment.parcel),
        tracking_number=shipment.tracking_number,
        tracking=[
            pb.TrackingEvent(
                status=_STATUSES[entry.status],
                location=entry.location,
                note=entry.note,
                occurred_at=timestamp_message(entry.at),
            )
            for entry in shipment.tracking
        ],
        version=shipment.version,
    )


def summary_message(summary: ShipmentSummary) -> pb.ShipmentSummary:
    return pb.ShipmentSummary(
        shipment_id=summary.shipment_id,
        order_id=summary.order_id,
        status=_STATUSES[summary.status],
        region=summary.region,
        weight_grams=summary.weight_grams,
        tracking_number=summary.tracking_number,
        transit_scans=summary.transit_scans,
        created_at=timestamp_message(summary.created_at),
        updated_at=timestamp_message(summary.updated_at),
        version=summary.version,
    )


def destination_message(destination: Destination) -> pb.Destination:
    return pb.Destination(
        region=destination.region,
        city=destination.city,
        postal_code=destination.postal_code,
        street_address=destination.street_address,
        recipient_name=destination.recipient_name,
    )


def parcel_message(parcel: Parcel) -> pb.Parcel:
    message = pb.Parcel(weight_grams=parcel.weight_grams)
    if parcel.declared_value is not None:
        message.declared_value.CopyFrom(money_message(parcel.declared_value))
    return message


def _destination(message: pb.Destination) -> Destination:
    return Destination(
        region=message.region,
        city=message.city,
        postal_code=message.postal_code,
        street_address=message.street_address,
        recipient_name=message.recipient_name,
    )


def _parcel(message: pb.Parcel) -> Parcel:
    declared = money_of(message.declared_value) if message.HasField("declared_value") else None
    return Parcel(message.weight_grams, declared)
