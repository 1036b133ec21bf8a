"""The vendors' payables (the same Payables port as sellers', on the `vendor_payables` table),
against the in-memory fake, SQLite and PostgreSQL: a refund after a payout leaves a vendor in
debit, payouts pass it by until later charges cover it, and a payout never takes more than
the balance."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from mercato_kit.money import Money
from mercato_kit.storage import Database, migrate
from mercato_payments.adapters.payables import InMemoryPayables, SqlVendorPayables
from mercato_payments.application import Payables
from mercato_payments.bootstrap import MIGRATIONS

Run = Callable[[Callable[[Payables], Awaitable[Any]]], Awaitable[Any]]


def cny(minor_units: int) -> Money:
    return Money(minor_units=minor_units, currency="CNY")


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
async def payables(request: pytest.FixtureRequest) -> AsyncIterator[Run]:
    if request.param == "memory":
        fake = InMemoryPayables()

        async def run_in_memory(work: Callable[[Payables], Awaitable[Any]]) -> Any:
            return await work(fake)

        yield run_in_memory
        return
    url = str(
        request.getfixturevalue(
            "fresh_sqlite_url" if request.param == "sqlite" else "fresh_postgres_url"
        )
    )
    await asyncio.to_thread(migrate, url)
    await asyncio.to_thread(
        migrate, url, versions=MIGRATIONS, version_table="payments_alembic_version"
    )
    database = Database(url)

    async def run(work: Callable[[Payables], Awaitable[Any]]) -> Any:
        async with database.transaction() as session:
            return await work(SqlVendorPayables(session))

    try:
        yield run
    finally:
        await database.dispose()


async def test_a_refund_after_a_payout_leaves_the_vendor_in_debit_until_charges_cover_it(
    payables: Run,
) -> None:
    await payables(lambda p: p.credit("vendor-1", cny(7_000)))
    await payables(lambda p: p.credit("vendor-2", cny(10)))
    await payables(lambda p: p.debit("vendor-1", cny(7_000)))  # paid out
    await payables(lambda p: p.take_back("vendor-1", cny(3_500)))  # refunded afterwards

    assert await payables(lambda p: p.balances("vendor-1")) == [cny(-3_500)]
    assert await payables(lambda p: p.lock_due("CNY", 10)) == [("vendor-2", cny(10))]
    with pytest.raises(ValueError, match="less than"):
        await payables(lambda p: p.debit("vendor-1", cny(1)))
    await payables(lambda p: p.credit("vendor-1", cny(7_000)))
    assert await payables(lambda p: p.lock_due("CNY", 10)) == [
        ("vendor-1", cny(3_500)),
        ("vendor-2", cny(10)),
    ]
