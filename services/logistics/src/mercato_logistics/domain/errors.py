"""The logistics domain's errors, under the kit's tree (the gRPC edge maps them once).

DomainError (mercato_kit.errors)
├── AlreadyExists
│   └── OrderAlreadyShipped      the order has a shipment already
├── FailedPrecondition
│   ├── IllegalTransition        the shipment's status does not allow this update
│   └── NoCarrier                no configured rule serves the destination and weight
└── NotFound
    ├── ShipmentNotFound         no such shipment, or not one the caller may see
    └── OrderNotShipped          the order has no shipment
"""

from __future__ import annotations

from mercato_kit.errors import AlreadyExists, FailedPrecondition, NotFound


class OrderAlreadyShipped(AlreadyExists):
    def __init__(self, order_id: str, shipment_id: str) -> None:
        super().__init__(f"order {order_id} already has shipment {shipment_id}")
        self.order_id = order_id
        self.shipment_id = shipment_id


class IllegalTransition(FailedPrecondition):
    def __init__(self, shipment_id: str, status: str, update: str) -> None:
        super().__init__(f"shipment {shipment_id} is {status}; it cannot be {update}")
        self.status = status


class NoCarrier(FailedPrecondition):
    def __init__(self, region: str, weight_grams: int) -> None:
        super().__init__(f"no carrier serves region {region} for a parcel of {weight_grams} g")


class OrderNotShipped(NotFound):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id} has no shipment")
        self.order_id = order_id


class ShipmentNotFound(NotFound):
    """Also what a caller gets for a shipment it may not see: existence is not leaked."""

    def __init__(self, shipment_id: str) -> None:
        super().__init__(f"shipment {shipment_id} does not exist")
