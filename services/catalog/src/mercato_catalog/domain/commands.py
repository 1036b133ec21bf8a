"""Commands: what callers ask the catalog to do (imperative names)."""

from __future__ import annotations

from dataclasses import dataclass

from mercato_catalog.domain.product import Attributes, SkuSpec
from mercato_catalog.domain.reservation import Requested
from mercato_catalog.domain.shop import Tier
from mercato_kit.money import Money


@dataclass(frozen=True)
class OpenShop:
    name: str
    description: str
    tier: Tier


@dataclass(frozen=True)
class UpdateShopProfile:
    shop_id: str
    name: str
    description: str


@dataclass(frozen=True)
class CloseShop:
    shop_id: str


@dataclass(frozen=True)
class ListProduct:
    shop_id: str
    title: str
    description: str
    attributes: Attributes
    skus: tuple[SkuSpec, ...]


@dataclass(frozen=True)
class UpdateProduct:
    product_id: str
    title: str
    description: str
    attributes: Attributes


@dataclass(frozen=True)
class ChangePrice:
    product_id: str
    sku_id: str
    price: Money


@dataclass(frozen=True)
class AdjustStock:
    product_id: str
    sku_id: str
    delta: int


@dataclass(frozen=True)
class DelistProduct:
    product_id: str


@dataclass(frozen=True)
class ReserveStock:
    order_id: str
    lines: tuple[Requested, ...]


@dataclass(frozen=True)
class CommitReservation:
    order_id: str


@dataclass(frozen=True)
class ReleaseReservation:
    order_id: str


@dataclass(frozen=True)
class ExpireReservations:
    """Expire up to `limit` HELD reservations past their time (the sweeper's batch)."""

    limit: int
