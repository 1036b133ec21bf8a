"""Application handlers: load, decide, save."""

from mercato_logistics.application.handlers import (
    cancel_shipment,
    create_shipment,
    get_shipment,
    may_see,
    post_tracking_update,
)
from mercato_logistics.application.ports import ShipmentIndex
from mercato_logistics.application.shipments import PRODUCER, Shipments, shipment_id_for

__all__ = [
    "PRODUCER",
    "ShipmentIndex",
    "Shipments",
    "cancel_shipment",
    "create_shipment",
    "get_shipment",
    "may_see",
    "post_tracking_update",
    "shipment_id_for",
]
