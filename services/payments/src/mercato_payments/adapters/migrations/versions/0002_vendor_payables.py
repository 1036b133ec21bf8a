"""App vendors' payable balances (the app store); a balance may be negative (refunded after a
payout), so unlike sellers' there is no CHECK.

Revision ID: payments_0002
Revises: payments_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "payments_0002"
down_revision = "payments_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vendor_payables",
        sa.Column("vendor_id", sa.String(36), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("balance_minor", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_vendor_payables_currency_vendor", "vendor_payables", ["currency", "vendor_id"]
    )


def downgrade() -> None:
    op.drop_table("vendor_payables")
