"""The ledger's Kafka side: each consumed event posted in the consumer's transaction, and the
running audit that checks the invariants and the newly appended part of the hash chain."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.consumer import ConsumedRecord
from mercato_kit.events import EventEnvelope
from mercato_kit.logging import get_logger
from mercato_kit.storage import Database
from mercato_ledger.adapters.journal import SqlJournal
from mercato_ledger.adapters.translator import fact_from_event, source_of
from mercato_ledger.application import record_fact
from mercato_ledger.domain import JournalEntry, Violation, first_broken_link

log = get_logger(__name__)

_PAGE = 2000


async def post_event(
    session: AsyncSession, envelope: EventEnvelope, record: ConsumedRecord
) -> None:
    await record_fact(SqlJournal(session), source_of(envelope, record), fact_from_event(envelope))


class RunningAudit:
    """Checks the invariants, and the hash chain from where the last check ended (a broken
    link is logged once, as an error, and the chain is not checked again until a restart).

    A violation is logged when two checks in a row see it: the topics are consumed
    independently, so one check may catch the ledger between them (an order's completion read
    before its escrow's release), which the next check no longer sees.
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self._verified: JournalEntry | None = None
        self._broken = False
        self._suspects: set[Violation] = set()

    async def check(self) -> bool:
        async with self._database.read_transaction() as session:
            journal = SqlJournal(session)
            found = set(await journal.violations())
            for violation in sorted(found & self._suspects, key=str):
                log.warning(
                    "ledger.invariant_violated",
                    invariant=violation.invariant,
                    detail=violation.detail,
                )
            self._suspects = found
            while not self._broken:
                after = 0 if self._verified is None else self._verified.sequence
                page = await journal.entries_after(after, _PAGE)
                self._verify(page)
                if len(page) < _PAGE:
                    break
        return False

    def _verify(self, page: list[JournalEntry]) -> None:
        broken = first_broken_link(page, self._verified)
        if broken is not None:
            self._broken = True
            log.error(
                "ledger.hash_chain_broken",
                sequence=broken.sequence,
                event_id=broken.event_id,
                reason=broken.reason,
            )
        elif page:
            self._verified = page[-1]
