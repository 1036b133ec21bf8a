"""The payout selection reads only payees with money due: the payables' (currency, payee)
indexes become partial, WHERE balance_minor > 0.

A payout run asks for up to 100 positive balances in a currency in payee order; through the
full (currency, payee) index it walked every payee already paid out to zero before reaching
them (987 shared buffers for 2,000 sellers, 80 % at zero: docs/benchmarks.md §10). The partial
index holds only the balances a run can pay, so a run reads what it pays. Nothing else reads
by currency (a payee's own balances go by the primary key).

Revision ID: payments_0003
Revises: payments_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "payments_0003"
down_revision = "payments_0002"
branch_labels = None
depends_on = None

_DUE = sa.text("balance_minor > 0")
_TABLES = (("seller_payables", "seller_id", "seller"), ("vendor_payables", "vendor_id", "vendor"))


def upgrade() -> None:
    for table, payee, short in _TABLES:
        op.drop_index(f"ix_{table}_currency_{short}", table_name=table)
        op.create_index(
            f"ix_{table}_due",
            table,
            ["currency", payee],
            postgresql_where=_DUE,
            sqlite_where=_DUE,
        )


def downgrade() -> None:
    for table, payee, short in _TABLES:
        op.drop_index(f"ix_{table}_due", table_name=table)
        op.create_index(f"ix_{table}_currency_{short}", table, ["currency", payee])
