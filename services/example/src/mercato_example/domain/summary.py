"""What a list of wishlists shows of each: a read model, kept from the wishlist's events."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WishlistSummary:
    wishlist_id: str
    name: str
    item_count: int
