"""What marketing keeps of other services' facts: catalog's products (as ads show them) and
identity's publisher sites.

Catalog's product events each carry part of a product (ProductUpdated has no prices,
PriceChanged one SKU's), so the projection keeps every SKU's price and the product's title and
attributes, and `merge` turns one event into the whole product as `ListProduct` says it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import RowMapping, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.money import Money
from mercato_marketing.adapters.rows import insert_for, of_json, to_json
from mercato_marketing.adapters.tables import promoted_product_skus, promoted_products, publishers
from mercato_marketing.domain import PromotedProduct, Publisher
from mercato_marketing.domain.commands import ListProduct


@dataclass(frozen=True)
class ProductFact:
    """One catalog product event, as far as ads care: None fields did not change."""

    product_id: str
    shop_id: str
    seller_id: str
    title: str | None = None
    attributes: tuple[tuple[str, str], ...] | None = None
    # Every SKU's price (a listing), or one SKU's new price.
    sku_prices: tuple[tuple[str, Money], ...] | None = None
    price_change: tuple[str, Money] | None = None
    listed: bool | None = None


class SqlProducts:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, product_id: str) -> PromotedProduct | None:
        return (await self.many([product_id])).get(product_id)

    async def many(self, product_ids: list[str]) -> dict[str, PromotedProduct]:
        if not product_ids:
            return {}
        rows = await self._session.execute(
            select(promoted_products).where(promoted_products.c.product_id.in_(product_ids))
        )
        return {row["product_id"]: _product(row) for row in rows.mappings()}

    async def put(self, product: PromotedProduct) -> None:
        values = {
            "shop_id": product.shop_id,
            "seller_id": product.seller_id,
            "title": product.title[:200],
            "currency": product.price.currency if product.price else None,
            "price": product.price.minor_units if product.price else None,
            "category": product.category[:100],
            "image_ref": product.image_ref,
            "listed": product.listed,
            "words": " ".join(sorted(product.words)),
        }
        statement = insert_for(self._session, promoted_products).values(
            product_id=product.product_id, attributes="[]", **values
        )
        await self._session.execute(
            statement.on_conflict_do_update(index_elements=["product_id"], set_=values)
        )

    async def merge(self, fact: ProductFact) -> ListProduct | None:
        """Record the event's part (SKU prices, attributes) and answer the whole product;
        None for a price change or update of a product never listed here."""
        row = (
            (
                await self._session.execute(
                    select(promoted_products).where(
                        promoted_products.c.product_id == fact.product_id
                    )
                )
            )
            .mappings()
            .first()
        )
        if row is None and fact.title is None:
            return None
        if fact.sku_prices is not None:
            await self._session.execute(
                delete(promoted_product_skus).where(
                    promoted_product_skus.c.product_id == fact.product_id
                )
            )
            for sku_id, price in fact.sku_prices:
                await self._set_price(fact.product_id, sku_id, price)
        if fact.price_change is not None:
            await self._set_price(fact.product_id, *fact.price_change)
        attributes = fact.attributes
        if attributes is None:
            attributes = (
                tuple((name, value) for name, value in of_json(row["attributes"])) if row else ()
            )
        title = fact.title if fact.title is not None else (row["title"] if row else "")
        listed = fact.listed if fact.listed is not None else bool(row["listed"]) if row else True
        statement = insert_for(self._session, promoted_products).values(
            product_id=fact.product_id,
            shop_id=fact.shop_id,
            seller_id=fact.seller_id,
            title=title[:200],
            attributes=to_json([list(pair) for pair in attributes]),
            currency=None,
            price=None,
            category="",
            image_ref="",
            listed=listed,
            words="",
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["product_id"],
                set_={"attributes": statement.excluded.attributes},
            )
        )
        return ListProduct(
            product_id=fact.product_id,
            shop_id=fact.shop_id,
            seller_id=fact.seller_id,
            title=title,
            attribute_values=attributes,
            lowest_price=await self._lowest_price(fact.product_id),
            listed=listed,
        )

    async def _set_price(self, product_id: str, sku_id: str, price: Money) -> None:
        values = {"currency": price.currency, "price": price.minor_units}
        statement = insert_for(self._session, promoted_product_skus).values(
            product_id=product_id, sku_id=sku_id, **values
        )
        await self._session.execute(
            statement.on_conflict_do_update(index_elements=["product_id", "sku_id"], set_=values)
        )

    async def _lowest_price(self, product_id: str) -> Money | None:
        row = (
            await self._session.execute(
                select(promoted_product_skus.c.price, promoted_product_skus.c.currency)
                .where(promoted_product_skus.c.product_id == product_id)
                .order_by(promoted_product_skus.c.price, promoted_product_skus.c.sku_id)
                .limit(1)
            )
        ).first()
        return None if row is None else Money(minor_units=row.price, currency=row.currency)


def _product(row: RowMapping) -> PromotedProduct:
    price = None
    if row["price"] is not None and row["currency"]:
        price = Money(minor_units=row["price"], currency=row["currency"])
    return PromotedProduct(
        product_id=row["product_id"],
        shop_id=row["shop_id"],
        seller_id=row["seller_id"],
        title=row["title"],
        price=price,
        category=row["category"],
        image_ref=row["image_ref"],
        listed=bool(row["listed"]),
        words=frozenset(word for word in row["words"].split(" ") if word),
    )


class SqlPublishers:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, publisher_id: str) -> Publisher | None:
        row = (
            await self._session.execute(
                select(publishers).where(publishers.c.publisher_id == publisher_id)
            )
        ).first()
        return None if row is None else Publisher(row.publisher_id, row.owner_account_id)

    async def put(self, publisher: Publisher) -> None:
        statement = insert_for(self._session, publishers).values(
            publisher_id=publisher.publisher_id, owner_account_id=publisher.owner_account_id
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["publisher_id"],
                set_={"owner_account_id": publisher.owner_account_id},
            )
        )
