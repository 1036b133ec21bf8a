"""The ledger's unit of work: the kit's SqlUnitOfWork with the journal on it (`uow.journal`).

The ledger writes only from its consumer, in the consumer's own transaction; the gRPC reads and
the operator tools (`mercato ledger audit`) read in read-only units of work.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.store import SqlUnitOfWork
from mercato_ledger.adapters.journal import SqlJournal


class LedgerUnitOfWork(SqlUnitOfWork):
    journal: SqlJournal

    def _open_repositories(self, session: AsyncSession) -> None:
        self.journal = SqlJournal(session)
