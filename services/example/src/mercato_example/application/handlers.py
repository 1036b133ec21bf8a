"""Handlers: each is load, decide, save inside the caller's unit of work."""

from __future__ import annotations

from mercato_example.domain import AddItem, CreateWishlist, Wishlist
from mercato_kit.ids import new_id
from mercato_kit.store import EventSourcedRepository, EventTranslator, UnitOfWork

PRODUCER = "example"


def _wishlists(uow: UnitOfWork, translator: EventTranslator) -> EventSourcedRepository[Wishlist]:
    return EventSourcedRepository(uow.events, Wishlist, translator, producer=PRODUCER)


async def create_wishlist(
    uow: UnitOfWork, translator: EventTranslator, command: CreateWishlist
) -> Wishlist:
    wishlist = Wishlist.create(new_id(), command.owner_id, command.name)
    await _wishlists(uow, translator).save(wishlist)
    return wishlist


async def add_item(uow: UnitOfWork, translator: EventTranslator, command: AddItem) -> Wishlist:
    wishlists = _wishlists(uow, translator)
    wishlist = await wishlists.get(command.wishlist_id)
    wishlist.add_item(command.sku, command.quantity)
    await wishlists.save(wishlist)
    return wishlist


async def get_wishlist(uow: UnitOfWork, translator: EventTranslator, wishlist_id: str) -> Wishlist:
    return await _wishlists(uow, translator).get(wishlist_id)
