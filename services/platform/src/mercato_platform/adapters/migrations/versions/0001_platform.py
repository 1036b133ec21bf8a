"""The platform's tables: the feed, owners, grants, subscriptions, webhook endpoints, messages
and delivery attempts.

Revision ID: platform_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "platform_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed",
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("seller_id", sa.String(64), nullable=True, index=True),
        sa.Column("carrier_id", sa.String(64), nullable=True, index=True),
        sa.Column("publisher_id", sa.String(64), nullable=True, index=True),
        sa.Column("cloud_event", sa.Text, nullable=False),
        sa.Column("redacted_event", sa.Text, nullable=True),
        sa.Column("appended_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "feed_sequence",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("trimmed_through", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "aggregate_owners",
        sa.Column("aggregate_type", sa.String(64), primary_key=True),
        sa.Column("aggregate_id", sa.String(200), primary_key=True),
        sa.Column("seller_id", sa.String(64), nullable=False),
        sa.Column("carrier_id", sa.String(64), nullable=False),
        sa.Column("publisher_id", sa.String(64), nullable=False),
    )
    op.create_table(
        "grants",
        sa.Column("grant_id", sa.String(64), primary_key=True),
        sa.Column("app_id", sa.String(64), nullable=False, index=True),
        sa.Column("seller_id", sa.String(64), nullable=False),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "subscriptions",
        sa.Column("app_id", sa.String(64), primary_key=True),
        sa.Column("types", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "endpoints",
        sa.Column("endpoint_id", sa.String(36), primary_key=True),
        sa.Column("app_id", sa.String(64), nullable=False, index=True),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("types", sa.Text, nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("app_scopes", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("disabled_reason", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("previous_secret", sa.String(128), nullable=True),
        sa.Column("previous_valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "webhook_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("endpoint_id", sa.String(36), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seller_id", sa.String(64), nullable=True),
        sa.Column("carrier_id", sa.String(64), nullable=True),
        sa.Column("publisher_id", sa.String(64), nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("round_attempts", sa.Integer, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_status_code", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_messages_endpoint_event"),
        sa.Index("ix_webhook_messages_due", "status", "next_attempt_at"),
        sa.Index("ix_webhook_messages_subject", "endpoint_id", "subject", "position"),
        sa.Index("ix_webhook_messages_time", "endpoint_id", "occurred_at"),
    )
    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("endpoint_id", sa.String(36), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("latency_ms", sa.Integer, nullable=False),
        sa.Column("excerpt", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Index("ix_delivery_attempts_endpoint", "endpoint_id", "id"),
        sa.Index("ix_delivery_attempts_message", "endpoint_id", "message_id"),
    )
    feed_sequence = sa.table(
        "feed_sequence",
        sa.column("name", sa.String),
        sa.column("position", sa.BigInteger),
        sa.column("trimmed_through", sa.BigInteger),
    )
    op.bulk_insert(feed_sequence, [{"name": "feed", "position": 0, "trimmed_through": 0}])


def downgrade() -> None:
    for table in (
        "delivery_attempts",
        "webhook_messages",
        "endpoints",
        "subscriptions",
        "grants",
        "aggregate_owners",
        "feed_sequence",
        "feed",
    ):
        op.drop_table(table)
