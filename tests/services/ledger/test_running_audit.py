"""The running audit's incremental checks on SQLite and PostgreSQL: after a clean first check
they find each kind of violation that arrives, confirm it only on the next check, forget one
that healed, and report what the full pass (`SqlJournal.violations()`) reports."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import partial

import pytest
from sqlalchemy import update
from structlog.testing import capture_logs

from mercato_kit.money import Money
from mercato_kit.storage import Database
from mercato_ledger.adapters.journal import SqlJournal
from mercato_ledger.adapters.running_checks import RunningChecks
from mercato_ledger.adapters.tables import lines
from mercato_ledger.adapters.unit_of_work import LedgerUnitOfWork
from mercato_ledger.domain import Line, OrderFact, OrderMilestone, Posting, Source, Violation
from mercato_ledger.entrypoints.audit import RunningAudit

from ._journal import migrated, record_all
from ._scenario import ADVERTISER, ENTRIES, ORDER_C, scenario

pytestmark = pytest.mark.infra

_offsets = itertools.count(1000)
BUDGET = f"liability:advertiser_budget:{ADVERTISER}"
CLEARING = "asset:payment_clearing"


@pytest.fixture
async def database(fresh_database_url: str) -> AsyncIterator[Database]:
    database = await migrated(fresh_database_url)
    await record_all(database, scenario())
    yield database
    await database.dispose()


def _source(name: str) -> Source:
    return Source(f"{name}-{next(_offsets)}", "t", "topic", 0, next(_offsets), _AT)


_AT = datetime(2026, 11, 9, tzinfo=UTC)


async def post(database: Database, name: str, *legs: tuple[str, int]) -> int:
    """A balanced entry of `legs` (account, CNY amount); its sequence."""
    posting = Posting(_source(name), tuple(Line(a, "CNY", amount) for a, amount in legs))
    async with database.transaction() as session:
        return (await SqlJournal(session).append(posting)).sequence


async def complete(database: Database, order_id: str) -> None:
    fact = OrderFact(order_id, OrderMilestone.COMPLETED, Money(minor_units=100, currency="CNY"))
    async with database.transaction() as session:
        await SqlJournal(session).record_milestone(_source("completed"), fact)


async def unbalance(database: Database, sequence: int, by: int) -> None:
    """Alter an entry's debit line in place (what no code path does: a corrupt row)."""
    async with database.transaction() as session:
        await session.execute(
            update(lines)
            .where(lines.c.sequence == sequence, lines.c.line_no == 1)
            .values(amount=lines.c.amount + by)
        )


async def both(database: Database, checks: RunningChecks) -> tuple[set[Violation], set[Violation]]:
    """The incremental check's findings and the full pass's, one after the other."""
    async with LedgerUnitOfWork(database, read_only=True) as uow:
        incremental = await checks.check(uow.session)
    async with LedgerUnitOfWork(database, read_only=True) as uow:
        full = set(await uow.journal.violations())
    return incremental, full


async def test_each_new_violation_is_found_as_the_full_pass_finds_it(database: Database) -> None:
    checks = RunningChecks()
    assert await both(database, checks) == (set(), set())
    assert checks.head == ENTRIES
    # An entry that does not balance, new since the first check.
    wrong = await post(database, "wrong", ("asset:payment_clearing", 5), ("revenue:x", -5))
    await unbalance(database, wrong, 3)
    # A final order with escrow left: a new order completed with its escrow held, and money
    # moved into the escrow of C, refunded in full before the first check.
    order_e = "00000000-0000-0000-0000-00000000000e"
    await post(database, "capture", (f"liability:escrow:{order_e}", -100), (CLEARING, 100))
    await complete(database, order_e)
    await post(database, "late", (f"liability:escrow:{ORDER_C}", -7), (CLEARING, 7))
    # An advertiser spending beyond the 50000 deposited.
    await post(database, "clicks", (BUDGET, 60_000), (CLEARING, -60_000))
    incremental, full = await both(database, checks)
    assert incremental == full
    assert sorted(v.invariant for v in incremental) == [
        "advertiser budgets are never overspent",
        "entry balances",
        "final orders leave nothing in escrow",
        "final orders leave nothing in escrow",
        "trial balance is zero",
    ]
    assert {v.detail for v in incremental} >= {
        f"entry {wrong} is off by +3 CNY",
        "the trial balance is +3 CNY",
        f"order {order_e} is completed or refunded but holds 100 CNY in escrow",
        f"order {ORDER_C} is completed or refunded but holds 7 CNY in escrow",
        f"{BUDGET} is in debit: 10000 CNY spent beyond what was deposited",
    }
    # Nothing new: what persists is found again (the suspects are re-checked).
    assert await both(database, checks) == (full, full)
    # Healed by new entries, all but the altered entry (the running totals take the rows
    # below the position as final: a row altered in place is for the full pass and the chain).
    await post(database, "release", (f"liability:escrow:{order_e}", 100), (CLEARING, -100))
    await post(database, "unlate", (f"liability:escrow:{ORDER_C}", 7), (CLEARING, -7))
    await post(database, "deposit", (BUDGET, -20_000), (CLEARING, 20_000))
    unbalanced = {v for v in full if v.invariant in ("entry balances", "trial balance is zero")}
    assert await both(database, checks) == (unbalanced, unbalanced)


