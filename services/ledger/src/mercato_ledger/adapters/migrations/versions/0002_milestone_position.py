"""An order milestone counts from the next entry's position, not the head's when it arrived.

A milestone was stored with the journal's head sequence N at the time it was recorded, so a
milestone recorded after a reader had seen head N still counted "as of N": the figures as of a
position already read could grow (GMV as of a sequence, shown by the console, then read again).
Milestones now take N + 1, the position of the first entry posted after them; the rows already
written move to the same rule, so a rebuild and the live ledger agree.

Revision ID: ledger_0002
Revises: ledger_0001
"""

from __future__ import annotations

from alembic import op

revision = "ledger_0002"
down_revision = "ledger_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE ledger_order_milestones SET journal_sequence = journal_sequence + 1")


def downgrade() -> None:
    op.execute("UPDATE ledger_order_milestones SET journal_sequence = journal_sequence - 1")
