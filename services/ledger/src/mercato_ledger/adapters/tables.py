"""The ledger's tables, as SQLAlchemy Core sees them (created by migrations/versions)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, SmallInteger, String, Table

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"
"""The ledger's Alembic revisions (run after the kit's by the runtime, and by a replay)."""

metadata = MetaData()

entries = Table(
    "ledger_entries",
    metadata,
    Column("sequence", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("event_type", String(200), nullable=False),
    Column("topic", String(249), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("occurred_at_us", BigInteger, nullable=False),
    Column("posted_at", DateTime(timezone=True), nullable=False),
    Column("previous_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

lines = Table(
    "ledger_lines",
    metadata,
    Column("sequence", BigInteger, primary_key=True),
    Column("line_no", SmallInteger, primary_key=True),
    Column("account", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("occurred_at_us", BigInteger, nullable=False),
    Column("day", String(10), nullable=False),
)

milestones = Table(
    "ledger_order_milestones",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("order_id", String(64), nullable=False),
    Column("milestone", String(16), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("occurred_at_us", BigInteger, nullable=False),
    Column("day", String(10), nullable=False),
    Column("journal_sequence", BigInteger, nullable=False),
    Column("topic", String(249), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
)
