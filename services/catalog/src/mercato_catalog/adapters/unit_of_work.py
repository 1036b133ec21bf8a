"""The catalog's unit of work: one transaction for its tables, the outbox and idempotency keys."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mercato_catalog.adapters.queries import SqlListings
from mercato_catalog.adapters.reservations import SqlReservations
from mercato_catalog.adapters.shops_and_products import SqlProducts, SqlShops
from mercato_catalog.adapters.translator import event_payload
from mercato_kit.storage import AggregateOutbox
from mercato_kit.store import SqlUnitOfWork

PRODUCER = "catalog"


class SqlCatalogUnitOfWork(SqlUnitOfWork):
    """The kit's unit of work with the catalog's repositories (`uow.shops`, `uow.products`,
    `uow.reservations`, which record their aggregates' events in one outbox) and its read side
    (`uow.listings`: a shop's products, search)."""

    def _open_repositories(self, session: AsyncSession) -> None:
        outbox = AggregateOutbox(session, producer=PRODUCER, payload_of=event_payload)
        self.shops = SqlShops(session, outbox)
        self.products = SqlProducts(session, outbox)
        self.reservations = SqlReservations(session, outbox, self._database.dialect)
        self.listings = SqlListings(session, self._database.dialect)
