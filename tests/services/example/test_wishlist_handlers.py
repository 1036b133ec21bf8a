"""The example service's handlers against the kit's in-memory unit of work (a fake)."""

from __future__ import annotations

from typing import Self

import pytest

from mercato.example.v1 import wishlist_pb2 as pb
from mercato_example.adapters.unit_of_work import wishlist_repository
from mercato_example.application import add_item, create_wishlist, get_wishlist
from mercato_example.domain import AddItem, CreateWishlist
from mercato_kit.errors import NotFound
from mercato_kit.store import InMemoryEventStore, InMemoryUnitOfWork


class InMemoryWishlistUnitOfWork(InMemoryUnitOfWork):
    """The in-memory unit of work with the service's repository on it, as the SQL one has."""

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.wishlists = wishlist_repository(self.events)
        return self


async def test_creating_then_adding_publishes_both_events_in_order() -> None:
    store = InMemoryEventStore()
    async with InMemoryWishlistUnitOfWork(store) as uow:
        wishlist = await create_wishlist(CreateWishlist("o-1", "Tea"), uow)
        await uow.commit()
    async with InMemoryWishlistUnitOfWork(store) as uow:
        await add_item(AddItem(wishlist.id, "TEA-1", 2), uow)
        await uow.commit()

    published = [(e.event_type, e.aggregate_version) for e in store.published]
    assert published == [
        (pb.WishlistCreated.DESCRIPTOR.full_name, 1),
        (pb.ItemAdded.DESCRIPTOR.full_name, 2),
    ]


async def test_an_uncommitted_unit_of_work_changes_nothing() -> None:
    store = InMemoryEventStore()
    async with InMemoryWishlistUnitOfWork(store) as uow:
        wishlist = await create_wishlist(CreateWishlist("o-1", "Tea"), uow)

    async with InMemoryWishlistUnitOfWork(store) as uow:
        with pytest.raises(NotFound):
            await get_wishlist(wishlist.id, uow)
    assert store.published == []
