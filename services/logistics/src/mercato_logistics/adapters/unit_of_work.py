"""Logistics' unit of work: the kit's transaction with logistics' repositories hanging off it.

    uow.shipments   Shipment aggregates (event-sourced) with their summaries, saved together
    uow.summaries   the summaries carriers list their shipments from (`shipment_summaries`)

`SqlLogisticsUnitOfWork` is the service's; `InMemoryLogisticsUnitOfWork` is its fake for unit
tests, on the kit's in-memory event store and a given index.
"""

from __future__ import annotations

from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.store import InMemoryEventStore, InMemoryUnitOfWork, SqlUnitOfWork
from mercato_logistics.adapters.index import SqlShipmentIndex
from mercato_logistics.adapters.translator import ShipmentTranslator
from mercato_logistics.application import ShipmentIndex, Shipments


class SqlLogisticsUnitOfWork(SqlUnitOfWork):
    """The kit's SQL unit of work with logistics' repositories on its transaction."""

    shipments: Shipments
    summaries: SqlShipmentIndex

    def _open_repositories(self, session: AsyncSession) -> None:
        self.summaries = SqlShipmentIndex(session)
        self.shipments = Shipments(self.events, ShipmentTranslator(), self.summaries)


class InMemoryLogisticsUnitOfWork(InMemoryUnitOfWork):
    """The fake for unit tests: the kit's in-memory unit of work, shipments indexed by `index`
    (which is not rolled back)."""

    shipments: Shipments

    def __init__(self, store: InMemoryEventStore, index: ShipmentIndex) -> None:
        super().__init__(store)
        self._index = index

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.shipments = Shipments(self.events, ShipmentTranslator(), self._index)
        return self
