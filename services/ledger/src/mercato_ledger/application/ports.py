"""The ports the application needs: the journal, inside the caller's transaction, and the unit
of work it hangs off (adapters.unit_of_work.LedgerUnitOfWork)."""

from __future__ import annotations

from typing import Protocol

from mercato_ledger.domain import AsOf, JournalEntry, OrderFact, Posting, Source, Violation
from mercato_ledger.domain.projections import (
    AccountBalance,
    EscrowFloat,
    Period,
    PeriodAmount,
    StatementLine,
    TrialBalance,
)


class Postings(Protocol):
    """Where entries and milestones are written (SqlJournal; BulkJournal for a rebuild)."""

    async def append(self, posting: Posting) -> JournalEntry: ...

    async def record_milestone(self, source: Source, fact: OrderFact) -> None: ...


class Journal(Postings, Protocol):
    """The journal and its projections (adapters.journal.SqlJournal)."""

    async def head(self) -> tuple[int, str]: ...

    async def has_account(self, account: str) -> bool: ...

    async def balances(self, account: str, as_of: AsOf) -> list[AccountBalance]: ...

    async def statement(self, account: str, as_of: AsOf, limit: int) -> list[StatementLine]: ...

    async def amounts_by_period(
        self, kind: str, period: Period, as_of: AsOf, *, credit_normal: bool
    ) -> list[PeriodAmount]: ...

    async def gross_merchandise_volume(self, period: Period, as_of: AsOf) -> list[PeriodAmount]: ...

    async def escrow_float(self, as_of: AsOf) -> list[EscrowFloat]: ...

    async def trial_balance(self, as_of: AsOf) -> TrialBalance: ...

    async def violations(self) -> list[Violation]: ...

    async def entries_after(self, sequence: int, limit: int) -> list[JournalEntry]: ...


class LedgerWork(Protocol):
    """One transaction over the ledger, the journal on it."""

    @property
    def journal(self) -> Journal: ...
