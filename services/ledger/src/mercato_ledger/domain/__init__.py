"""The ledger's domain: accounts, posting rules, journal entries and their hash chain, audits.
Blind to Kafka, gRPC, SQL and protobuf; imports only the standard library and mercato_kit.money."""

from mercato_ledger.domain import accounts
from mercato_ledger.domain.audit import NOW, AsOf, BrokenLink, Violation, first_broken_link
from mercato_ledger.domain.facts import (
    FINAL_WITH_EMPTY_ESCROW,
    AdClicked,
    BudgetDeposited,
    ClickInvalidated,
    CommissionCharged,
    ConversionReversed,
    EscrowReleased,
    MoneyFact,
    OrderFact,
    OrderMilestone,
    PaymentCaptured,
    PayoutSent,
    ProcessingFeeCharged,
    PublisherPaidOut,
    RefundIssued,
)
from mercato_ledger.domain.journal import (
    GENESIS,
    JournalEntry,
    Line,
    Posting,
    Source,
    UnbalancedEntry,
    entry_hash,
    imbalances,
)
from mercato_ledger.domain.postings import InvalidMoneyFact, lines_for

__all__ = [
    "FINAL_WITH_EMPTY_ESCROW",
    "GENESIS",
    "NOW",
    "AdClicked",
    "AsOf",
    "BrokenLink",
    "BudgetDeposited",
    "ClickInvalidated",
    "CommissionCharged",
    "ConversionReversed",
    "EscrowReleased",
    "InvalidMoneyFact",
    "JournalEntry",
    "Line",
    "MoneyFact",
    "OrderFact",
    "OrderMilestone",
    "PaymentCaptured",
    "PayoutSent",
    "Posting",
    "ProcessingFeeCharged",
    "PublisherPaidOut",
    "RefundIssued",
    "Source",
    "UnbalancedEntry",
    "Violation",
    "accounts",
    "entry_hash",
    "first_broken_link",
    "imbalances",
    "lines_for",
]
