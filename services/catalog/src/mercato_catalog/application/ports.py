"""What the handlers need from storage: repositories inside one unit of work."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from mercato_catalog.domain import Product, Reservation, Shop, StockLevel


class Shops(Protocol):
    async def get(self, shop_id: str, *, for_update: bool = False) -> Shop:
        """The shop (NotFound when there is none); `for_update` locks it until the end."""
        ...

    async def add(self, shop: Shop) -> None:
        """Store a new shop (AlreadyExists when its name is taken) and its events."""
        ...

    async def save(self, shop: Shop) -> None:
        """Store a changed shop and its new events."""
        ...


class Products(Protocol):
    async def get(self, product_id: str, *, for_update: bool = False) -> Product:
        """The product (NotFound when there is none); `for_update` locks it and its SKUs."""
        ...

    async def add(self, product: Product) -> None: ...

    async def save(self, product: Product) -> None: ...


class Reservations(Protocol):
    async def lock_order(self, order_id: str) -> None:
        """Serialise the work on one order's reservation until the end of the unit of work."""
        ...

    async def for_order(self, order_id: str, *, for_update: bool = False) -> Reservation | None: ...

    async def stock_levels(self, sku_ids: Collection[str]) -> dict[str, StockLevel]:
        """The levels of the SKUs that exist, locked until the end of the unit of work."""
        ...

    async def due(self, now: datetime, limit: int) -> list[Reservation]:
        """Up to `limit` HELD reservations past their expiry, locked; ones another unit of work
        holds are skipped (so several sweepers share the work)."""
        ...

    async def add(self, reservation: Reservation) -> None:
        """Store a new reservation, its events, and the stock it moves."""
        ...

    async def save(self, *reservations: Reservation, in_origin_context: bool = False) -> None:
        """Store changed reservations, their events and the stock they move.

        `in_origin_context`: their events carry the correlation id of the call that placed
        each reservation (for work no call asked for, like expiry).
        """
        ...


class CatalogUnitOfWork(Protocol):
    """One transaction: load, decide, save."""

    @property
    def shops(self) -> Shops: ...

    @property
    def products(self) -> Products: ...

    @property
    def reservations(self) -> Reservations: ...
