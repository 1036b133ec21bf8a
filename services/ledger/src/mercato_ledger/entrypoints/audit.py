"""The running audit, a periodic task of the service: it checks the invariants and the hash
chain from where the last check ended, logging what does not hold (the full pass over all of
history is the Audit RPC's and `mercato ledger audit`'s)."""

from __future__ import annotations

from collections.abc import Callable

from mercato_kit.logging import get_logger
from mercato_ledger.adapters.running_checks import RunningChecks
from mercato_ledger.adapters.unit_of_work import LedgerUnitOfWork
from mercato_ledger.domain import JournalEntry, Violation, first_broken_link

log = get_logger(__name__)

_PAGE = 2000


class RunningAudit:
    """Checks the invariants on what arrived since the last check (and on what that check
    found), and the hash chain from where the last check ended (a broken link is logged once,
    as an error, and the chain is not checked again until a restart). The first check after a
    start checks all of history (`RunningChecks`).

    A violation is logged when two checks in a row see it: the topics are consumed
    independently, so one check may catch the ledger between them (an order's completion read
    before its escrow's release, an advertiser's clicks before the deposit that funded them),
    which the next check no longer sees.
    """

    def __init__(self, unit_of_work: Callable[..., LedgerUnitOfWork]) -> None:
        self._unit_of_work = unit_of_work
        self._checks = RunningChecks()
        self._verified: JournalEntry | None = None
        self._broken = False
        self._suspects: set[Violation] = set()
        self.passed: bool | None = None
        """Whether the last check found the ledger sound (None before the first)."""

    async def check(self) -> bool:
        async with self._unit_of_work(read_only=True) as uow:
            found = await self._checks.check(uow.session)
            confirmed = found & self._suspects
            for violation in sorted(confirmed, key=str):
                log.warning(
                    "ledger.invariant_violated",
                    invariant=violation.invariant,
                    detail=violation.detail,
                )
            self._suspects = found
            while not self._broken:
                after = 0 if self._verified is None else self._verified.sequence
                page = await uow.journal.entries_after(after, _PAGE)
                self._verify(page)
                if len(page) < _PAGE:
                    break
        self.passed = not self._broken and not confirmed
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
