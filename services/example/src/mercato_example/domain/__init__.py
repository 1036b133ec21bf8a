"""The wishlist domain: blind to Kafka, gRPC, SQL and protobuf."""

from mercato_example.domain.commands import AddItem, CreateWishlist
from mercato_example.domain.summary import WishlistSummary
from mercato_example.domain.wishlist import Wishlist

__all__ = ["AddItem", "CreateWishlist", "Wishlist", "WishlistSummary"]
