"""The Wishlist aggregate: state changes only by applying its events."""

from __future__ import annotations

from dataclasses import dataclass

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import FailedPrecondition


class Wishlist(Aggregate):
    """A buyer's list of SKUs they may buy later."""

    aggregate_type = "example.wishlist"
    MAX_SKUS = 50

    @dataclass(frozen=True)
    class Created(DomainEvent):
        owner_id: str
        name: str

    @dataclass(frozen=True)
    class ItemAdded(DomainEvent):
        sku: str
        quantity: int

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.owner_id = ""
        self.name = ""
        self.items: dict[str, int] = {}

    @classmethod
    def create(cls, wishlist_id: str, owner_id: str, name: str) -> Wishlist:
        wishlist = cls(wishlist_id)
        wishlist._trigger(Wishlist.Created(owner_id=owner_id, name=name))
        return wishlist

    def add_item(self, sku: str, quantity: int) -> None:
        if sku not in self.items and len(self.items) >= self.MAX_SKUS:
            raise FailedPrecondition(f"a wishlist holds at most {self.MAX_SKUS} SKUs")
        self._trigger(Wishlist.ItemAdded(sku=sku, quantity=quantity))

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case Wishlist.Created(owner_id=owner_id, name=name):
                self.owner_id, self.name = owner_id, name
            case Wishlist.ItemAdded(sku=sku, quantity=quantity):
                self.items[sku] = self.items.get(sku, 0) + quantity
            case _:
                raise TypeError(f"Wishlist cannot apply {type(event).__name__}")
