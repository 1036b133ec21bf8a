"""The saga's state on SQLite and PostgreSQL: killed mid-saga, a new process finishes the order."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import inspect

from mercato_kit.errors import InvalidArgument
from mercato_kit.storage import Database, migrate
from mercato_orders.adapters.unit_of_work import SqlInstruments
from mercato_orders.bootstrap import MIGRATIONS
from mercato_orders.domain import OrderNotFound, OrderStatus
from mercato_orders.domain.saga import BuyerConfirmed, idempotency_key
from tests.services.orders._fakes import APPROVED, Crash
from tests.services.orders._world import TIMEOUTS, TOTAL, World, deliver, sql_units

pytestmark = pytest.mark.infra


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest) -> str:
    fixture = "fresh_sqlite_url" if request.param == "sqlite" else "fresh_postgres_url"
    url = str(request.getfixturevalue(fixture))
    await asyncio.to_thread(migrate, url)
    await asyncio.to_thread(
        migrate, url, versions=MIGRATIONS, version_table="orders_alembic_version"
    )
    return url


async def test_an_order_killed_after_its_capture_completes_after_a_restart_charged_once(
    database_url: str,
) -> None:
    first = Database(database_url)
    world = World()
    world.on(first)
    world.faults.crash_after.add("capture")
    with pytest.raises(Crash):
        await world.start()
    await first.dispose()

    second = Database(database_url)
    try:
        world.on(second)
        await world.runner.sweep()
        assert await world.status() is OrderStatus.PAID
        await deliver(world)
        await world.runner.react(BuyerConfirmed("o-1", world.clock()))

        assert await world.status() is OrderStatus.COMPLETED
        assert world.payments.charges == [("o-1", TOTAL)]
        assert await world.orders.unfinished() == []
    finally:
        await second.dispose()


async def test_the_sweep_walks_only_unfinished_orders_and_a_missing_order_is_not_found(
    database_url: str,
) -> None:
    database = Database(database_url)
    try:
        world = World()
        world.on(database)
        await world.start("o-ok")
        await world.start("o-too-many", quantity=50)

        assert await world.orders.unfinished() == ["o-ok"]
        with pytest.raises(OrderNotFound):
            await world.orders.get("o-404")
    finally:
        await database.dispose()


async def test_an_instrument_is_kept_once_per_order(database_url: str) -> None:
    database = Database(database_url)
    try:
        units = sql_units(database, World().clock)
        for instrument in (APPROVED, "4000000000000002"):
            async with units() as uow:
                await uow.instruments.keep("o-1", instrument)
                await uow.commit()
        instruments = SqlInstruments(units)
        assert await instruments.of("o-1") == APPROVED
        with pytest.raises(OrderNotFound):
            await instruments.of("o-2")
    finally:
        await database.dispose()


async def test_a_buyer_lists_their_orders_newest_first_page_by_page(database_url: str) -> None:
    database = Database(database_url)
    try:
        world = World()
        units = world.on(database)
        for n in range(5):
            await world.start(f"o-{n}")

        async with units(read_only=True) as uow:
            orders = uow.orders
            first = await orders.buyer_orders("buyer-1", 2, "")
            second = await orders.buyer_orders("buyer-1", 2, first.next_page_token)
            last = await orders.buyer_orders("buyer-1", 2, second.next_page_token)
            shop = await orders.shop_orders("shop-1", 0, "", seller_id="seller-1")
            other_seller = await orders.shop_orders("shop-1", 0, "", seller_id="seller-2")
            other_buyer = await orders.buyer_orders("buyer-2", 10, "")
            with pytest.raises(InvalidArgument) as refused:
                await orders.buyer_orders("buyer-1", 2, "not-a-token")

        assert first.order_ids + second.order_ids + last.order_ids == [
            "o-4",
            "o-3",
            "o-2",
            "o-1",
            "o-0",
        ]
        assert last.next_page_token == ""
        assert shop.order_ids[0] == "o-4"
        assert other_seller.order_ids == []
        assert other_buyer.order_ids == []
        assert refused.value.field == "page_token"
    finally:
        await database.dispose()


async def test_the_sweep_reads_only_the_orders_due_and_resends_a_command_left_unanswered(
    database_url: str,
) -> None:
    database = Database(database_url)
    try:
        world = World()
        world.on(database)
        await world.runner.sweep()  # the first pass of the process, over nothing yet
        world.faults.unanswered.add("capture")
        await world.start("o-unanswered")
        await world.start("o-paid")
        capture = idempotency_key("o-unanswered", "capture-payment")

        steps = await world.runner.steps()
        await world.runner.sweep()
        not_yet = world.payments.calls.count(capture)
        await world.later(TIMEOUTS.resend + timedelta(seconds=1))
        due = await world.orders.due(world.clock(), 100)  # type: ignore[attr-defined]
        await world.runner.sweep()

        assert (steps.in_flight, steps.overdue) == (1, 0)
        assert not_yet == 1  # sent once at placement, not again before its resend is due
        assert due == ["o-unanswered"]  # o-paid waits for its parcel to leave: not looked at
        assert world.payments.calls.count(capture) == 2
        assert await world.status("o-unanswered") is OrderStatus.PAID
        assert await world.orders.due(world.clock(), 100) == []  # type: ignore[attr-defined]
        await world.later(TIMEOUTS.dispatch)
        assert (await world.runner.steps()).overdue == 2
    finally:
        await database.dispose()


async def test_a_shops_page_has_an_index_led_by_its_shop_and_seller_newest_first(
    database_url: str,
) -> None:
    """The shop's page filters on shop and seller and orders by seq: one index covers all
    three, so PostgreSQL reads the page from an index range instead of every order of the
    shop (bench/bench_orders_scale.py measured 1,845 buffers a page at 100k orders before)."""
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            indexes = await connection.run_sync(
                lambda sync: inspect(sync).get_indexes("order_summaries")
            )
        by_name = {index["name"]: index["column_names"] for index in indexes}
        assert by_name["ix_order_summaries_shop_seller"] == ["shop_id", "seller_id", "seq"]
        assert "ix_order_summaries_shop" not in by_name
    finally:
        await database.dispose()
