"""Commands: what a caller asks the wishlist domain to do (imperative names)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CreateWishlist:
    owner_id: str
    name: str


@dataclass(frozen=True)
class AddItem:
    wishlist_id: str
    sku: str
    quantity: int
