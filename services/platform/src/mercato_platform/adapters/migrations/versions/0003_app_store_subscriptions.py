"""The app store's subscriptions and their charges (one row per subscription and period).

Revision ID: platform_0003
Revises: platform_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "platform_0003"
down_revision = "platform_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_subscriptions",
        sa.Column("subscription_id", sa.String(64), primary_key=True),
        sa.Column("listing_id", sa.String(64), nullable=False, index=True),
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("seller_id", sa.String(64), nullable=False, index=True),
        sa.Column("vendor_app_id", sa.String(64), nullable=False, index=True),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("price_minor_units", sa.BigInteger, nullable=True),
        sa.Column("price_currency", sa.String(3), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("period_number", sa.Integer, nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=True, index=True),
        sa.Column("last_charge_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "app_store_charges",
        sa.Column("charge_id", sa.String(100), primary_key=True),
        sa.Column("subscription_id", sa.String(64), nullable=False, index=True),
        sa.Column("period_number", sa.Integer, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("platform_share", sa.BigInteger, nullable=False),
        sa.Column("vendor_share", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("app_store_charges")
    op.drop_table("app_subscriptions")
