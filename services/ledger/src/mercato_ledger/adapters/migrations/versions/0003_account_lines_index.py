"""An account's lines are read from one index: its balance and statement without the table.

GetBalance sums every line of the account, GetStatement reads its last lines newest first and
sums the ones before them, and the running audit sums the advertisers' budgets: all through
`ix_ledger_lines_account` on `(account, sequence)`, which holds none of the columns they read,
so each line cost a visit to the table, where an account's lines lie among everyone's (a page
each). In a journal of 100k orders (bench/bench_services_scale.py, 50 sellers of ~1,700 lines
each; shared buffers per statement, 1k -> 100k orders):

    statement                                     before (this index)   after
    GetBalance of a seller's payable: the sum     23 -> 1,653           6 -> 52
    GetStatement: the sum before its 100 lines    2 -> 1,464            2 -> 48
    GetStatement: its 100 lines (+ their entries) 40 -> 512             27 -> 408
    audit: advertiser budgets never overspent     269 -> 24,700         14 -> 713

On `(account, sequence, line_no)` with currency, amount and occurred_at_us included (PostgreSQL;
SQLite gets the three key columns) those reads are index-only scans, and the statement's newest
lines a backward range that stops after the page. A balance still reads one index entry per
line of the account (52 buffers for a seller's ~1,700): it grows with the account's history,
30 times more slowly; a running balance per account would make it constant, a change to the
journal rather than its indexes. It replaces the old index, whose every reader (all by account
or account prefix) it serves. It is built inside the migration's
transaction, which blocks posting to the journal while it builds.

Revision ID: ledger_0003
Revises: ledger_0002
"""

from __future__ import annotations

from alembic import op

revision = "ledger_0003"
down_revision = "ledger_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_ledger_lines_account_lines",
        "ledger_lines",
        ["account", "sequence", "line_no"],
        postgresql_include=["currency", "amount", "occurred_at_us"],
    )
    op.drop_index("ix_ledger_lines_account", "ledger_lines")


def downgrade() -> None:
    op.create_index("ix_ledger_lines_account", "ledger_lines", ["account", "sequence"])
    op.drop_index("ix_ledger_lines_account_lines", "ledger_lines")
