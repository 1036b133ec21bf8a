"""The shipments repository (the event-sourced aggregate plus its summary, saved together),
and the unit of work the handlers reach it through."""

from __future__ import annotations

import uuid
from typing import Protocol

from mercato_kit.errors import NotFound
from mercato_kit.store import EventSourcedRepository, EventStore, EventTranslator
from mercato_logistics.application.ports import ShipmentIndex
from mercato_logistics.domain import Shipment, ShipmentNotFound

PRODUCER = "logistics"

# An order's shipment id is derived from the order id, so two creations for one order, however
# concurrent, append to the same stream and the event store's version check lets one win.
_SHIPMENT_IDS = uuid.UUID("4b0f1a52-77c5-4bd5-9a39-5d2f3e0c6a10")


def shipment_id_for(order_id: str) -> str:
    return str(uuid.uuid5(_SHIPMENT_IDS, order_id))


class Shipments:
    """Build one per unit of work, on its event store and its index."""

    def __init__(self, events: EventStore, translator: EventTranslator, index: ShipmentIndex):
        self._repository = EventSourcedRepository(events, Shipment, translator, producer=PRODUCER)
        self._index = index

    async def get(self, shipment_id: str) -> Shipment:
        shipment = await self.find(shipment_id)
        if shipment is None:
            raise ShipmentNotFound(shipment_id)
        return shipment

    async def find(self, shipment_id: str) -> Shipment | None:
        try:
            return await self._repository.get(shipment_id)
        except NotFound:
            return None

    async def save(self, shipment: Shipment) -> None:
        if not shipment.pending_events():
            return
        created = shipment.saved_version == 0
        await self._repository.save(shipment)
        await self._index.record(shipment, created=created)


class LogisticsUnitOfWork(Protocol):
    """One transaction, as the handlers see it: logistics' repositories hang off it."""

    @property
    def shipments(self) -> Shipments: ...
