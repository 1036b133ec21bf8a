"""The ledger's use cases: record an event's fact, answer projections, audit."""

from __future__ import annotations

from collections import defaultdict

from mercato_kit.errors import NotFound
from mercato_ledger.application.ports import Journal, Postings
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
    MonthlyResult,
    Period,
    StatementLine,
)

_CHAIN_PAGE = 2000


async def record_fact(
    journal: Postings, source: Source, fact: MoneyFact | OrderFact | None
) -> JournalEntry | None:
    """Post a money fact's entry, or record an order's milestone; nothing for None."""
    if fact is None:
        return None
    if isinstance(fact, OrderFact):
        await journal.record_milestone(source, fact)
        return None
    lines = lines_for(fact)
    if not lines:
        return None
    return await journal.append(Posting(source, lines))


async def account_balances(journal: Journal, account: str, as_of: AsOf) -> list[AccountBalance]:
    if not await journal.has_account(account):
        raise NotFound(f"the ledger has never posted to {account}")
    return await journal.balances(account, as_of)


async def account_statement(
    journal: Journal, account: str, as_of: AsOf, limit: int
) -> list[StatementLine]:
    if not await journal.has_account(account):
        raise NotFound(f"the ledger has never posted to {account}")
    return await journal.statement(account, as_of, limit)


async def monthly_results(journal: Journal, as_of: AsOf) -> list[MonthlyResult]:
    revenue = await journal.amounts_by_period("revenue", Period.MONTH, as_of, credit_normal=True)
    spent = await journal.amounts_by_period("expense", Period.MONTH, as_of, credit_normal=False)
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in revenue:
        totals[(row.period, row.currency)][0] += row.amount
    for row in spent:
        totals[(row.period, row.currency)][1] += row.amount
    return [
        MonthlyResult(month, currency, earned, paid)
        for (month, currency), (earned, paid) in sorted(totals.items())
    ]


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


async def audit(journal: Journal) -> tuple[list[Violation], BrokenLink | None, int]:
    """Every invariant that does not hold, the chain's first broken link, entries verified."""
    violations = await journal.violations()
    broken, verified = await verify_chain(journal)
    return violations, broken, verified
