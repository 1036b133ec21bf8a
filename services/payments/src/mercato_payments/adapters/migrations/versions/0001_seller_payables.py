"""Sellers' payable balances.

Revision ID: payments_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "payments_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seller_payables",
        sa.Column("seller_id", sa.String(36), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("balance_minor", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("balance_minor >= 0", name="ck_seller_payables_balance_not_negative"),
    )
    op.create_index(
        "ix_seller_payables_currency_seller", "seller_payables", ["currency", "seller_id"]
    )


def downgrade() -> None:
    op.drop_table("seller_payables")
