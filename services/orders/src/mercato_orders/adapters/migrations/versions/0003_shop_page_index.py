"""A shop's page of orders reads its newest rows from one index, whatever the shop's history.

The shop's page asks for `shop_id = ? AND seller_id = ?` newest first. With the index on
`(shop_id, seq)` PostgreSQL estimated the two equalities as independent (a few dozen rows) and
read every order of the shop, then sorted them: 1,845 buffers per page for a shop of 2,000
orders in a database of 100k (bench/bench_orders_scale.py). On `(shop_id, seller_id, seq)` the
page is a backward index range that stops after the page. It replaces the old index, whose
only reader was that page.

Revision ID: orders_0003
Revises: orders_0002
"""

from __future__ import annotations

from alembic import op

revision = "orders_0003"
down_revision = "orders_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_order_summaries_shop_seller", "order_summaries", ["shop_id", "seller_id", "seq"]
    )
    op.drop_index("ix_order_summaries_shop", "order_summaries")


def downgrade() -> None:
    op.create_index("ix_order_summaries_shop", "order_summaries", ["shop_id", "seq"])
    op.drop_index("ix_order_summaries_shop_seller", "order_summaries")
