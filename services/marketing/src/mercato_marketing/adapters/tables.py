"""Marketing's tables (state, not history), created by migrations/versions/.

Amounts are integer minor units beside their currency; moments that queries compare are
integer milliseconds since the epoch (UTC), the same on SQLite and PostgreSQL. Lists are JSON.

    campaigns, budgets, clicks,        the aggregates (each row at its version; their events go
    conversions, payout_batches        out through the outbox in the same transaction)
    budget_balances                    the budget book: per advertiser and currency deposited,
    campaign_spend, campaign_day_spend spent and held; per campaign spent and held; per campaign
                                       and UTC day what was charged (the daily cap)
    publisher_earnings                 per publisher and currency earned, reversed, paid
    promoted_products (+ _skus),       what other services told marketing: catalog's products,
    publishers, traffic_flags          identity's publisher sites, the traffic worker's flags
    campaign_days, campaign_rejections the reports' counters, per campaign (or publisher) and
    publisher_days, publisher_rejections UTC day
    publisher_money_days
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

_ID = 64  # uuids (36) and identity's ids; room to spare
_DAY = 10  # "YYYY-MM-DD"

campaigns = Table(
    "campaigns",
    metadata,
    Column("campaign_id", String(_ID), primary_key=True),
    Column("advertiser_id", String(_ID), nullable=False),
    Column("shop_id", String(_ID), nullable=False),
    Column("name", String(100), nullable=False),
    Column("product_ids", Text, nullable=False),  # JSON [id, ...]
    Column("pricing", String(8), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("bid", BigInteger, nullable=True),
    Column("commission_bps", Integer, nullable=False),
    Column("total_cap", BigInteger, nullable=False),
    Column("daily_cap", BigInteger, nullable=False),
    Column("targeting", Text, nullable=False),  # JSON {"keywords": [...], ...}
    Column("starts_at_ms", BigInteger, nullable=False),
    Column("ends_at_ms", BigInteger, nullable=True),
    Column("status", String(16), nullable=False),
    Column("version", BigInteger, nullable=False),
    Index("ix_campaigns_advertiser_id", "advertiser_id"),
    Index("ix_campaigns_status", "status"),
)

budgets = Table(
    "budgets",
    metadata,
    Column("advertiser_id", String(_ID), primary_key=True),
    # Currencies whose balance is exhausted (serving stopped), comma-separated.
    Column("exhausted", String(64), nullable=False),
    Column("version", BigInteger, nullable=False),
)

budget_balances = Table(
    "budget_balances",
    metadata,
    Column("advertiser_id", String(_ID), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("deposited", BigInteger, nullable=False),
    Column("spent", BigInteger, nullable=False),
    Column("held", BigInteger, nullable=False),
    # The last line of defence: the conditional updates never get here.
    CheckConstraint("spent >= 0 AND held >= 0", name="ck_budget_balances_not_negative"),
    CheckConstraint("deposited - spent - held >= 0", name="ck_budget_balances_not_overspent"),
)

campaign_spend = Table(
    "campaign_spend",
    metadata,
    Column("campaign_id", String(_ID), primary_key=True),
    Column("advertiser_id", String(_ID), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total_cap", BigInteger, nullable=False),
    Column("spent", BigInteger, nullable=False),
    Column("held", BigInteger, nullable=False),
    CheckConstraint("spent >= 0 AND held >= 0", name="ck_campaign_spend_not_negative"),
    CheckConstraint("spent + held <= total_cap", name="ck_campaign_spend_within_cap"),
)

campaign_day_spend = Table(
    "campaign_day_spend",
    metadata,
    Column("campaign_id", String(_ID), primary_key=True),
    Column("day", String(_DAY), primary_key=True),
    Column("charged", BigInteger, nullable=False),
    CheckConstraint("charged >= 0", name="ck_campaign_day_spend_not_negative"),
)

clicks = Table(
    "clicks",
    metadata,
    Column("click_id", String(_ID), primary_key=True),
    Column("campaign_id", String(_ID), nullable=False),
    Column("advertiser_id", String(_ID), nullable=False),
    Column("publisher_id", String(_ID), nullable=False),
    Column("product_id", String(_ID), nullable=False),
    Column("shop_id", String(_ID), nullable=False),
    Column("fingerprint", String(128), nullable=False),
    Column("pricing", String(8), nullable=False),
    Column("accepted", Boolean, nullable=False),
    Column("rejection", String(32), nullable=True),
    Column("currency", String(3), nullable=True),
    Column("cost", BigInteger, nullable=True),
    Column("publisher_share", BigInteger, nullable=True),
    Column("platform_share", BigInteger, nullable=True),
    Column("clicked_at_ms", BigInteger, nullable=False),
    Column("invalidated", Boolean, nullable=False),
    Column("version", BigInteger, nullable=False),
    Index("ix_clicks_campaign_fingerprint", "campaign_id", "fingerprint", "clicked_at_ms"),
    Index("ix_clicks_fingerprint", "fingerprint", "clicked_at_ms"),
    Index("ix_clicks_publisher", "publisher_id", "clicked_at_ms"),
)

conversions = Table(
    "conversions",
    metadata,
    Column("order_id", String(_ID), primary_key=True),
    Column("refused", Boolean, nullable=False),
    Column("refusal", String(32), nullable=True),
    Column("click_id", String(_ID), nullable=False),
    Column("campaign_id", String(_ID), nullable=False),
    Column("advertiser_id", String(_ID), nullable=False),
    Column("publisher_id", String(_ID), nullable=False),
    Column("pricing", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("currency", String(3), nullable=True),
    Column("order_value", BigInteger, nullable=True),
    Column("commission", BigInteger, nullable=True),
    Column("charge_cost", BigInteger, nullable=True),
    Column("charge_publisher_share", BigInteger, nullable=True),
    Column("charge_platform_share", BigInteger, nullable=True),
    Column("version", BigInteger, nullable=False),
)

payout_batches = Table(
    "payout_batches",
    metadata,
    Column("batch_id", String(_ID), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("payouts", Text, nullable=False),  # JSON [[publisher_id, minor_units], ...]
    Column("closed", Boolean, nullable=False),
    Column("version", BigInteger, nullable=False),
)

publisher_earnings = Table(
    "publisher_earnings",
    metadata,
    Column("publisher_id", String(_ID), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("earned", BigInteger, nullable=False),
    Column("reversed", BigInteger, nullable=False),
    Column("paid", BigInteger, nullable=False),
)

promoted_products = Table(
    "promoted_products",
    metadata,
    Column("product_id", String(_ID), primary_key=True),
    Column("shop_id", String(_ID), nullable=False),
    Column("seller_id", String(_ID), nullable=False),
    Column("title", String(200), nullable=False),
    Column("attributes", Text, nullable=False),  # JSON [[name, value], ...]
    Column("currency", String(3), nullable=True),
    Column("price", BigInteger, nullable=True),  # the lowest SKU price
    Column("category", String(100), nullable=False),
    Column("image_ref", Text, nullable=False),
    Column("listed", Boolean, nullable=False),
    Column("words", Text, nullable=False),  # space-separated
)

promoted_product_skus = Table(
    "promoted_product_skus",
    metadata,
    Column("product_id", String(_ID), primary_key=True),
    Column("sku_id", String(_ID), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("price", BigInteger, nullable=False),
)

publishers = Table(
    "publishers",
    metadata,
    Column("publisher_id", String(_ID), primary_key=True),
    Column("owner_account_id", String(_ID), nullable=False),
)

traffic_flags = Table(
    "traffic_flags",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("until_ms", BigInteger, nullable=False),
)

campaign_days = Table(
    "campaign_days",
    metadata,
    Column("campaign_id", String(_ID), primary_key=True),
    Column("day", String(_DAY), primary_key=True),
    Column("impressions", BigInteger, nullable=False, server_default="0"),
    Column("clicks_accepted", BigInteger, nullable=False, server_default="0"),
    Column("clicks_invalidated", BigInteger, nullable=False, server_default="0"),
    Column("spend", BigInteger, nullable=False, server_default="0"),
    Column("conversions", BigInteger, nullable=False, server_default="0"),
    Column("attributed_gmv", BigInteger, nullable=False, server_default="0"),
)

campaign_rejections = Table(
    "campaign_rejections",
    metadata,
    Column("campaign_id", String(_ID), primary_key=True),
    Column("day", String(_DAY), primary_key=True),
    Column("reason", String(32), primary_key=True),
    Column("clicks", BigInteger, nullable=False, server_default="0"),
)

publisher_days = Table(
    "publisher_days",
    metadata,
    Column("publisher_id", String(_ID), primary_key=True),
    Column("day", String(_DAY), primary_key=True),
    Column("impressions", BigInteger, nullable=False, server_default="0"),
    Column("clicks_accepted", BigInteger, nullable=False, server_default="0"),
    Column("clicks_invalidated", BigInteger, nullable=False, server_default="0"),
    Column("conversions", BigInteger, nullable=False, server_default="0"),
    Column("reversals", BigInteger, nullable=False, server_default="0"),
)

publisher_rejections = Table(
    "publisher_rejections",
    metadata,
    Column("publisher_id", String(_ID), primary_key=True),
    Column("day", String(_DAY), primary_key=True),
    Column("reason", String(32), primary_key=True),
    Column("clicks", BigInteger, nullable=False, server_default="0"),
)

publisher_money_days = Table(
    "publisher_money_days",
    metadata,
    Column("publisher_id", String(_ID), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("day", String(_DAY), primary_key=True),
    Column("earned", BigInteger, nullable=False, server_default="0"),
    Column("reversed", BigInteger, nullable=False, server_default="0"),
    Column("paid", BigInteger, nullable=False, server_default="0"),
)
