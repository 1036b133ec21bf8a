"""The app store's billing through payments and grants through identity: a subscription's
scopes, instrument, pending charge and refunds, grace period, grant and the moment it next
needs the billing worker; charges carry their status; refunds get a table; listings a version.

Revision ID: platform_0004
Revises: platform_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "platform_0004"
down_revision = "platform_0003"
branch_labels = None
depends_on = None

_SUBSCRIPTION_COLUMNS = (
    sa.Column("scopes", sa.Text, nullable=False, server_default="[]"),
    sa.Column("instrument", sa.String(19), nullable=False, server_default=""),
    sa.Column("charge", sa.Text, nullable=True),
    sa.Column("grace_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("refunds", sa.Text, nullable=False, server_default="[]"),
    sa.Column("grant_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("granted_scopes", sa.Text, nullable=False, server_default="[]"),
    sa.Column("grant_round", sa.Integer, nullable=False, server_default="1"),
    sa.Column("wake_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("ended_reason", sa.String(64), nullable=False, server_default=""),
    sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True),
)


def upgrade() -> None:
    with op.batch_alter_table("app_subscriptions") as table:
        for column in _SUBSCRIPTION_COLUMNS:
            table.add_column(column)
        table.create_index("ix_app_subscriptions_wake_at", ["wake_at"])
    with op.batch_alter_table("app_store_charges") as table:
        table.add_column(
            sa.Column("status", sa.String(16), nullable=False, server_default="charged")
        )
        table.add_column(sa.Column("charged_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(
            sa.Column("vendor_app_id", sa.String(64), nullable=False, server_default="")
        )
        table.add_column(sa.Column("listing_id", sa.String(64), nullable=False, server_default=""))
        table.create_index("ix_app_store_charges_vendor", ["vendor_app_id", "listing_id"])
    with op.batch_alter_table("app_listings") as table:
        table.add_column(sa.Column("number", sa.Integer, nullable=False, server_default="1"))
    op.create_table(
        "app_store_refunds",
        sa.Column("refund_id", sa.String(64), primary_key=True),
        sa.Column("charge_id", sa.String(100), nullable=False, index=True),
        sa.Column("subscription_id", sa.String(64), nullable=False),
        sa.Column("vendor_app_id", sa.String(64), nullable=False),
        sa.Column("listing_id", sa.String(64), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("platform_share", sa.BigInteger, nullable=False),
        sa.Column("vendor_share", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Index("ix_app_store_refunds_vendor", "vendor_app_id", "listing_id"),
    )


def downgrade() -> None:
    op.drop_table("app_store_refunds")
    with op.batch_alter_table("app_listings") as table:
        table.drop_column("number")
    with op.batch_alter_table("app_store_charges") as table:
        table.drop_index("ix_app_store_charges_vendor")
        for name in ("listing_id", "vendor_app_id", "charged_at", "status"):
            table.drop_column(name)
    with op.batch_alter_table("app_subscriptions") as table:
        table.drop_index("ix_app_subscriptions_wake_at")
        for column in reversed(_SUBSCRIPTION_COLUMNS):
            table.drop_column(column.name)
