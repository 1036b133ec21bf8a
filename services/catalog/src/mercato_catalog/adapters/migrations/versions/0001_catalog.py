"""The catalog's tables, and the full-text index of products for each backend.

Revision ID: catalog_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "catalog_0001"
down_revision = None
branch_labels = None
depends_on = None

_row_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Both stem English words (so "teas" finds "tea") and weigh the title above the description.
_POSTGRES_SEARCH = [
    """
    ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, description), 'B')
    ) STORED
    """,
    "CREATE INDEX ix_products_search_vector ON products USING GIN (search_vector)",
]
_SQLITE_SEARCH = [
    """
    CREATE VIRTUAL TABLE products_fts USING fts5(
        title, description, tokenize = 'porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
        INSERT INTO products_fts (rowid, title, description)
        VALUES (new.id, new.title, new.description);
    END
    """,
    """
    CREATE TRIGGER products_fts_update AFTER UPDATE OF title, description ON products BEGIN
        DELETE FROM products_fts WHERE rowid = old.id;
        INSERT INTO products_fts (rowid, title, description)
        VALUES (new.id, new.title, new.description);
    END
    """,
    """
    CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
        DELETE FROM products_fts WHERE rowid = old.id;
    END
    """,
]


def upgrade() -> None:
    op.create_table(
        "shops",
        sa.Column("shop_id", sa.String(36), primary_key=True),
        sa.Column("seller_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_key", sa.String(100), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("name_key", name="uq_shops_name_key"),
    )
    op.create_index("ix_shops_seller_id", "shops", ["seller_id"])
    op.create_table(
        "products",
        sa.Column("id", _row_id, primary_key=True, autoincrement=True),
        sa.Column("product_id", sa.String(36), nullable=False),
        sa.Column("shop_id", sa.String(36), sa.ForeignKey("shops.shop_id"), nullable=False),
        sa.Column("seller_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("attributes", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("listed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("product_id", name="uq_products_product_id"),
        # SQLite would reuse a deleted row's id, and products_fts is keyed by it.
        sqlite_autoincrement=True,
    )
    op.create_index("ix_products_shop_id_product_id", "products", ["shop_id", "product_id"])
    op.create_table(
        "skus",
        sa.Column("sku_id", sa.String(36), primary_key=True),
        sa.Column(
            "product_id", sa.String(36), sa.ForeignKey("products.product_id"), nullable=False
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("attributes", sa.Text, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("price_minor", sa.BigInteger, nullable=False),
        sa.Column("available", sa.BigInteger, nullable=False),
        sa.Column("reserved", sa.BigInteger, nullable=False),
        sa.CheckConstraint("price_minor > 0", name="ck_skus_price_positive"),
        sa.CheckConstraint("available >= 0", name="ck_skus_available_not_negative"),
        sa.CheckConstraint("reserved >= 0", name="ck_skus_reserved_not_negative"),
        sa.UniqueConstraint("product_id", "code", name="uq_skus_product_code"),
    )
    op.create_table(
        "reservations",
        sa.Column("reservation_id", sa.String(36), primary_key=True),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lines", sa.Text, nullable=False),
        sa.Column("shortages", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("order_id", name="uq_reservations_order_id"),
    )
    op.create_index(
        "ix_reservations_status_expires_at_ms", "reservations", ["status", "expires_at_ms"]
    )
    statements = _POSTGRES_SEARCH if _dialect() == "postgresql" else _SQLITE_SEARCH
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if _dialect() == "sqlite":
        op.execute("DROP TABLE products_fts")
    for table in ("reservations", "skus", "products", "shops"):
        op.drop_table(table)


def _dialect() -> str:
    return str(op.get_bind().dialect.name)
