"""The logistics domain: shipments, their tracking, and the carrier rules.

Blind to Kafka, gRPC, SQL and protobuf: the standard library and mercato_kit's domain, errors,
ids and money only.
"""

from mercato_logistics.domain.carriers import CarrierRule, CarrierRules
from mercato_logistics.domain.commands import (
    CancelShipment,
    ConfirmDelivery,
    CreateShipment,
    DispatchShipment,
    RecordTransitScan,
    ReportLoss,
    TrackingUpdate,
)
from mercato_logistics.domain.errors import (
    IllegalTransition,
    NoCarrier,
    OrderAlreadyShipped,
    OrderNotShipped,
    ShipmentNotFound,
)
from mercato_logistics.domain.shipment import Shipment, ShipmentStatus, TrackingEntry
from mercato_logistics.domain.values import Destination, Parcel

__all__ = [
    "CancelShipment",
    "CarrierRule",
    "CarrierRules",
    "ConfirmDelivery",
    "CreateShipment",
    "Destination",
    "DispatchShipment",
    "IllegalTransition",
    "NoCarrier",
    "OrderAlreadyShipped",
    "OrderNotShipped",
    "Parcel",
    "RecordTransitScan",
    "ReportLoss",
    "Shipment",
    "ShipmentNotFound",
    "ShipmentStatus",
    "TrackingEntry",
    "TrackingUpdate",
]
