"""The catalog's tables (state, not history), created by migrations/versions/.

Besides these, the migrations create the full-text index the search reads: on PostgreSQL a
generated `products.search_vector` (tsvector, GIN index); on SQLite an FTS5 table
`products_fts` whose rowid is `products.id`, kept by triggers. Neither is declared here, so
the same `products` table serves both.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
_RowId = BigInteger().with_variant(Integer(), "sqlite")

shops = Table(
    "shops",
    metadata,
    Column("shop_id", String(36), primary_key=True),
    Column("seller_id", String(64), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    # The name case-folded: shop names are unique regardless of case.
    Column("name_key", String(100), nullable=False),
    Column("description", Text, nullable=False),
    Column("tier", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("version", BigInteger, nullable=False),
    UniqueConstraint("name_key", name="uq_shops_name_key"),
)

products = Table(
    "products",
    metadata,
    Column("id", _RowId, primary_key=True, autoincrement=True),
    Column("product_id", String(36), nullable=False),
    Column("shop_id", String(36), ForeignKey("shops.shop_id"), nullable=False),
    Column("seller_id", String(64), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("attributes", Text, nullable=False),  # JSON [[name, value], ...]
    Column("status", String(16), nullable=False),
    Column("listed_at", DateTime(timezone=True), nullable=False),
    Column("version", BigInteger, nullable=False),
    UniqueConstraint("product_id", name="uq_products_product_id"),
    Index("ix_products_shop_id_product_id", "shop_id", "product_id"),
)

skus = Table(
    "skus",
    metadata,
    Column("sku_id", String(36), primary_key=True),
    Column("product_id", String(36), ForeignKey("products.product_id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("code", String(64), nullable=False),
    Column("attributes", Text, nullable=False),  # JSON [[name, value], ...]
    Column("currency", String(3), nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("available", BigInteger, nullable=False),
    Column("reserved", BigInteger, nullable=False),
    # Grams per unit; 0 = unknown (added by catalog_0002, hence the default).
    Column("weight_grams", BigInteger, nullable=False, server_default="0"),
    CheckConstraint("price_minor > 0", name="ck_skus_price_positive"),
    # The last line of defence: stock is never oversold, whatever the code above does.
    CheckConstraint("available >= 0", name="ck_skus_available_not_negative"),
    CheckConstraint("reserved >= 0", name="ck_skus_reserved_not_negative"),
    CheckConstraint("weight_grams >= 0", name="ck_skus_weight_not_negative"),
    UniqueConstraint("product_id", "code", name="uq_skus_product_code"),
)

reservations = Table(
    "reservations",
    metadata,
    Column("reservation_id", String(36), primary_key=True),
    Column("order_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("lines", Text, nullable=False),  # JSON [[sku_id, product_id, quantity], ...]
    Column("shortages", Text, nullable=False),  # JSON [[sku_id, requested, available, reason]]
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    # The correlation id of the call that placed it, for the events of its expiry.
    Column("correlation_id", String(64), nullable=False),
    Column("version", BigInteger, nullable=False),
    UniqueConstraint("order_id", name="uq_reservations_order_id"),
    Index("ix_reservations_status_expires_at_ms", "status", "expires_at_ms"),
)
