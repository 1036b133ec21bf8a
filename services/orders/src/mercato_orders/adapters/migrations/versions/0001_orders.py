"""Order summaries (what lists and the saga's sweep read) and the buyers' payment instruments.

Revision ID: orders_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "orders_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_summaries",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("order_id", sa.String(36), nullable=False, unique=True),
        sa.Column("buyer_id", sa.String(36), nullable=False),
        sa.Column("seller_id", sa.String(36), nullable=False),
        sa.Column("shop_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("final", sa.Boolean, nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_order_summaries_buyer", "order_summaries", ["buyer_id", "seq"])
    op.create_index("ix_order_summaries_shop", "order_summaries", ["shop_id", "seq"])
    op.create_index("ix_order_summaries_unfinished", "order_summaries", ["final", "seq"])
    op.create_table(
        "order_instruments",
        sa.Column("order_id", sa.String(36), primary_key=True),
        sa.Column("instrument", sa.String(19), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("order_instruments")
    op.drop_table("order_summaries")
