"""One contract for the SellerPayables port, run against the in-memory fake, SQLite and
PostgreSQL; and on PostgreSQL, two payout runs racing for the same balances."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from mercato_kit.money import Money
from mercato_kit.storage import Database, migrate
from mercato_payments.adapters.payables import InMemorySellerPayables, SqlSellerPayables
from mercato_payments.application import SellerPayables
from mercato_payments.bootstrap import MIGRATIONS

Run = Callable[[Callable[[SellerPayables], Awaitable[Any]]], Awaitable[Any]]


@asynccontextmanager
async def _sql(url: str) -> AsyncIterator[Run]:
    await asyncio.to_thread(migrate, url)
    await asyncio.to_thread(
        migrate, url, versions=MIGRATIONS, version_table="payments_alembic_version"
    )
    database = Database(url)

    async def run(work: Callable[[SellerPayables], Awaitable[Any]]) -> Any:
        async with database.transaction() as session:
            return await work(SqlSellerPayables(session))

    try:
        yield run
    finally:
        await database.dispose()


@asynccontextmanager
async def _memory() -> AsyncIterator[Run]:
    payables = InMemorySellerPayables()

    async def run(work: Callable[[SellerPayables], Awaitable[Any]]) -> Any:
        return await work(payables)

    yield run


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
async def payables(request: pytest.FixtureRequest) -> AsyncIterator[Run]:
    if request.param == "memory":
        async with _memory() as run:
            yield run
        return
    fixture = "fresh_sqlite_url" if request.param == "sqlite" else "fresh_postgres_url"
    async with _sql(str(request.getfixturevalue(fixture))) as run:
        yield run


async def test_credits_add_up_per_seller_and_currency(payables: Run) -> None:
    for amount in [
        Money(minor_units=100, currency="CNY"),
        Money(minor_units=23, currency="CNY"),
        Money(minor_units=5, currency="USD"),
    ]:
        await payables(lambda p, amount=amount: p.credit("seller-1", amount))
    await payables(lambda p: p.credit("seller-2", Money(minor_units=1, currency="CNY")))

    balances = await payables(lambda p: p.balances("seller-1"))

    assert balances == [
        Money(minor_units=123, currency="CNY"),
        Money(minor_units=5, currency="USD"),
    ]


async def test_due_balances_are_positive_ones_in_the_currency_by_seller_id(payables: Run) -> None:
    for seller, amount in [("c", 3), ("a", 1), ("b", 2), ("d", 4)]:
        await payables(
            lambda p, s=seller, m=amount: p.credit(s, Money(minor_units=m, currency="CNY"))
        )
    await payables(lambda p: p.credit("e", Money(minor_units=9, currency="EUR")))
    await payables(lambda p: p.debit("b", Money(minor_units=2, currency="CNY")))

    due = await payables(lambda p: p.lock_due("CNY", 2))

    assert due == [
        ("a", Money(minor_units=1, currency="CNY")),
        ("c", Money(minor_units=3, currency="CNY")),
    ]


async def test_a_debit_never_takes_a_balance_below_zero(payables: Run) -> None:
    await payables(lambda p: p.credit("seller-1", Money(minor_units=100, currency="CNY")))

    with pytest.raises(ValueError, match="less than"):
        await payables(lambda p: p.debit("seller-1", Money(minor_units=101, currency="CNY")))
    with pytest.raises(ValueError, match="less than"):
        await payables(lambda p: p.debit("seller-2", Money(minor_units=1, currency="CNY")))
    await payables(lambda p: p.debit("seller-1", Money(minor_units=100, currency="CNY")))

    assert await payables(lambda p: p.balances("seller-1")) == [
        Money(minor_units=0, currency="CNY")
    ]


async def test_racing_payout_runs_pay_each_balance_once_on_postgresql(
    fresh_postgres_url: str,
) -> None:
    async with _sql(fresh_postgres_url) as run:
        for n in range(20):
            await run(
                lambda p, n=n: p.credit(
                    f"seller-{n:02d}", Money(minor_units=100 + n, currency="CNY")
                )
            )
        paid: list[tuple[str, Money]] = []

        async def pay_out(p: SellerPayables) -> None:
            due = await p.lock_due("CNY", 1000)
            await asyncio.sleep(0.05)  # hold the locks while the other run arrives
            for seller, amount in due:
                await p.debit(seller, amount)
            paid.extend(due)

        await asyncio.gather(*(run(pay_out) for _ in range(4)))

        assert sorted(paid) == [
            (f"seller-{n:02d}", Money(minor_units=100 + n, currency="CNY")) for n in range(20)
        ]


async def test_the_table_refuses_a_negative_balance_whatever_the_code(
    fresh_sqlite_url: str,
) -> None:
    from sqlalchemy import update

    from mercato_payments.adapters.payables import seller_payables

    async with _sql(fresh_sqlite_url) as run:
        await run(lambda p: p.credit("seller-1", Money(minor_units=1, currency="CNY")))

        async def corrupt(p: SellerPayables) -> None:
            assert isinstance(p, SqlSellerPayables)
            await p._session.execute(update(seller_payables).values(balance_minor=-1))

        with pytest.raises(IntegrityError):
            await run(corrupt)


async def test_a_payout_run_reads_only_payees_with_money_due_on_postgresql(
    fresh_postgres_url: str,
) -> None:
    """2,000 sellers already paid out to zero and 3 with money due: the selection a payout run
    makes, planned as a prepared statement's generic plan is (what psycopg runs after its fifth
    execution), goes through the partial index of due balances and touches a handful of
    pages, not one per payee at zero."""
    import json
    import re

    from sqlalchemy import event, text

    async with _sql(fresh_postgres_url) as run:
        database = Database(fresh_postgres_url)
        try:
            async with database.transaction() as session:
                await session.execute(
                    text(
                        "INSERT INTO seller_payables (seller_id, currency, balance_minor,"
                        " updated_at) SELECT 'paid-' || lpad(g::text, 4, '0'), 'CNY', 0, now()"
                        " FROM generate_series(1, 2000) AS g"
                    )
                )
            for seller in ("due-1", "due-2", "zz-due-3"):
                await run(lambda p, s=seller: p.credit(s, Money(minor_units=5, currency="CNY")))

            sent: list[tuple[str, dict[str, Any]]] = []

            def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
                if "FOR UPDATE" in statement:
                    sent.append((statement, dict(parameters)))

            event.listen(database.engine.sync_engine, "before_cursor_execute", capture)
            async with database.transaction() as session:
                due = await SqlSellerPayables(session).lock_due("CNY", 100)
            event.remove(database.engine.sync_engine, "before_cursor_execute", capture)
            assert [seller for seller, _ in due] == ["due-1", "due-2", "zz-due-3"]

            (statement, parameters), *_ = sent
            names: list[str] = []

            def positional(match: re.Match[str]) -> str:
                if match.group(1) not in names:
                    names.append(match.group(1))
                return f"${names.index(match.group(1)) + 1}"

            prepared = re.sub(r"%\((\w+)\)s", positional, statement)
            async with database.engine.connect() as connection:
                await connection.execute(text("ANALYZE seller_payables"))
                await connection.exec_driver_sql(f"PREPARE due AS {prepared}")
                await connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
                arguments = ", ".join(repr(parameters[name]) for name in names)
                plan = (
                    await connection.exec_driver_sql(
                        f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE due({arguments})"
                    )
                ).scalar_one()
                await connection.rollback()
        finally:
            await database.dispose()

    root = (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]

    def nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
        return [node, *(n for child in node.get("Plans", []) for n in nodes(child))]

    assert "ix_seller_payables_due" in {node.get("Index Name") for node in nodes(root)}
    assert root["Shared Hit Blocks"] + root["Shared Read Blocks"] < 50, root
