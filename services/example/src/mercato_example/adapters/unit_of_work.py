"""The example service's unit of work: the kit's SqlUnitOfWork with its repositories on it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mercato_example.adapters.projection import WishlistSummaries
from mercato_example.adapters.translator import WishlistTranslator
from mercato_example.domain import Wishlist
from mercato_kit.store import EventSourcedRepository, EventStore, SqlUnitOfWork

PRODUCER = "example"
"""The `producer` every envelope this service writes carries."""


def wishlist_repository(events: EventStore) -> EventSourcedRepository[Wishlist]:
    """Wishlists on `events` (a unit of work's event store), published as mercato.example.v1."""
    return EventSourcedRepository(events, Wishlist, WishlistTranslator(), producer=PRODUCER)


class WishlistUnitOfWork(SqlUnitOfWork):
    """One transaction: `uow.wishlists` (event-sourced) and `uow.summaries` (the projection)."""

    wishlists: EventSourcedRepository[Wishlist]
    summaries: WishlistSummaries

    def _open_repositories(self, session: AsyncSession) -> None:
        self.wishlists = wishlist_repository(self.events)
        self.summaries = WishlistSummaries(session)
