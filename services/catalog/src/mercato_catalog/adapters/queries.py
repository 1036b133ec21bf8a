"""The read side: a shop's products and full-text search, a page at a time.

Search is the same API on both backends: every word of the query must occur in the title or
the description (English stemming: "teas" finds "tea"), best matches first.
- PostgreSQL: `products.search_vector` (a generated tsvector, title weighted A, description B)
  with a GIN index; `plainto_tsquery('english', ...)` and `ts_rank`.
- SQLite: the FTS5 table `products_fts` (porter stemmer over unicode61) joined by rowid;
  `MATCH` of the quoted words and `bm25` (title weighted 10, description 1).
Ties, and searches without words, are ordered by product id (creation order).

Pages use keyset pagination: the opaque token is the sort key of the last row returned (the
score, scaled to an integer so it compares exactly, and the product id) plus a digest of the
search, so a token only continues the search that issued it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    cast,
    column,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_catalog.adapters.rows import products_of
from mercato_catalog.adapters.tables import products, shops, skus
from mercato_catalog.domain import Product, ProductStatus, ShopStatus
from mercato_kit.errors import InvalidArgument, NotFound
from mercato_kit.money import Money

DEFAULT_PAGE_SIZE = 20
MAX_QUERY_WORDS = 16
_SCORE_SCALE = 1_000_000_000
_WORD = re.compile(r"\w+")
_products_fts = table("products_fts", column("rowid"))


@dataclass(frozen=True)
class Page:
    products: list[Product]
    next_page_token: str


@dataclass(frozen=True)
class SearchFilters:
    """What a search asks for: words (all must match) and filters on the product's SKUs."""

    query: str
    shop_id: str | None = None
    min_price: Money | None = None
    max_price: Money | None = None
    in_stock: bool = False

    @property
    def words(self) -> list[str]:
        return _WORD.findall(self.query.casefold())[:MAX_QUERY_WORDS]

    def check(self) -> None:
        low, high = self.min_price, self.max_price
        if low is not None and high is not None:
            if low.currency != high.currency:
                raise InvalidArgument("max_price.currency", "must be min_price's currency")
            if low.minor_units > high.minor_units:
                raise InvalidArgument("max_price.minor_units", "must be at least min_price's")

    def digest(self) -> str:
        low, high = _money_key(self.min_price), _money_key(self.max_price)
        key = [self.words, self.shop_id, low, high, self.in_stock]
        return hashlib.sha256(json.dumps(key).encode()).hexdigest()[:16]


class SqlListings:
    """The read side on a unit of work's session (a read-only one, for queries)."""

    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self._session = session
        self._dialect = dialect

    async def of_shop(self, shop_id: str, page_size: int, page_token: str) -> Page:
        """A shop's active products, oldest first."""
        session = self._session
        if await session.scalar(select(shops.c.shop_id).where(shops.c.shop_id == shop_id)) is None:
            raise NotFound(f"shop {shop_id} does not exist")
        size = page_size or DEFAULT_PAGE_SIZE
        query = (
            select(products)
            .where(
                products.c.shop_id == shop_id,
                products.c.status == ProductStatus.ACTIVE.value,
            )
            .order_by(products.c.product_id)
            .limit(size + 1)
        )
        digest = f"shop:{shop_id}"
        if page_token:
            _, after = _read_token(page_token, digest)
            query = query.where(products.c.product_id > after)
        rows = (await session.execute(query)).mappings().all()
        found = await products_of(session, rows[:size])
        token = _token(digest, 0, found[-1].id) if len(rows) > size else ""
        return Page(found, token)

    async def search(self, filters: SearchFilters, page_size: int, page_token: str) -> Page:
        """Active products of open shops that match, best first."""
        session = self._session
        filters.check()
        size = page_size or DEFAULT_PAGE_SIZE
        digest = filters.digest()
        ranked = _ranked(self._dialect, filters).subquery("ranked")
        query = (
            select(products, ranked.c.score)
            .join(ranked, ranked.c.product_id == products.c.product_id)
            .order_by(ranked.c.score.desc(), ranked.c.product_id)
            .limit(size + 1)
        )
        if page_token:
            score, after = _read_token(page_token, digest)
            query = query.where(
                or_(
                    ranked.c.score < score,
                    and_(ranked.c.score == score, ranked.c.product_id > after),
                )
            )
        rows = (await session.execute(query)).mappings().all()
        found = await products_of(session, rows[:size])
        token = _token(digest, rows[size - 1]["score"], found[-1].id) if len(rows) > size else ""
        return Page(found, token)


def _ranked(dialect: str, filters: SearchFilters) -> Any:
    """product_id and an integer score of every matching product."""
    words = filters.words
    source: Any = products
    match: ColumnElement[bool] = true()
    score: ColumnElement[int] = literal(0, BigInteger)
    if words and dialect == "postgresql":
        vector: ColumnElement[Any] = literal_column("products.search_vector")
        tsquery = func.plainto_tsquery(literal_column("'english'::regconfig"), " ".join(words))
        match = vector.op("@@")(tsquery)
        score = cast(func.ts_rank(vector, tsquery) * _SCORE_SCALE, BigInteger)
    elif words:
        fts: ColumnElement[Any] = literal_column("products_fts")
        source = products.join(_products_fts, _products_fts.c.rowid == products.c.id)
        # Each word quoted: FTS5 query syntax in a buyer's text is data, not operators.
        match = fts.op("MATCH")(" ".join(f'"{word}"' for word in words))
        score = cast(-func.bm25(fts, 10.0, 1.0) * _SCORE_SCALE, BigInteger)
    return (
        select(products.c.product_id, score.label("score"))
        .select_from(source.join(shops, shops.c.shop_id == products.c.shop_id))
        .where(
            match,
            products.c.status == ProductStatus.ACTIVE.value,
            shops.c.status == ShopStatus.OPEN.value,
            *_filters(filters),
        )
    )


def _filters(filters: SearchFilters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if filters.shop_id is not None:
        found.append(products.c.shop_id == filters.shop_id)
    sku_terms: list[ColumnElement[bool]] = []
    priced = filters.min_price or filters.max_price
    if priced is not None:
        sku_terms.append(skus.c.currency == priced.currency)
    if filters.min_price is not None:
        sku_terms.append(skus.c.price_minor >= filters.min_price.minor_units)
    if filters.max_price is not None:
        sku_terms.append(skus.c.price_minor <= filters.max_price.minor_units)
    if filters.in_stock:
        sku_terms.append(skus.c.available > 0)
    if sku_terms:
        # One SKU must meet every SKU filter: "in stock at this price".
        found.append(exists().where(skus.c.product_id == products.c.product_id, *sku_terms))
    return found


def _money_key(money: Money | None) -> list[object] | None:
    return None if money is None else [money.currency, money.minor_units]


def _token(digest: str, score: int, product_id: str) -> str:
    raw = json.dumps([digest, int(score), product_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_token(token: str, digest: str) -> tuple[int, str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        issued_for, score, product_id = json.loads(raw)
        valid = isinstance(score, int) and isinstance(product_id, str)
    except (binascii.Error, ValueError, TypeError):
        valid = False
    if not valid:
        raise InvalidArgument("page_token", "is not a token this API returned")
    if issued_for != digest:
        raise InvalidArgument("page_token", "continues another search; start again without it")
    return score, product_id
