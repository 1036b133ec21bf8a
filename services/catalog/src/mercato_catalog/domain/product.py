"""The Product aggregate: a shop's product, its SKUs, their prices and stock."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from mercato_catalog.domain.shop import Shop
from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from mercato_kit.money import Money

Attributes = tuple[tuple[str, str], ...]
"""(name, value) pairs in the seller's order; names unique."""

MAX_WEIGHT_GRAMS = 1_000_000
"""The heaviest unit a SKU may weigh (a tonne); a weight of 0 means unknown."""


class ProductStatus(Enum):
    ACTIVE = "active"
    DELISTED = "delisted"


class ProductDelisted(FailedPrecondition):
    """The product is off sale: it no longer changes."""


class StockWouldGoNegative(FailedPrecondition):
    """A write-off larger than the units available."""


@dataclass(frozen=True)
class SkuSpec:
    """A SKU as a seller lists it."""

    code: str
    attributes: Attributes
    price: Money
    stock: int
    weight_grams: int = 0


@dataclass(frozen=True)
class Sku:
    sku_id: str
    code: str
    attributes: Attributes
    price: Money
    available: int
    reserved: int = 0
    weight_grams: int = 0


class Product(Aggregate):
    """A product of a shop. Its SKUs' `available` counts change here only by a seller's
    adjustment; reservations move units between `available` and `reserved` elsewhere (see
    Reservation), which is why stock changes are expressed as deltas."""

    aggregate_type = "catalog.product"

    @dataclass(frozen=True)
    class Listed(DomainEvent):
        shop_id: str
        seller_id: str
        title: str
        description: str
        attributes: Attributes
        skus: tuple[Sku, ...]
        listed_at: datetime

    @dataclass(frozen=True)
    class Updated(DomainEvent):
        title: str
        description: str
        attributes: Attributes

    @dataclass(frozen=True)
    class PriceChanged(DomainEvent):
        sku_id: str
        old_price: Money
        new_price: Money

    @dataclass(frozen=True)
    class StockAdjusted(DomainEvent):
        sku_id: str
        delta: int
        available: int

    @dataclass(frozen=True)
    class Delisted(DomainEvent):
        pass

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.shop_id = ""
        self.seller_id = ""
        self.title = ""
        self.description = ""
        self.attributes: Attributes = ()
        self.skus: dict[str, Sku] = {}
        self.status = ProductStatus.ACTIVE
        self.listed_at = datetime.min

    @property
    def currency(self) -> str:
        return next(iter(self.skus.values())).price.currency

    @classmethod
    def list(
        cls,
        product_id: str,
        shop: Shop,
        title: str,
        description: str,
        attributes: Attributes,
        skus: Sequence[tuple[str, SkuSpec]],
        listed_at: datetime,
    ) -> Product:
        """List a product in an open shop; `skus` pairs each spec with its new SKU id."""
        shop.require_open()
        _check_attributes(attributes, "attributes")
        _check_skus([spec for _, spec in skus])
        product = cls(product_id)
        product._trigger(
            Product.Listed(
                shop_id=shop.id,
                seller_id=shop.seller_id,
                title=_title(title),
                description=description.strip(),
                attributes=attributes,
                skus=tuple(
                    Sku(
                        sku_id,
                        spec.code,
                        spec.attributes,
                        spec.price,
                        spec.stock,
                        weight_grams=spec.weight_grams,
                    )
                    for sku_id, spec in skus
                ),
                listed_at=listed_at,
            )
        )
        return product

    def update_details(self, title: str, description: str, attributes: Attributes) -> None:
        self._require_active()
        _check_attributes(attributes, "attributes")
        details = (_title(title), description.strip(), attributes)
        if details != (self.title, self.description, self.attributes):
            self._trigger(Product.Updated(*details))

    def change_price(self, sku_id: str, price: Money) -> None:
        self._require_active()
        sku = self._sku(sku_id)
        if price.currency != self.currency:
            raise InvalidArgument(
                "price.currency", f"the product is priced in {self.currency}, not {price.currency}"
            )
        if price != sku.price:
            self._trigger(Product.PriceChanged(sku_id, sku.price, price))

    def adjust_stock(self, sku_id: str, delta: int) -> None:
        self._require_active()
        if delta == 0:
            raise InvalidArgument("delta", "must not be zero")
        sku = self._sku(sku_id)
        if sku.available + delta < 0:
            raise StockWouldGoNegative(
                f"SKU {sku_id} has {sku.available} units available; cannot write off {-delta}"
            )
        self._trigger(Product.StockAdjusted(sku_id, delta, sku.available + delta))

    def delist(self) -> None:
        if self.status is ProductStatus.ACTIVE:
            self._trigger(Product.Delisted())

    def _require_active(self) -> None:
        if self.status is not ProductStatus.ACTIVE:
            raise ProductDelisted(f"product {self.id} is delisted")

    def _sku(self, sku_id: str) -> Sku:
        sku = self.skus.get(sku_id)
        if sku is None:
            raise NotFound(f"product {self.id} has no SKU {sku_id}")
        return sku

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case Product.Listed():
                self.shop_id, self.seller_id = event.shop_id, event.seller_id
                self.title, self.description = event.title, event.description
                self.attributes, self.listed_at = event.attributes, event.listed_at
                self.skus = {sku.sku_id: sku for sku in event.skus}
            case Product.Updated(title=title, description=description, attributes=attributes):
                self.title, self.description, self.attributes = title, description, attributes
            case Product.PriceChanged(sku_id=sku_id, new_price=new_price):
                self.skus[sku_id] = dataclasses.replace(self.skus[sku_id], price=new_price)
            case Product.StockAdjusted(sku_id=sku_id, available=available):
                self.skus[sku_id] = dataclasses.replace(self.skus[sku_id], available=available)
            case Product.Delisted():
                self.status = ProductStatus.DELISTED
            case _:
                raise TypeError(f"Product cannot apply {type(event).__name__}")

    @classmethod
    def restore(
        cls,
        product_id: str,
        *,
        version: int,
        shop_id: str,
        seller_id: str,
        title: str,
        description: str,
        attributes: Attributes,
        skus: Sequence[Sku],
        status: ProductStatus,
        listed_at: datetime,
    ) -> Product:
        """The product as stored (state, not history: see the package docs)."""
        product = cls(product_id)
        product.version, product.shop_id, product.seller_id = version, shop_id, seller_id
        product.title, product.description = title, description
        product.attributes, product.status, product.listed_at = attributes, status, listed_at
        product.skus = {sku.sku_id: sku for sku in skus}
        return product


