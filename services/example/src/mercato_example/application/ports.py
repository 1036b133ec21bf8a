"""What the handlers need of a unit of work (adapters.unit_of_work.WishlistUnitOfWork)."""

from __future__ import annotations

from typing import Protocol

from mercato_example.domain import Wishlist, WishlistSummary
from mercato_kit.store import EventSourcedRepository


class Summaries(Protocol):
    """The summaries projection, read."""

    async def of_owner(self, owner_id: str) -> list[WishlistSummary]: ...


class WishlistWork(Protocol):
    """One transaction, with the service's repositories hanging off it."""

    @property
    def wishlists(self) -> EventSourcedRepository[Wishlist]: ...

    @property
    def summaries(self) -> Summaries: ...
