"""A SKU's weight per unit in grams (0 = unknown, which every SKU listed before this is).

Revision ID: catalog_0002
Revises: catalog_0001
"""

from __future__ import annotations

from alembic import op

revision = "catalog_0002"
down_revision = "catalog_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One statement both backends accept. Not a batch copy of `skus` on SQLite: that would
    # have to carry its other CHECK constraints (the stock guards) across by hand.
    op.execute(
        "ALTER TABLE skus ADD COLUMN weight_grams BIGINT NOT NULL DEFAULT 0"
        " CONSTRAINT ck_skus_weight_not_negative CHECK (weight_grams >= 0)"
    )


def downgrade() -> None:
    op.drop_column("skus", "weight_grams")