def _title(title: str) -> str:
    stripped = title.strip()
    if not stripped:
        raise InvalidArgument("title", "must not be blank")
    return stripped


def _check_attributes(attributes: Attributes, field: str) -> None:
    seen: dict[str, int] = {}
    for index, (name, _) in enumerate(attributes):
        if name in seen:
            raise InvalidArgument(f"{field}[{index}].name", f"duplicates {field}[{seen[name]}]")
        seen[name] = index


def _check_skus(specs: Sequence[SkuSpec]) -> None:
    if not specs:
        raise InvalidArgument("skus", "a product has at least one SKU")
    codes: dict[str, int] = {}
    currency = specs[0].price.currency
    for index, spec in enumerate(specs):
        if spec.code in codes:
            raise InvalidArgument(f"skus[{index}].code", f"duplicates skus[{codes[spec.code]}]")
        codes[spec.code] = index
        if spec.price.currency != currency:
            raise InvalidArgument(
                f"skus[{index}].price.currency",
                f"every SKU of a product is priced in one currency ({currency} for skus[0])",
            )
        if spec.stock < 0:
            raise InvalidArgument(f"skus[{index}].stock", "must be 0 or more")
        if not 0 <= spec.weight_grams <= MAX_WEIGHT_GRAMS:
            raise InvalidArgument(
                f"skus[{index}].weight_grams", f"must be 0 (unknown) to {MAX_WEIGHT_GRAMS}"
            )
        _check_attributes(spec.attributes, f"skus[{index}].attributes")
