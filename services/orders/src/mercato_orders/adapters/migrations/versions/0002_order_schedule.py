"""When each order next needs the sweep, kept on its summary row, so the sweep and the saga's
metrics read the orders due (an index range), never every unfinished order.

Revision ID: orders_0002
Revises: orders_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "orders_0002"
down_revision = "orders_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("order_summaries") as table:
        table.add_column(sa.Column("deadline", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("wake_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(
            sa.Column("outstanding", sa.Integer, nullable=False, server_default=sa.text("0"))
        )
    op.create_index("ix_order_summaries_wake_at", "order_summaries", ["wake_at"])
    op.create_index("ix_order_summaries_deadline", "order_summaries", ["deadline"])
    op.create_index("ix_order_summaries_outstanding", "order_summaries", ["outstanding"])
    # Orders placed before this revision: the next sweep looks at each once and writes its
    # schedule.
    summaries = sa.table(
        "order_summaries",
        sa.column("final", sa.Boolean),
        sa.column("wake_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        summaries.update()
        .where(summaries.c.final.is_(False))
        .values(wake_at=sa.func.current_timestamp())
    )


def downgrade() -> None:
    op.drop_index("ix_order_summaries_outstanding", "order_summaries")
    op.drop_index("ix_order_summaries_deadline", "order_summaries")
    op.drop_index("ix_order_summaries_wake_at", "order_summaries")
    with op.batch_alter_table("order_summaries") as table:
        table.drop_column("outstanding")
        table.drop_column("wake_at")
        table.drop_column("deadline")
