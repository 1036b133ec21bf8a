"""Marketing's tables: campaigns, the budget book, clicks, conversions, payouts, what other
services told it (products, publishers, traffic flags) and the reports' counters.

Revision ID: marketing_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "marketing_0001"
down_revision = None
branch_labels = None
depends_on = None

_TABLES = (
    "traffic_flags",
    "publishers",
    "publisher_rejections",
    "publisher_money_days",
    "publisher_earnings",
    "publisher_days",
    "promoted_products",
    "promoted_product_skus",
    "payout_batches",
    "conversions",
    "clicks",
    "campaigns",
    "campaign_spend",
    "campaign_rejections",
    "campaign_days",
    "campaign_day_spend",
    "budgets",
    "budget_balances",
)


def upgrade() -> None:
    op.create_table(
        "budget_balances",
        sa.Column("advertiser_id", sa.String(64), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("deposited", sa.BigInteger(), nullable=False),
        sa.Column("spent", sa.BigInteger(), nullable=False),
        sa.Column("held", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("spent >= 0 AND held >= 0", name="ck_budget_balances_not_negative"),
        sa.CheckConstraint(
            "deposited - spent - held >= 0", name="ck_budget_balances_not_overspent"
        ),
    )
    op.create_table(
        "budgets",
        sa.Column("advertiser_id", sa.String(64), primary_key=True),
        sa.Column("exhausted", sa.String(64), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "campaign_day_spend",
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("charged", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("charged >= 0", name="ck_campaign_day_spend_not_negative"),
    )
    op.create_table(
        "campaign_days",
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("impressions", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("clicks_accepted", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("clicks_invalidated", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("spend", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("conversions", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("attributed_gmv", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.create_table(
        "campaign_rejections",
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("reason", sa.String(32), primary_key=True),
        sa.Column("clicks", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.create_table(
        "campaign_spend",
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("advertiser_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total_cap", sa.BigInteger(), nullable=False),
        sa.Column("spent", sa.BigInteger(), nullable=False),
        sa.Column("held", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("spent >= 0 AND held >= 0", name="ck_campaign_spend_not_negative"),
        sa.CheckConstraint("spent + held <= total_cap", name="ck_campaign_spend_within_cap"),
    )
    op.create_table(
        "campaigns",
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("advertiser_id", sa.String(64), nullable=False),
        sa.Column("shop_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("product_ids", sa.Text(), nullable=False),
        sa.Column("pricing", sa.String(8), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("bid", sa.BigInteger(), nullable=True),
        sa.Column("commission_bps", sa.Integer(), nullable=False),
        sa.Column("total_cap", sa.BigInteger(), nullable=False),
        sa.Column("daily_cap", sa.BigInteger(), nullable=False),
        sa.Column("targeting", sa.Text(), nullable=False),
        sa.Column("starts_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("ends_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_campaigns_status", "campaigns", ["status"])
    op.create_index("ix_campaigns_advertiser_id", "campaigns", ["advertiser_id"])
    op.create_table(
        "clicks",
        sa.Column("click_id", sa.String(64), primary_key=True),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("advertiser_id", sa.String(64), nullable=False),
        sa.Column("publisher_id", sa.String(64), nullable=False),
        sa.Column("product_id", sa.String(64), nullable=False),
        sa.Column("shop_id", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.Column("pricing", sa.String(8), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("rejection", sa.String(32), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("cost", sa.BigInteger(), nullable=True),
        sa.Column("publisher_share", sa.BigInteger(), nullable=True),
        sa.Column("platform_share", sa.BigInteger(), nullable=True),
        sa.Column("clicked_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("invalidated", sa.Boolean(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_clicks_fingerprint", "clicks", ["fingerprint", "clicked_at_ms"])
    op.create_index(
        "ix_clicks_campaign_fingerprint", "clicks", ["campaign_id", "fingerprint", "clicked_at_ms"]
    )
    op.create_index("ix_clicks_publisher", "clicks", ["publisher_id", "clicked_at_ms"])
    op.create_table(
        "conversions",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.Column("refusal", sa.String(32), nullable=True),
        sa.Column("click_id", sa.String(64), nullable=False),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("advertiser_id", sa.String(64), nullable=False),
        sa.Column("publisher_id", sa.String(64), nullable=False),
        sa.Column("pricing", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("order_value", sa.BigInteger(), nullable=True),
        sa.Column("commission", sa.BigInteger(), nullable=True),
        sa.Column("charge_cost", sa.BigInteger(), nullable=True),
        sa.Column("charge_publisher_share", sa.BigInteger(), nullable=True),
        sa.Column("charge_platform_share", sa.BigInteger(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "payout_batches",
        sa.Column("batch_id", sa.String(64), primary_key=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("payouts", sa.Text(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "promoted_product_skus",
        sa.Column("product_id", sa.String(64), primary_key=True),
        sa.Column("sku_id", sa.String(64), primary_key=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "promoted_products",
        sa.Column("product_id", sa.String(64), primary_key=True),
        sa.Column("shop_id", sa.String(64), nullable=False),
        sa.Column("seller_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("attributes", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("price", sa.BigInteger(), nullable=True),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("image_ref", sa.Text(), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("words", sa.Text(), nullable=False),
    )
    op.create_table(
        "publisher_days",
        sa.Column("publisher_id", sa.String(64), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("impressions", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("clicks_accepted", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("clicks_invalidated", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("conversions", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("reversals", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.create_table(
        "publisher_earnings",
        sa.Column("publisher_id", sa.String(64), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("earned", sa.BigInteger(), nullable=False),
        sa.Column("reversed", sa.BigInteger(), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "publisher_money_days",
        sa.Column("publisher_id", sa.String(64), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("earned", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("reversed", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("paid", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.create_table(
        "publisher_rejections",
        sa.Column("publisher_id", sa.String(64), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("reason", sa.String(32), primary_key=True),
        sa.Column("clicks", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.create_table(
        "publishers",
        sa.Column("publisher_id", sa.String(64), primary_key=True),
        sa.Column("owner_account_id", sa.String(64), nullable=False),
    )
    op.create_table(
        "traffic_flags",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("until_ms", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    for table in _TABLES:
        op.drop_table(table)
