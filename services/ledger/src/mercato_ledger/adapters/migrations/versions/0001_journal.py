"""The journal (entries and their lines) and the orders' milestones.

Revision ID: ledger_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ledger_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("sequence", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("topic", sa.String(249), nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("occurred_at_us", sa.BigInteger, nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("previous_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("event_id", name="uq_ledger_entries_event_id"),
    )
    op.create_table(
        "ledger_lines",
        sa.Column(
            "sequence",
            sa.BigInteger,
            sa.ForeignKey("ledger_entries.sequence"),
            primary_key=True,
        ),
        sa.Column("line_no", sa.SmallInteger, primary_key=True),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("occurred_at_us", sa.BigInteger, nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
    )
    op.create_index("ix_ledger_lines_account", "ledger_lines", ["account", "sequence"])
    op.create_index("ix_ledger_lines_day", "ledger_lines", ["day"])
    op.create_table(
        "ledger_order_milestones",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("milestone", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("occurred_at_us", sa.BigInteger, nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("journal_sequence", sa.BigInteger, nullable=False),
        sa.Column("topic", sa.String(249), nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "ix_ledger_order_milestones_order", "ledger_order_milestones", ["order_id", "milestone"]
    )
    op.create_index(
        "ix_ledger_order_milestones_day", "ledger_order_milestones", ["milestone", "day"]
    )


def downgrade() -> None:
    op.drop_table("ledger_order_milestones")
    op.drop_table("ledger_lines")
    op.drop_table("ledger_entries")