async def test_a_violation_is_logged_on_the_second_check_and_a_healed_one_never(
    database: Database,
) -> None:
    running = RunningAudit(partial(LedgerUnitOfWork, database))

    async def logged() -> list[str]:
        with capture_logs() as seen:
            await running.check()
        return sorted(e["detail"] for e in seen if e["event"] == "ledger.invariant_violated")

    assert await logged() == []
    assert running.passed
    # Two violations arrive; the next check only suspects them.
    await post(database, "clicks", (BUDGET, 50_001), (CLEARING, -50_001))
    order_f = "00000000-0000-0000-0000-00000000000f"
    await post(database, "capture", (f"liability:escrow:{order_f}", -40), (CLEARING, 40))
    await complete(database, order_f)
    assert await logged() == []
    assert running.passed
    # One heals before the next check, the other persists: only it is logged.
    await post(database, "release", (f"liability:escrow:{order_f}", 40), (CLEARING, -40))
    assert await logged() == [f"{BUDGET} is in debit: 1 CNY spent beyond what was deposited"]
    assert running.passed is False
    # Healed too: the next check logs nothing, and the audit passes again.
    await post(database, "deposit", (BUDGET, -1), (CLEARING, 1))
    assert await logged() == []
    assert running.passed


async def test_over_a_scenario_the_running_checks_report_what_the_full_pass_does(
    database: Database,
) -> None:
    checks = RunningChecks()
    orders = [f"00000000-0000-0000-0000-0000000001{n:02x}" for n in range(6)]
    assert await both(database, checks) == (set(), set())
    for round_ in range(4):
        # Each round: new orders captured, some completed with their escrow released, some
        # completed with it held; an advertiser's clicks; an older order's escrow released.
        for n, order in enumerate(orders):
            escrow = f"liability:escrow:{order}-{round_}"
            await post(database, "capture", (escrow, -(10 + n)), (CLEARING, 10 + n))
            if (n + round_) % 3:
                await post(database, "release", (escrow, 10 + n), (CLEARING, -(10 + n)))
            if n % 2:
                await complete(database, f"{order}-{round_}")
        if round_:
            previous = f"liability:escrow:{orders[0]}-{round_ - 1}"
            await post(database, "late", (previous, 10), (CLEARING, -10))
        await post(database, "clicks", (BUDGET, 20_000), (CLEARING, -20_000))
        incremental, full = await both(database, checks)
        assert incremental == full
        assert full  # each round leaves something to find


async def test_budgets_touched_beyond_one_in_list_are_all_checked(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The budgets a check touches are summed a chunk of accounts at a time: with chunks of 2,
    five advertisers with new lines (three of them in debit) are found as the full pass finds
    them, and again as suspects on the next check."""
    from mercato_ledger.adapters import running_checks

    monkeypatch.setattr(running_checks, "_IN_CHUNK", 2)
    checks = RunningChecks()
    assert await both(database, checks) == (set(), set())
    for n, spent in enumerate([10, 20_000, 30, 40_000, 50_000]):
        budget = f"liability:advertiser_budget:adv-{n}"
        await post(database, f"deposit-{n}", (budget, -10_000), (CLEARING, 10_000))
        await post(database, f"clicks-{n}", (budget, spent), (CLEARING, -spent))
    incremental, full = await both(database, checks)
    assert incremental == full
    assert sorted(v.detail for v in incremental) == [
        f"liability:advertiser_budget:adv-{n} is in debit: {debit} CNY spent beyond what was "
        "deposited"
        for n, debit in [(1, 10_000), (3, 30_000), (4, 40_000)]
    ]
    assert await both(database, checks) == (full, full)
