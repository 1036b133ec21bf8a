"""Application handlers: load, decide, save."""

from mercato_example.application.handlers import (
    add_item,
    create_wishlist,
    get_wishlist,
    list_wishlists,
)
from mercato_example.application.ports import Summaries, WishlistWork

__all__ = [
    "Summaries",
    "WishlistWork",
    "add_item",
    "create_wishlist",
    "get_wishlist",
    "list_wishlists",
]
