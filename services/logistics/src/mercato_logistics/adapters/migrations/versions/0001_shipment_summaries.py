"""The shipment summaries that carriers list, written with each shipment's events.

Revision ID: logistics_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "logistics_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shipment_summaries",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("shipment_id", sa.String(36), nullable=False, unique=True),
        sa.Column("order_id", sa.String(36), nullable=False, unique=True),
        sa.Column("carrier_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("weight_grams", sa.BigInteger, nullable=False),
        sa.Column("tracking_number", sa.String(40), nullable=False),
        sa.Column("transit_scans", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_shipment_summaries_carrier", "shipment_summaries", ["carrier_id", "status", "seq"]
    )


def downgrade() -> None:
    op.drop_table("shipment_summaries")
