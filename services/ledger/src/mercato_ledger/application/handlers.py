"""The ledger's use cases: record an event's fact (the consumer), answer projections and audit
(gRPC, `mercato ledger audit`), each inside the caller's unit of work."""

from __future__ import annotations

from collections import defaultdict

from mercato_kit.errors import NotFound
from mercato_ledger.application.ports import Journal, LedgerWork, Postings
from mercato_ledger.domain import (
    AsOf,
    BrokenLink,
    JournalEntry,
    MoneyFact,
    OrderFact,
    Posting,
    Source,
    Violation,
    first_broken_link,
    lines_for,
)
from mercato_ledger.domain.projections import (
    AccountBalance,
    EscrowFloat,
    MonthlyResult,
    Period,
    PeriodAmount,
    StatementLine,
    TrialBalance,
)

_CHAIN_PAGE = 2000


async def record_fact(
    source: Source, fact: MoneyFact | OrderFact | None, postings: Postings
) -> JournalEntry | None:
    """Post a money fact's entry, or record an order's milestone; nothing for None.

    `postings` is the journal in the consumer's transaction (or a rebuild's BulkJournal)."""
    if fact is None:
        return None
    if isinstance(fact, OrderFact):
        await postings.record_milestone(source, fact)
        return None
    lines = lines_for(fact)
    if not lines:
        return None
    return await postings.append(Posting(source, lines))


async def account_balances(
    account: str, as_of: AsOf, uow: LedgerWork
) -> tuple[list[AccountBalance], int]:
    """The account's balance per currency as of `as_of`, and the journal sequence it stands at."""
    await _require_account(account, uow)
    balances = await uow.journal.balances(account, as_of)
    sequence, _ = await uow.journal.head()
    if as_of.sequence is not None:
        sequence = min(sequence, as_of.sequence)
    return balances, sequence


async def account_statement(
    account: str, as_of: AsOf, limit: int, uow: LedgerWork
) -> list[StatementLine]:
    await _require_account(account, uow)
    return await uow.journal.statement(account, as_of, limit)


async def _require_account(account: str, uow: LedgerWork) -> None:
    if not await uow.journal.has_account(account):
        raise NotFound(f"the ledger has never posted to {account}")


async def revenue(period: Period, as_of: AsOf, uow: LedgerWork) -> list[PeriodAmount]:
    return await uow.journal.amounts_by_period("revenue", period, as_of, credit_normal=True)


async def expenditure(period: Period, as_of: AsOf, uow: LedgerWork) -> list[PeriodAmount]:
    return await uow.journal.amounts_by_period("expense", period, as_of, credit_normal=False)


async def monthly_results(as_of: AsOf, uow: LedgerWork) -> list[MonthlyResult]:
    """Per month and currency: revenue per stream, expenditure per category (see
    MonthlyResult for the totals and the advertising ratio)."""
    earned: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    spent: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in await revenue(Period.MONTH, as_of, uow):
        earned[(row.period, row.currency)][row.key] += row.amount
    for row in await expenditure(Period.MONTH, as_of, uow):
        spent[(row.period, row.currency)][row.key] += row.amount
    return [
        MonthlyResult(
            month,
            currency,
            tuple(sorted(earned.get((month, currency), {}).items())),
            tuple(sorted(spent.get((month, currency), {}).items())),
        )
        for month, currency in sorted(earned.keys() | spent.keys())
    ]


async def gross_merchandise_volume(
    period: Period, as_of: AsOf, uow: LedgerWork
) -> list[PeriodAmount]:
    return await uow.journal.gross_merchandise_volume(period, as_of)


async def escrow_float(as_of: AsOf, uow: LedgerWork) -> list[EscrowFloat]:
    return await uow.journal.escrow_float(as_of)


async def trial_balance(as_of: AsOf, uow: LedgerWork) -> TrialBalance:
    return await uow.journal.trial_balance(as_of)


async def verify_chain(journal: Journal) -> tuple[BrokenLink | None, int]:
    """The first broken link of the hash chain (None when it holds), and entries verified."""
    previous: JournalEntry | None = None
    verified = 0
    while True:
        page = await journal.entries_after(
            0 if previous is None else previous.sequence, _CHAIN_PAGE
        )
        if not page:
            return None, verified
        broken = first_broken_link(page, previous)
        if broken is not None:
            return broken, verified + sum(1 for e in page if e.sequence < broken.sequence)
        verified += len(page)
        previous = page[-1]


async def audit(uow: LedgerWork) -> tuple[list[Violation], BrokenLink | None, int]:
    """Every invariant that does not hold, the chain's first broken link, entries verified."""
    violations = await uow.journal.violations()
    broken, verified = await verify_chain(uow.journal)
    return violations, broken, verified
