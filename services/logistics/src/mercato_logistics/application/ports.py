"""What the handlers need besides the event store: the index carriers list shipments from."""

from __future__ import annotations

from typing import Protocol

from mercato_logistics.domain import Shipment


class ShipmentIndex(Protocol):
    """Keeps a shipment's summary in step with its events, in the same transaction."""

    async def record(self, shipment: Shipment, *, created: bool) -> None: ...
