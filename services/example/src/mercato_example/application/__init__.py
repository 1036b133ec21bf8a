"""Application handlers: load, decide, save."""

from mercato_example.application.handlers import add_item, create_wishlist, get_wishlist

__all__ = ["add_item", "create_wishlist", "get_wishlist"]
