"""The Shipment aggregate: an order's parcel, handed to one carrier, tracked to its end.

    CREATED ──dispatch──> DISPATCHED ──scan──> IN_TRANSIT ──scan──> IN_TRANSIT ...
       │                       │                   │
       │                       └──deliver / lose───┴──> DELIVERED | LOST   (final)
       └──cancel──> CANCELLED   (final; cancelling it again changes nothing)

State changes only by applying events; an update the status does not allow is refused
(IllegalTransition) and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import InvalidArgument
from mercato_logistics.domain.errors import IllegalTransition
from mercato_logistics.domain.values import Destination, Parcel


class ShipmentStatus(StrEnum):
    CREATED = "created"
    DISPATCHED = "dispatched"
    IN_TRANSIT = "in transit"
    DELIVERED = "delivered"
    LOST = "lost"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in (ShipmentStatus.DELIVERED, ShipmentStatus.LOST, ShipmentStatus.CANCELLED)


@dataclass(frozen=True)
class TrackingEntry:
    """One step of the history: the status it led to, where, what the carrier said, when."""

    status: ShipmentStatus
    location: str
    note: str
    at: datetime


_ON_THE_WAY = (ShipmentStatus.DISPATCHED, ShipmentStatus.IN_TRANSIT)


class Shipment(Aggregate):
    """An order's parcel on its way to the buyer."""

    aggregate_type = "logistics.shipment"

    @dataclass(frozen=True)
    class Created(DomainEvent):
        order_id: str
        seller_id: str
        buyer_id: str
        carrier_id: str
        destination: Destination
        parcel: Parcel
        at: datetime

    @dataclass(frozen=True)
    class Dispatched(DomainEvent):
        order_id: str
        carrier_id: str
        tracking_number: str
        location: str
        note: str
        at: datetime

    @dataclass(frozen=True)
    class InTransit(DomainEvent):
        order_id: str
        carrier_id: str
        location: str
        note: str
        at: datetime

    @dataclass(frozen=True)
    class Delivered(DomainEvent):
        order_id: str
        carrier_id: str
        location: str
        note: str
        at: datetime

    @dataclass(frozen=True)
    class Lost(DomainEvent):
        order_id: str
        carrier_id: str
        location: str
        note: str
        at: datetime

    @dataclass(frozen=True)
    class Cancelled(DomainEvent):
        order_id: str
        shipment_id: str
        carrier_id: str
        reason: str
        at: datetime

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.order_id = ""
        self.seller_id = ""
        self.buyer_id = ""
        self.carrier_id = ""
        self.destination = Destination("", "", "", "", "")
        self.parcel = Parcel(0)
        self.status = ShipmentStatus.CREATED
        self.tracking_number = ""
        self.transit_scans = 0
        self.tracking: list[TrackingEntry] = []

    @classmethod
    def create(
        cls,
        shipment_id: str,
        *,
        order_id: str,
        seller_id: str,
        buyer_id: str,
        carrier_id: str,
        destination: Destination,
        parcel: Parcel,
        at: datetime,
    ) -> Shipment:
        shipment = cls(shipment_id)
        shipment._trigger(
            Shipment.Created(order_id, seller_id, buyer_id, carrier_id, destination, parcel, at)
        )
        return shipment

    @property
    def created_at(self) -> datetime:
        return self.tracking[0].at

    @property
    def updated_at(self) -> datetime:
        return self.tracking[-1].at

    def dispatch(self, tracking_number: str, location: str, note: str, at: datetime) -> None:
        self._require(ShipmentStatus.CREATED, update="dispatched")
        self._trigger(
            Shipment.Dispatched(self.order_id, self.carrier_id, tracking_number, location, note, at)
        )

    def record_transit_scan(self, location: str, note: str, at: datetime) -> None:
        self._require(*_ON_THE_WAY, update="scanned in transit")
        self._trigger(Shipment.InTransit(self.order_id, self.carrier_id, location, note, at))

    def confirm_delivery(self, location: str, note: str, at: datetime) -> None:
        self._require(*_ON_THE_WAY, update="delivered")
        self._trigger(Shipment.Delivered(self.order_id, self.carrier_id, location, note, at))

    def report_loss(self, location: str, note: str, at: datetime) -> None:
        self._require(*_ON_THE_WAY, update="lost")
        self._trigger(Shipment.Lost(self.order_id, self.carrier_id, location, note, at))

    def cancel(self, reason: str, at: datetime) -> None:
        """Cancel before pick-up; a cancelled shipment stays as it is."""
        if self.status is ShipmentStatus.CANCELLED:
            return
        self._require(ShipmentStatus.CREATED, update="cancelled")
        if not reason.strip():
            raise InvalidArgument("reason", "must not be blank")
        self._trigger(Shipment.Cancelled(self.order_id, self.id, self.carrier_id, reason, at))

    def _require(self, *allowed: ShipmentStatus, update: str) -> None:
        if self.status not in allowed:
            raise IllegalTransition(self.id, self.status.value, update)

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case Shipment.Created():
                self.order_id, self.seller_id = event.order_id, event.seller_id
                self.buyer_id, self.carrier_id = event.buyer_id, event.carrier_id
                self.destination, self.parcel = event.destination, event.parcel
                self._step(ShipmentStatus.CREATED, "", "", event.at)
            case Shipment.Dispatched():
                self.tracking_number = event.tracking_number
                self._step(ShipmentStatus.DISPATCHED, event.location, event.note, event.at)
            case Shipment.InTransit():
                self.transit_scans += 1
                self._step(ShipmentStatus.IN_TRANSIT, event.location, event.note, event.at)
            case Shipment.Delivered():
                self._step(ShipmentStatus.DELIVERED, event.location, event.note, event.at)
            case Shipment.Lost():
                self._step(ShipmentStatus.LOST, event.location, event.note, event.at)
            case Shipment.Cancelled():
                self._step(ShipmentStatus.CANCELLED, "", event.reason, event.at)
            case _:
                raise TypeError(f"Shipment cannot apply {type(event).__name__}")

    def _step(self, status: ShipmentStatus, location: str, note: str, at: datetime) -> None:
        self.status = status
        self.tracking.append(TrackingEntry(status, location, note, at))
