"""Handlers: load, decide, save, inside the caller's unit of work (which commits)."""

from __future__ import annotations

from mercato_example.application.ports import WishlistWork
from mercato_example.domain import AddItem, CreateWishlist, Wishlist, WishlistSummary
from mercato_kit.ids import new_id


async def create_wishlist(command: CreateWishlist, uow: WishlistWork) -> Wishlist:
    wishlist = Wishlist.create(new_id(), command.owner_id, command.name)
    await uow.wishlists.save(wishlist)
    return wishlist


async def add_item(command: AddItem, uow: WishlistWork) -> Wishlist:
    wishlist = await uow.wishlists.get(command.wishlist_id)
    wishlist.add_item(command.sku, command.quantity)
    await uow.wishlists.save(wishlist)
    return wishlist


async def get_wishlist(wishlist_id: str, uow: WishlistWork) -> Wishlist:
    return await uow.wishlists.get(wishlist_id)


async def list_wishlists(owner_id: str, uow: WishlistWork) -> list[WishlistSummary]:
    return await uow.summaries.of_owner(owner_id)
