"""The ledger's application layer: use cases over the journal, in the caller's unit of work."""

from mercato_ledger.application.handlers import (
    account_balances,
    account_statement,
    audit,
    escrow_float,
    expenditure,
    gross_merchandise_volume,
    monthly_results,
    record_fact,
    revenue,
    trial_balance,
    verify_chain,
)
from mercato_ledger.application.ports import Journal, LedgerWork, Postings

__all__ = [
    "Journal",
    "LedgerWork",
    "Postings",
    "account_balances",
    "account_statement",
    "audit",
    "escrow_float",
    "expenditure",
    "gross_merchandise_volume",
    "monthly_results",
    "record_fact",
    "revenue",
    "trial_balance",
    "verify_chain",
]
