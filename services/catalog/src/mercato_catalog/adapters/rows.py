"""Rows <-> domain objects: JSON columns, UTC times, and loading products with their SKUs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_catalog.adapters.tables import skus
from mercato_catalog.domain import Attributes, Product, ProductStatus, Shop, ShopStatus, Sku, Tier
from mercato_kit.money import Money

Row = Mapping[Any, Any]
"""A row by column name (SQLAlchemy's RowMapping, or a dict)."""


def to_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def attributes_of(text: str) -> Attributes:
    return tuple((str(name), str(value)) for name, value in json.loads(text))


def utc(value: datetime) -> datetime:
    """A stored time as aware UTC (SQLite keeps no offset: everything is stored in UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch (integer arithmetic: no float rounding)."""
    return (moment - _EPOCH) // _MS


def from_ms(ms: int) -> datetime:
    return _EPOCH + ms * _MS


def shop_of(row: Row) -> Shop:
    return Shop.restore(
        row["shop_id"],
        version=row["version"],
        seller_id=row["seller_id"],
        name=row["name"],
        description=row["description"],
        tier=Tier(row["tier"]),
        status=ShopStatus(row["status"]),
        opened_at=utc(row["opened_at"]),
    )


def sku_of(row: Row) -> Sku:
    return Sku(
        sku_id=row["sku_id"],
        code=row["code"],
        attributes=attributes_of(row["attributes"]),
        price=Money(minor_units=row["price_minor"], currency=row["currency"]),
        available=row["available"],
        reserved=row["reserved"],
        weight_grams=row["weight_grams"],
    )


def product_of(row: Row, sku_rows: Sequence[Row]) -> Product:
    return Product.restore(
        row["product_id"],
        version=row["version"],
        shop_id=row["shop_id"],
        seller_id=row["seller_id"],
        title=row["title"],
        description=row["description"],
        attributes=attributes_of(row["attributes"]),
        skus=[sku_of(sku) for sku in sorted(sku_rows, key=lambda sku: sku["position"])],
        status=ProductStatus(row["status"]),
        listed_at=utc(row["listed_at"]),
    )


async def products_of(session: AsyncSession, rows: Sequence[Row]) -> list[Product]:
    """The products of `rows` (in their order) with their SKUs, read in one more query."""
    if not rows:
        return []
    ids = [row["product_id"] for row in rows]
    sku_rows = (
        (await session.execute(select(skus).where(skus.c.product_id.in_(ids)))).mappings().all()
    )
    by_product: dict[str, list[Row]] = {product_id: [] for product_id in ids}
    for sku in sku_rows:
        by_product[sku["product_id"]].append(sku)
    return [product_of(row, by_product[row["product_id"]]) for row in rows]
