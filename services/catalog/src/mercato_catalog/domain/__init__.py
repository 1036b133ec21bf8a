"""The catalog domain: shops, products and their SKUs, stock reservations. Blind to Kafka,
gRPC, SQL and protobuf.

The aggregates use the kit's `Aggregate` (events nested and past tense, state changed only by
applying them), but the catalog stores their *state*, not their history: each save writes the
aggregate's rows and its new events to the outbox in one transaction (`restore` rebuilds an
aggregate from its rows). Why not event-sourced: a SKU's stock is a hot counter that hundreds
of concurrent orders change at once; as an event stream it would serialise every reservation of
a product through optimistic-concurrency retries (and the kit's event store serialises all
appends of a database), while a row per SKU lets the database lock exactly the SKUs an order
touches. Search needs tables (full-text indexes) anyway, and the published events carry the
whole history for anyone who needs it.
"""

from mercato_catalog.domain.commands import (
    AdjustStock,
    ChangePrice,
    CloseShop,
    CommitReservation,
    DelistProduct,
    ExpireReservations,
    ListProduct,
    OpenShop,
    ReleaseReservation,
    ReserveStock,
    UpdateProduct,
    UpdateShopProfile,
)
from mercato_catalog.domain.product import (
    MAX_WEIGHT_GRAMS,
    Attributes,
    Product,
    ProductDelisted,
    ProductStatus,
    Sku,
    SkuSpec,
    StockWouldGoNegative,
)
from mercato_catalog.domain.reservation import (
    Line,
    OrderReservedDifferently,
    Requested,
    Reservation,
    ReservationLapsed,
    ReservationStatus,
    Shortage,
    ShortageReason,
    StockLevel,
    StockMovement,
    stock_movements,
)
from mercato_catalog.domain.shop import Shop, ShopClosed, ShopStatus, Tier

__all__ = [
    "MAX_WEIGHT_GRAMS",
    "AdjustStock",
    "Attributes",
    "ChangePrice",
    "CloseShop",
    "CommitReservation",
    "DelistProduct",
    "ExpireReservations",
    "Line",
    "ListProduct",
    "OpenShop",
    "OrderReservedDifferently",
    "Product",
    "ProductDelisted",
    "ProductStatus",
    "ReleaseReservation",
    "Requested",
    "Reservation",
    "ReservationLapsed",
    "ReservationStatus",
    "ReserveStock",
    "Shop",
    "ShopClosed",
    "ShopStatus",
    "Shortage",
    "ShortageReason",
    "Sku",
    "SkuSpec",
    "StockLevel",
    "StockMovement",
    "StockWouldGoNegative",
    "Tier",
    "UpdateProduct",
    "UpdateShopProfile",
    "stock_movements",
]
