"""The wishlist summaries projection.

Revision ID: example_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "example_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wishlist_summaries",
        sa.Column("wishlist_id", sa.String(36), primary_key=True),
        sa.Column("owner_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("item_count", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_wishlist_summaries_owner_id", "wishlist_summaries", ["owner_id"])


def downgrade() -> None:
    op.drop_table("wishlist_summaries")
