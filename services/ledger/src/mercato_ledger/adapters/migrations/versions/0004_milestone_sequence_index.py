"""Order milestones by their journal position: the running audit reads only the new ones.

The running audit checks that final orders leave nothing in escrow on the orders whose final
milestone arrived since its last check: milestones with `journal_sequence` above the head that
check read (a milestone takes the head + 1 when recorded). Without an index on the position
that selection reads every milestone (190k in a journal of 100k orders) once a check; with it,
a range of the new ones. The as-of reads of milestones (`journal_sequence <= N`, GMV) may use
it too. Built inside the migration's transaction, which blocks posting while it builds.

Revision ID: ledger_0004
Revises: ledger_0003
"""

from __future__ import annotations

from alembic import op

revision = "ledger_0004"
down_revision = "ledger_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_ledger_order_milestones_journal_sequence",
        "ledger_order_milestones",
        ["journal_sequence"],
    )


def downgrade() -> None:
    op.drop_index("ix_ledger_order_milestones_journal_sequence", "ledger_order_milestones")
