"""Application handlers: load, decide, save, over the repositories of a unit of work."""

from mercato_catalog.application.handlers import (
    RESERVE,
    WRITE,
    adjust_stock,
    change_price,
    close_shop,
    commit_reservation,
    delist_product,
    expire_reservations,
    list_product,
    open_shop,
    release_reservation,
    reserve_stock,
    update_product,
    update_shop_profile,
)
from mercato_catalog.application.ports import (
    CatalogUnitOfWork,
    Products,
    Reservations,
    Shops,
)

__all__ = [
    "RESERVE",
    "WRITE",
    "CatalogUnitOfWork",
    "Products",
    "Reservations",
    "Shops",
    "adjust_stock",
    "change_price",
    "close_shop",
    "commit_reservation",
    "delist_product",
    "expire_reservations",
    "list_product",
    "open_shop",
    "release_reservation",
    "reserve_stock",
    "update_product",
    "update_shop_profile",
]
