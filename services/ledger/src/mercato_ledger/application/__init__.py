"""The ledger's application layer: use cases over the Journal port."""

from mercato_ledger.application.handlers import (
    account_balances,
    account_statement,
    audit,
    monthly_results,
    record_fact,
    verify_chain,
)
from mercato_ledger.application.ports import Journal, Postings

__all__ = [
    "Journal",
    "Postings",
    "account_balances",
    "account_statement",
    "audit",
    "monthly_results",
    "record_fact",
    "verify_chain",
]
