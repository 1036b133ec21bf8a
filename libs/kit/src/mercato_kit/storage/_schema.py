"""The kit's tables, in every service's own database (SQLite or PostgreSQL).

Created and changed only by the Alembic migrations in `migrations/` (version table
`kit_alembic_version`); services keep their own tables in a chain of their own.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
)

metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
_Position = BigInteger().with_variant(Integer(), "sqlite")

events = Table(
    "events",
    metadata,
    Column("position", _Position, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("aggregate_type", String(64), nullable=False),
    Column("aggregate_id", String(64), nullable=False),
    Column("aggregate_version", BigInteger, nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("correlation_id", String(64), nullable=False),
    Column("causation_id", String(64), nullable=False),
    Column("producer", String(64), nullable=False),
    Column("traceparent", String(64), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    UniqueConstraint(
        "aggregate_type", "aggregate_id", "aggregate_version", name="uq_events_aggregate_version"
    ),
)
"""The event store: every event of every event-sourced aggregate, in global `position` order."""

outbox = Table(
    "outbox",
    metadata,
    Column("id", _Position, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("topic", String(249), nullable=False),
    Column("key", LargeBinary, nullable=False),
    Column("value", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # SQLite would reuse the ids of a drained table; a flush ("every row up to id N") must not
    # then take in rows committed after it began.
    sqlite_autoincrement=True,
)
"""Records written in the same transaction as the state that produced them, awaiting the relay.

The relay publishes rows in `id` order and deletes them once Kafka has acknowledged them.
Headers are derived from `value` (the envelope) at publish time.
"""

relay_leases = Table(
    "relay_leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    Column("fencing_token", BigInteger, nullable=False),
)
"""At most one relay per database publishes: it holds the lease until it expires."""

consumer_positions = Table(
    "consumer_positions",
    metadata,
    Column("consumer", String(128), nullable=False),
    Column("topic", String(249), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("next_offset", BigInteger, nullable=False),
    PrimaryKeyConstraint("consumer", "topic", "partition", name="pk_consumer_positions"),
)
"""Where each consumer resumes in each partition, written in the same transaction as its effects."""

processed_events = Table(
    "processed_events",
    metadata,
    Column("consumer", String(128), nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("topic", String(249), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("consumer", "event_id", name="pk_processed_events"),
)
"""Every event a consumer has applied (or dead-lettered): a redelivery is recognised and skipped."""

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(128), nullable=False),
    Column("key", String(128), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("response", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("scope", "key", name="pk_idempotency_keys"),
    Index("ix_idempotency_keys_created_at", "created_at"),
)
"""The first response to each (command, key), returned again for a repeat of the same request;
kept for the service's `<SERVICE>_IDEMPOTENCY_KEY_RETENTION` (the oldest found by
`created_at`)."""
