"""The SQL journal on SQLite and PostgreSQL with marketing's events: the hand-computed marketing
scenario's balances, revenue by stream, the monthly result with its advertising ratio as of now
and as of the end of November, and the invariant that no advertiser budget is overspent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from mercato_kit.storage import Database
from mercato_ledger.adapters.journal import SqlJournal
from mercato_ledger.adapters.unit_of_work import LedgerUnitOfWork
from mercato_ledger.application import audit, monthly_results, revenue
from mercato_ledger.domain import AsOf, Line, Posting, Source
from mercato_ledger.domain.projections import Period

from ._journal import migrated, record_all
from ._marketing import (
    ADVERTISER,
    BUDGET,
    ENTRIES,
    EXPECTED_BALANCES,
    EXPECTED_MONTHS,
    EXPECTED_REVENUE,
    scenario,
)

pytestmark = pytest.mark.infra


@pytest.fixture
async def database(fresh_database_url: str) -> AsyncIterator[Database]:
    database = await migrated(fresh_database_url)
    await record_all(database, scenario())
    yield database
    await database.dispose()


async def test_the_marketing_scenario_leaves_its_hand_computed_balances(database: Database) -> None:
    async with LedgerUnitOfWork(database, read_only=True) as uow:
        trial = await uow.journal.trial_balance(AsOf())
        streams = await revenue(Period.MONTH, AsOf(), uow)
        violations, broken, verified = await audit(uow)
    assert {b.account: b.balance for b in trial.balances} == {
        account: balance for account, balance in EXPECTED_BALANCES.items() if balance
    }
    assert trial.balanced
    assert [(r.period, r.key, r.amount) for r in streams] == EXPECTED_REVENUE
    assert (violations, broken, verified) == ([], None, ENTRIES)


async def test_the_monthly_result_breaks_revenue_down_and_answers_the_seeds_question(
    database: Database,
) -> None:
    end_of_november = AsOf(time=datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC))
    async with LedgerUnitOfWork(database, read_only=True) as uow:
        now = await monthly_results(AsOf(), uow)
        then = await monthly_results(end_of_november, uow)
    found = {
        m.month: (
            m.revenue_by_stream,
            m.expenditure_by_category,
            m.net,
            m.advertising_covers_expenditure,
            m.advertising_to_expenditure_bps,
        )
        for m in now
    }
    assert found == EXPECTED_MONTHS
    assert {m.currency for m in now} == {"CNY"}
    # As of the end of November, December's reversal and clicks are not there yet.
    assert [m.month for m in then] == ["2026-10", "2026-11"]
    assert then[1] == now[1]


async def test_an_overspent_advertiser_budget_is_a_violation_naming_the_account(
    database: Database,
) -> None:
    # Charges beyond the budget's 196500 left: 196501 spent more than was deposited.
    source = Source("e-overspend", "t", "topic", 0, 99, datetime(2026, 12, 9, tzinfo=UTC))
    posting = Posting(
        source, (Line(BUDGET, "CNY", 196501), Line("revenue:advertising", "CNY", -196501))
    )
    async with database.transaction() as session:
        await SqlJournal(session).append(posting)
    async with LedgerUnitOfWork(database, read_only=True) as uow:
        violations, broken, _ = await audit(uow)
    assert broken is None
    assert [(v.invariant, v.detail) for v in violations] == [
        (
            "advertiser budgets are never overspent",
            f"liability:advertiser_budget:{ADVERTISER} is in debit: 1 CNY spent beyond what "
            "was deposited",
        )
    ]
