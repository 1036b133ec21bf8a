"""Commands: what callers ask the logistics domain to do (imperative names)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mercato_logistics.domain.values import Destination, Parcel


@dataclass(frozen=True)
class CreateShipment:
    order_id: str
    seller_id: str
    buyer_id: str
    destination: Destination
    parcel: Parcel
    at: datetime


@dataclass(frozen=True)
class CancelShipment:
    order_id: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class TrackingUpdate:
    """A carrier's report on a shipment; `carrier_id` is the reporting carrier's app id."""

    shipment_id: str
    carrier_id: str
    location: str
    note: str
    at: datetime


@dataclass(frozen=True)
class DispatchShipment(TrackingUpdate):
    tracking_number: str


@dataclass(frozen=True)
class RecordTransitScan(TrackingUpdate):
    pass


@dataclass(frozen=True)
class ConfirmDelivery(TrackingUpdate):
    pass


@dataclass(frozen=True)
class ReportLoss(TrackingUpdate):
    pass
