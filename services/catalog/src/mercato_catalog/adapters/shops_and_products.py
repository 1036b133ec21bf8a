"""The shop and product repositories: rows and outbox in the unit of work's transaction.

A write loads its aggregate `for_update` (PostgreSQL row locks on the product and its SKUs,
taken in SKU-id order like every other locker of SKUs; SQLite serialises writers already), so
the decision is made on current values; the row update still checks the version it loaded,
and a mismatch is the kit's ConcurrencyError.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_catalog.adapters.rows import Row, product_of, shop_of, to_json
from mercato_catalog.adapters.tables import products, shops, skus
from mercato_catalog.domain import Product, Shop, StockWouldGoNegative
from mercato_kit.errors import AlreadyExists, ConcurrencyError, NotFound, quoted
from mercato_kit.storage import AggregateOutbox

_NAME_TAKEN_MARKERS = ("uq_shops_name_key", "shops.name_key")


class SqlShops:
    def __init__(self, session: AsyncSession, outbox: AggregateOutbox) -> None:
        self._session = session
        self._outbox = outbox

    async def get(self, shop_id: str, *, for_update: bool = False) -> Shop:
        query = select(shops).where(shops.c.shop_id == shop_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).mappings().first()
        if row is None:
            raise NotFound(f"shop {shop_id} does not exist")
        return shop_of(row)

    async def add(self, shop: Shop) -> None:
        with _name_unique(shop):
            await self._session.execute(
                insert(shops).values(
                    shop_id=shop.id,
                    seller_id=shop.seller_id,
                    tier=shop.tier.value,
                    opened_at=shop.opened_at,
                    **_profile(shop),
                )
            )
        await self._outbox.record(shop)

    async def save(self, shop: Shop) -> None:
        if not shop.pending_events():
            return
        with _name_unique(shop):
            changed = await self._session.execute(
                update(shops)
                .where(shops.c.shop_id == shop.id, shops.c.version == shop.saved_version)
                .values(**_profile(shop))
                .returning(shops.c.shop_id)
            )
        if changed.first() is None:
            raise ConcurrencyError(Shop.aggregate_type, shop.id, shop.saved_version)
        await self._outbox.record(shop)


def _profile(shop: Shop) -> dict[str, object]:
    return {
        "name": shop.name,
        "name_key": shop.name.casefold(),
        "description": shop.description,
        "status": shop.status.value,
        "version": shop.version,
    }


@contextmanager
def _name_unique(shop: Shop) -> Iterator[None]:
    try:
        yield
    except IntegrityError as exc:
        if any(marker in str(exc.orig) for marker in _NAME_TAKEN_MARKERS):
            raise AlreadyExists(f"a shop named {quoted(shop.name)} exists already") from None
        raise


_SKU_LABELS = {column.name: f"sku_{column.name}" for column in skus.c}
PRODUCT_WITH_SKUS = (
    select(products, *(column.label(_SKU_LABELS[column.name]) for column in skus.c))
    .outerjoin(skus, skus.c.product_id == products.c.product_id)
    .where(products.c.product_id == bindparam("product_id"))
)
"""A product and its SKUs in one statement (a read: one round trip instead of two)."""


def product_of_joined(product_id: str, rows: Sequence[Row]) -> Product:
    """The product in `PRODUCT_WITH_SKUS`'s rows (NotFound when there are none)."""
    if not rows:
        raise NotFound(f"product {product_id} does not exist")
    sku_rows = [
        {name: row[label] for name, label in _SKU_LABELS.items()}
        for row in rows
        if row[_SKU_LABELS["sku_id"]] is not None
    ]
    return product_of(rows[0], sku_rows)


class SqlProducts:
    def __init__(self, session: AsyncSession, outbox: AggregateOutbox) -> None:
        self._session = session
        self._outbox = outbox

    async def get(self, product_id: str, *, for_update: bool = False) -> Product:
        if not for_update:
            return await self._read(product_id)
        # Locked in two statements: FOR UPDATE does not apply to an outer join's nullable side.
        query = select(products).where(products.c.product_id == product_id).with_for_update()
        sku_query = (
            select(skus)
            .where(skus.c.product_id == product_id)
            .order_by(skus.c.sku_id)
            .with_for_update()
        )
        row = (await self._session.execute(query)).mappings().first()
        if row is None:
            raise NotFound(f"product {product_id} does not exist")
        sku_rows = (await self._session.execute(sku_query)).mappings().all()
        return product_of(row, sku_rows)

    async def _read(self, product_id: str) -> Product:
        rows = (
            (await self._session.execute(PRODUCT_WITH_SKUS, {"product_id": product_id}))
            .mappings()
            .all()
        )
        return product_of_joined(product_id, rows)

    async def add(self, product: Product) -> None:
        await self._session.execute(
            insert(products).values(
                product_id=product.id,
                shop_id=product.shop_id,
                seller_id=product.seller_id,
                listed_at=product.listed_at,
                **self._details(product),
            )
        )
        await self._session.execute(
            insert(skus),
            [
                {
                    "sku_id": sku.sku_id,
                    "product_id": product.id,
                    "position": position,
                    "code": sku.code,
                    "attributes": to_json(sku.attributes),
                    "currency": sku.price.currency,
                    "price_minor": sku.price.minor_units,
                    "available": sku.available,
                    "reserved": 0,
                    "weight_grams": sku.weight_grams,
                }
                for position, sku in enumerate(product.skus.values())
            ],
        )
        await self._outbox.record(product)

    async def save(self, product: Product) -> None:
        pending = product.pending_events()
        if not pending:
            return
        changed = await self._session.execute(
            update(products)
            .where(
                products.c.product_id == product.id,
                products.c.version == product.saved_version,
            )
            .values(**self._details(product))
            .returning(products.c.product_id)
        )
        if changed.first() is None:
            raise ConcurrencyError(Product.aggregate_type, product.id, product.saved_version)
        for event in pending:
            match event:
                case Product.PriceChanged(sku_id=sku_id, new_price=price):
                    await self._session.execute(
                        update(skus)
                        .where(skus.c.sku_id == sku_id)
                        .values(currency=price.currency, price_minor=price.minor_units)
                    )
                case Product.StockAdjusted(sku_id=sku_id, delta=delta):
                    # A delta, not the new count: reservations move `available` too.
                    adjusted = await self._session.execute(
                        update(skus)
                        .where(skus.c.sku_id == sku_id, skus.c.available + delta >= 0)
                        .values(available=skus.c.available + delta)
                        .returning(skus.c.sku_id)
                    )
                    if adjusted.first() is None:
                        raise StockWouldGoNegative(f"SKU {sku_id} has too few units available")
        await self._outbox.record(product)

    @staticmethod
    def _details(product: Product) -> dict[str, object]:
        return {
            "title": product.title,
            "description": product.description,
            "attributes": to_json(product.attributes),
            "status": product.status.value,
            "version": product.version,
        }
