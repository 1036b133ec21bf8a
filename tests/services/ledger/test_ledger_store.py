"""The SQL journal on SQLite and PostgreSQL: the hand-computed scenario's projections, as of
now and as of earlier points, its invariants, and the audit catching an altered row."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import partial

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError
from structlog.testing import capture_logs

from mercato_kit.money import Money
from mercato_kit.storage import Database
from mercato_ledger.adapters.journal import SqlJournal
from mercato_ledger.adapters.tables import lines, milestones
from mercato_ledger.adapters.unit_of_work import LedgerUnitOfWork
from mercato_ledger.application import audit, monthly_results
from mercato_ledger.domain import AsOf, Line, OrderFact, OrderMilestone, Posting, Source
from mercato_ledger.domain.projections import EscrowFloat, MonthlyResult, Period, PeriodAmount
from mercato_ledger.entrypoints.audit import RunningAudit

from ._journal import migrated, record_all
from ._scenario import (
    ENTRIES,
    EXPECTED_BALANCES,
    MILESTONES,
    ORDER_A,
    ORDER_B,
    ORDER_C,
    SELLER,
    scenario,
)

pytestmark = pytest.mark.infra


@pytest.fixture
async def database(fresh_database_url: str) -> AsyncIterator[Database]:
    database = await migrated(fresh_database_url)
    await record_all(database, scenario())
    yield database
    await database.dispose()


async def test_every_account_has_its_hand_computed_balance(database: Database) -> None:
    async with database.read_transaction() as session:
        journal = SqlJournal(session)
        trial = await journal.trial_balance(AsOf())
        found = {b.account: b.balance for b in trial.balances}
        assert await journal.head() == (
            ENTRIES,
            (await journal.entries_after(ENTRIES - 1, 1))[0].hash,
        )
        for account, expected in EXPECTED_BALANCES.items():
            assert [b.balance for b in await journal.balances(account, AsOf())] == [expected]
    assert found == {a: b for a, b in EXPECTED_BALANCES.items() if b}
    assert trial.balanced
    async with database.read_transaction() as session:
        snapshot = await SqlJournal(session).snapshot()
    assert (len(snapshot.entries), len(snapshot.milestones)) == (ENTRIES, MILESTONES)
    assert trial.debits == {"CNY": 50752 + 498}
    assert trial.credits == {"CNY": -1250 - 50000}


async def test_revenue_expenditure_and_the_monthly_result_per_period(database: Database) -> None:
    async with LedgerUnitOfWork(database, read_only=True) as uow:
        journal = uow.journal
        revenue_days = await journal.amounts_by_period(
            "revenue", Period.DAY, AsOf(), credit_normal=True
        )
        spent_months = await journal.amounts_by_period(
            "expense", Period.MONTH, AsOf(), credit_normal=False
        )
        months = await monthly_results(AsOf(), uow)
    assert revenue_days == [
        PeriodAmount("2026-11-03", "sale_commission", "CNY", 500),
        PeriodAmount("2026-11-04", "sale_commission", "CNY", 750),
    ]
    assert spent_months == [
        PeriodAmount("2026-10", "payment_processing", "CNY", 180),
        PeriodAmount("2026-11", "payment_processing", "CNY", 318),
    ]
    assert months == [
        MonthlyResult("2026-10", "CNY", (), (("payment_processing", 180),)),
        MonthlyResult(
            "2026-11", "CNY", (("sale_commission", 1250),), (("payment_processing", 318),)
        ),
    ]
    assert [m.net for m in months] == [-180, 932]


async def test_gross_merchandise_volume_counts_paid_orders_less_nothing(database: Database) -> None:
    async with database.read_transaction() as session:
        gmv = await SqlJournal(session).gross_merchandise_volume(Period.MONTH, AsOf())
    assert gmv == [
        PeriodAmount("2026-10", "gmv", "CNY", 30019, 2),
        PeriodAmount("2026-11", "gmv", "CNY", 3000, 1),
    ]


async def test_projections_answer_as_of_a_time_and_a_journal_sequence(database: Database) -> None:
    end_of_october = AsOf(time=datetime(2026, 10, 31, 23, 59, tzinfo=UTC))
    first_of_november = AsOf(time=datetime(2026, 11, 1, 23, 59, tzinfo=UTC))
    async with database.read_transaction() as session:
        journal = SqlJournal(session)
        assert await journal.escrow_float(end_of_october) == [EscrowFloat("CNY", 30019, 2)]
        assert await journal.escrow_float(first_of_november) == [EscrowFloat("CNY", 28019, 3)]
        assert await journal.escrow_float(AsOf()) == []
        # Entries 1-4: A captured and charged its fee, B captured and charged its fee.
        clearing = await journal.balances("asset:payment_clearing", AsOf(sequence=4))
        assert [b.balance for b in clearing] == [10019 - 60 + 20000 - 120]
        # A's OrderPaid arrived after entries 1-2 (its capture and fee): it counts from entry 3,
        # so the figures as of 2, which a reader may already have seen, stay as they were.
        assert await journal.gross_merchandise_volume(Period.DAY, AsOf(sequence=2)) == []
        gmv = await journal.gross_merchandise_volume(Period.DAY, AsOf(sequence=3))
        assert gmv == [PeriodAmount("2026-10-30", "gmv", "CNY", 10019, 1)]
        payable = f"liability:seller_payable:{SELLER}"
        statement = await journal.statement(payable, AsOf(), limit=2)
        assert [(s.amount, s.balance_after) for s in statement] == [(-14250, -23769), (23769, 0)]
        assert statement[-1].event_type == "mercato.payments.v1.PayoutSent"


async def test_the_figures_as_of_a_sequence_already_read_never_change(database: Database) -> None:
    """An OrderPaid that arrives after a reader saw head N (no entry of its own) counts from
    N + 1: the console shows a page as of N, the operator reads N again, and they agree."""
    async with database.read_transaction() as session:
        head, _ = await SqlJournal(session).head()
        before = await SqlJournal(session).gross_merchandise_volume(Period.DAY, AsOf(sequence=head))
    late = Source("e-late-paid", "t", "orders", 0, 99, datetime(2026, 11, 9, tzinfo=UTC))
    fact = OrderFact(
        str(uuid.UUID(int=0xE)), OrderMilestone.PAID, Money(minor_units=777, currency="CNY")
    )
    async with database.transaction() as session:
        await SqlJournal(session).record_milestone(late, fact)
    async with database.read_transaction() as session:
        journal = SqlJournal(session)
        assert await journal.gross_merchandise_volume(Period.DAY, AsOf(sequence=head)) == before
        now = await journal.gross_merchandise_volume(Period.DAY, AsOf())
    assert PeriodAmount("2026-11-09", "gmv", "CNY", 777, 1) in now


async def test_the_scenario_breaks_no_invariant_and_its_chain_holds(database: Database) -> None:
    async with LedgerUnitOfWork(database, read_only=True) as uow:
        violations, broken, verified = await audit(uow)
    assert violations == []
    assert broken is None
    assert verified == ENTRIES


async def test_an_altered_journal_row_is_caught_by_the_audit(database: Database) -> None:
    async with database.transaction() as session:
        await session.execute(
            update(lines)
            .where(lines.c.sequence == 5, lines.c.amount > 0)
            .values(amount=lines.c.amount + 100)
        )
    async with LedgerUnitOfWork(database, read_only=True) as uow:
        violations, broken, verified = await audit(uow)
    assert broken is not None
    assert broken.sequence == 5
    assert "hash" in broken.reason
    assert verified == 4
    assert {v.invariant for v in violations} == {"entry balances", "trial balance is zero"}


async def test_a_final_order_with_money_in_escrow_is_a_violation(database: Database) -> None:
    async with database.transaction() as session:
        await session.execute(
            update(milestones)
            .where(milestones.c.order_id == ORDER_A, milestones.c.milestone == "paid")
            .values(milestone="completed")
        )
        await session.execute(
            text("DELETE FROM ledger_order_milestones WHERE order_id = :o AND milestone = 'paid'"),
            {"o": ORDER_B},
        )
    async with database.read_transaction() as session:
        violations = await SqlJournal(session).violations()
    assert violations == []  # A's escrow is empty; nothing of B's is final yet: all is well
    source = Source("e-extra", "t", "topic", 0, 99, datetime(2026, 11, 9, tzinfo=UTC))
    posting = Posting(
        source,
        (Line(f"liability:escrow:{ORDER_C}", "CNY", -7), Line("asset:payment_clearing", "CNY", 7)),
    )
    async with database.transaction() as session:
        await SqlJournal(session).append(posting)
    async with database.read_transaction() as session:
        violations = await SqlJournal(session).violations()
    assert [v.invariant for v in violations] == ["final orders leave nothing in escrow"]
    assert ORDER_C in violations[0].detail


async def test_an_event_posts_at_most_once(database: Database) -> None:
    source = Source("e-twice", "t", "topic", 0, 99, datetime(2026, 11, 9, tzinfo=UTC))
    posting = Posting(
        source, (Line("asset:payment_clearing", "CNY", 1), Line("revenue:x", "CNY", -1))
    )
    async with database.transaction() as session:
        await SqlJournal(session).append(posting)
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            await SqlJournal(session).append(posting)
    async with database.read_transaction() as session:
        assert (await SqlJournal(session).head())[0] == ENTRIES + 1


async def test_the_running_audit_logs_a_broken_link_at_once_and_a_violation_when_it_persists(
    database: Database,
) -> None:
    async with database.transaction() as session:
        await session.execute(
            update(lines).where(lines.c.sequence == 7, lines.c.amount > 0).values(amount=1)
        )
    running = RunningAudit(partial(LedgerUnitOfWork, database))
    with capture_logs() as first:
        await running.check()
    with capture_logs() as second:
        await running.check()
    assert [(e["event"], e.get("sequence")) for e in first] == [("ledger.hash_chain_broken", 7)]
    # Entry 7 is B's partial refund: B is completed, so its escrow no longer empties either.
    assert {e["event"] for e in second} == {"ledger.invariant_violated"}
    assert sorted(e["invariant"] for e in second) == [
        "entry balances",
        "final orders leave nothing in escrow",
        "trial balance is zero",
    ]
