"""The platform's tables (created by migrations/versions/0001_platform.py)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

feed = Table(
    "feed",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("event_type", String(200), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False, index=True),
    Column("seller_id", String(64), nullable=True, index=True),
    Column("carrier_id", String(64), nullable=True, index=True),
    Column("publisher_id", String(64), nullable=True, index=True),
    Column("cloud_event", Text, nullable=False),
    Column("redacted_event", Text, nullable=True),
    Column("appended_at", DateTime(timezone=True), nullable=False),
)

feed_sequence = Table(
    "feed_sequence",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("trimmed_through", BigInteger, nullable=False),
)
"""One row ("feed"): the last position given out (its row lock orders the feed's writers, so
positions become visible in order) and the last position retention deleted."""

aggregate_owners = Table(
    "aggregate_owners",
    metadata,
    Column("aggregate_type", String(64), primary_key=True),
    Column("aggregate_id", String(200), primary_key=True),
    Column("seller_id", String(64), nullable=False),
    Column("carrier_id", String(64), nullable=False),
    Column("publisher_id", String(64), nullable=False),
)

grants = Table(
    "grants",
    metadata,
    Column("grant_id", String(64), primary_key=True),
    Column("app_id", String(64), nullable=False, index=True),
    Column("seller_id", String(64), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("app_id", String(64), primary_key=True),
    Column("types", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=True),
    Column("version", BigInteger, nullable=False),
)

endpoints = Table(
    "endpoints",
    metadata,
    Column("endpoint_id", String(36), primary_key=True),
    Column("app_id", String(64), nullable=False, index=True),
    Column("url", String(2048), nullable=False),
    Column("types", Text, nullable=False),
    Column("description", String(200), nullable=False),
    Column("app_scopes", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("disabled_reason", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("secret", String(128), nullable=False),
    Column("previous_secret", String(128), nullable=True),
    Column("previous_valid_until", DateTime(timezone=True), nullable=True),
    Column("failing_since", DateTime(timezone=True), nullable=True),
    Column("position", BigInteger, nullable=False),
    Column("version", BigInteger, nullable=False),
)

webhook_messages = Table(
    "webhook_messages",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("endpoint_id", String(36), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("seller_id", String(64), nullable=True),
    Column("carrier_id", String(64), nullable=True),
    Column("publisher_id", String(64), nullable=True),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("round_attempts", Integer, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_status_code", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_messages_endpoint_event"),
    Index("ix_webhook_messages_due", "status", "next_attempt_at"),
    Index("ix_webhook_messages_subject", "endpoint_id", "subject", "position"),
    Index("ix_webhook_messages_time", "endpoint_id", "occurred_at"),
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("endpoint_id", String(36), nullable=False),
    Column("message_id", String(64), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("latency_ms", Integer, nullable=False),
    Column("excerpt", String(200), nullable=False),
    Column("outcome", String(16), nullable=False),
    Index("ix_delivery_attempts_endpoint", "endpoint_id", "id"),
    Index("ix_delivery_attempts_message", "endpoint_id", "message_id"),
)
