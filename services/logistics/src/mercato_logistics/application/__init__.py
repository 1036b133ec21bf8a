"""Application handlers: load, decide, save, through the unit of work."""

from mercato_logistics.application.handlers import (
    cancel_shipment,
    create_shipment,
    get_shipment,
    may_see,
    post_tracking_update,
)
from mercato_logistics.application.ports import ShipmentIndex
from mercato_logistics.application.shipments import (
    PRODUCER,
    LogisticsUnitOfWork,
    Shipments,
    shipment_id_for,
)

__all__ = [
    "PRODUCER",
    "LogisticsUnitOfWork",
    "ShipmentIndex",
    "Shipments",
    "cancel_shipment",
    "create_shipment",
    "get_shipment",
    "may_see",
    "post_tracking_update",
    "shipment_id_for",
]
