"""The Shop aggregate: a seller's shop, its tier, profile and status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import FailedPrecondition, InvalidArgument


class Tier(Enum):
    """Decides the commission on the shop's sales (payments reads it from ShopOpened)."""

    STANDARD_BOOTH = "standard_booth"
    FLAGSHIP = "flagship"


class ShopStatus(Enum):
    OPEN = "open"
    CLOSED = "closed"


class ShopClosed(FailedPrecondition):
    """The shop is closed: nothing new may be listed in it."""


class Shop(Aggregate):
    """A seller's shop. Its seller never changes; products copy it when listed."""

    aggregate_type = "catalog.shop"

    @dataclass(frozen=True)
    class Opened(DomainEvent):
        seller_id: str
        name: str
        description: str
        tier: Tier
        opened_at: datetime

    @dataclass(frozen=True)
    class ProfileUpdated(DomainEvent):
        name: str
        description: str

    @dataclass(frozen=True)
    class Closed(DomainEvent):
        pass

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.seller_id = ""
        self.name = ""
        self.description = ""
        self.tier = Tier.STANDARD_BOOTH
        self.status = ShopStatus.OPEN
        self.opened_at = datetime.min

    @classmethod
    def open(
        cls,
        shop_id: str,
        seller_id: str,
        name: str,
        description: str,
        tier: Tier,
        opened_at: datetime,
    ) -> Shop:
        shop = cls(shop_id)
        shop._trigger(Shop.Opened(seller_id, _name(name), description.strip(), tier, opened_at))
        return shop

    def update_profile(self, name: str, description: str) -> None:
        self.require_open()
        name, description = _name(name), description.strip()
        if (name, description) != (self.name, self.description):
            self._trigger(Shop.ProfileUpdated(name, description))

    def close(self) -> None:
        if self.status is ShopStatus.OPEN:
            self._trigger(Shop.Closed())

    def require_open(self) -> None:
        if self.status is not ShopStatus.OPEN:
            raise ShopClosed(f"shop {self.id} is closed")

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case Shop.Opened():
                self.seller_id, self.name = event.seller_id, event.name
                self.description, self.tier = event.description, event.tier
                self.opened_at, self.status = event.opened_at, ShopStatus.OPEN
            case Shop.ProfileUpdated(name=name, description=description):
                self.name, self.description = name, description
            case Shop.Closed():
                self.status = ShopStatus.CLOSED
            case _:
                raise TypeError(f"Shop cannot apply {type(event).__name__}")

    @classmethod
    def restore(
        cls,
        shop_id: str,
        *,
        version: int,
        seller_id: str,
        name: str,
        description: str,
        tier: Tier,
        status: ShopStatus,
        opened_at: datetime,
    ) -> Shop:
        """The shop as stored (the catalog keeps state, not history: see the package docs)."""
        shop = cls(shop_id)
        shop.version, shop.seller_id, shop.name = version, seller_id, name
        shop.description, shop.tier, shop.status = description, tier, status
        shop.opened_at = opened_at
        return shop


def _name(name: str) -> str:
    stripped = name.strip()
    if not stripped:
        raise InvalidArgument("name", "must not be blank")
    return stripped
