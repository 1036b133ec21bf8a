"""GetProduct's and GetShop's reads without a unit of work (SqlCatalogReads) answer exactly what
the repositories in a read-only unit of work answer, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from mercato_catalog.adapters.reads import SqlCatalogReads, UnitOfWorkReads
from mercato_catalog.adapters.translator import product_message, shop_message
from mercato_catalog.adapters.unit_of_work import SqlCatalogUnitOfWork
from mercato_catalog.bootstrap import MIGRATIONS
from mercato_catalog.domain import Product, Shop, SkuSpec, Tier
from mercato_kit.errors import NotFound
from mercato_kit.grpc._interceptors import dependency_unavailable
from mercato_kit.ids import new_id
from mercato_kit.money import Money
from mercato_kit.storage import Database, migrate
from tests.support.catalog_service import catalog_database

pytestmark = pytest.mark.infra

POSTGRESQL_ONLY = pytest.mark.parametrize("database", ["postgresql"], indirect=True)
LISTED_AT = datetime(2026, 11, 1, 12, 0, 0, 123000, tzinfo=UTC)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def database(
    request: pytest.FixtureRequest, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    folder: Path = tmp_path_factory.mktemp("catalog-reads")
    with catalog_database(request.param, postgres_url, folder) as url:
        migrate(url)  # the kit's tables: the outbox the repositories write events to
        migrate(url, versions=MIGRATIONS, version_table="catalog_alembic_version")
        database = Database(url)
        try:
            yield database
        finally:
            await database.dispose()


def cny(minor_units: int) -> Money:
    return Money(minor_units=minor_units, currency="CNY")


async def stocked_shop(database: Database) -> tuple[Shop, list[Product]]:
    """A shop, and three of its products: one as listed (its SKUs' ids in the reverse order of
    their positions), one whose price and stock changed, one delisted."""
    unit_of_work = partial(SqlCatalogUnitOfWork, database)
    tag = new_id()[-8:]
    shop = Shop.open(new_id(), "seller-1", f"Tea 茶 {tag}", "Leaves", Tier.FLAGSHIP, LISTED_AT)
    specs = [
        ("sku-c", SkuSpec("TIN", (("size", "大"),), cny(1999), 7, weight_grams=250)),
        ("sku-b", SkuSpec("BAG", (), cny(999), 0)),
        ("sku-a", SkuSpec("CAKE", (("aged", "10 years"),), cny(25000), 3, 357)),
    ]
    listed = [
        Product.list(
            new_id(),
            shop,
            f"Green tea {number}",
            "Spring leaves from Yunnan",
            (("origin", "云南"), ("flush", "first")),
            [(f"{sku_id}-{tag}-{number}", spec) for sku_id, spec in specs],
            LISTED_AT,
        )
        for number in range(3)
    ]
    async with unit_of_work() as uow:
        await uow.shops.add(shop)
        for product in listed:
            await uow.products.add(product)
        await uow.commit()
    async with unit_of_work() as uow:
        changed = await uow.products.get(listed[1].id, for_update=True)
        changed.change_price(f"sku-a-{tag}-1", cny(19900))
        changed.adjust_stock(f"sku-c-{tag}-1", -2)
        await uow.products.save(changed)
        delisted = await uow.products.get(listed[2].id, for_update=True)
        delisted.delist()
        await uow.products.save(delisted)
        await uow.commit()
    return shop, listed


async def test_a_product_reads_the_same_with_its_skus_in_order_changes_and_status(
    database: Database,
) -> None:
    shop, listed = await stocked_shop(database)
    reads = SqlCatalogReads(database)
    repositories = UnitOfWorkReads(partial(SqlCatalogUnitOfWork, database))

    for product in listed:
        read = await reads.product(product.id)
        assert product_message(read) == product_message(await repositories.product(product.id))

    first = await reads.product(listed[0].id)
    assert [sku.code for sku in first.skus.values()] == ["TIN", "BAG", "CAKE"]
    assert first.listed_at == LISTED_AT
    assert first.attributes == (("origin", "云南"), ("flush", "first"))
    changed = {sku.code: sku for sku in (await reads.product(listed[1].id)).skus.values()}
    assert changed["CAKE"].price == cny(19900)
    assert changed["TIN"].available == 5
    delisted = await reads.product(listed[2].id)
    assert delisted.status.value == "delisted"
    assert shop.seller_id == first.seller_id


async def test_a_shop_reads_the_same_open_or_closed(database: Database) -> None:
    shop, _ = await stocked_shop(database)
    reads = SqlCatalogReads(database)
    unit_of_work = partial(SqlCatalogUnitOfWork, database)
    repositories = UnitOfWorkReads(unit_of_work)

    opened = await reads.shop(shop.id)
    assert shop_message(opened) == shop_message(await repositories.shop(shop.id))
    assert (opened.name, opened.tier, opened.opened_at) == (shop.name, Tier.FLAGSHIP, LISTED_AT)

    async with unit_of_work() as uow:
        closing = await uow.shops.get(shop.id, for_update=True)
        closing.close()
        await uow.shops.save(closing)
        await uow.commit()
    closed = await reads.shop(shop.id)
    assert shop_message(closed) == shop_message(await repositories.shop(shop.id))
    assert closed.status.value == "closed"


async def test_an_unknown_product_or_shop_is_not_found_as_before(database: Database) -> None:
    reads = SqlCatalogReads(database)
    repositories = UnitOfWorkReads(partial(SqlCatalogUnitOfWork, database))
    unknown = new_id()

    for read in (reads, repositories):
        with pytest.raises(NotFound, match=f"product {unknown} does not exist"):
            await read.product(unknown)
        with pytest.raises(NotFound, match=f"shop {unknown} does not exist"):
            await read.shop(unknown)


@pytest.fixture
async def one_connection(database: Database) -> AsyncIterator[Database]:
    """The module's PostgreSQL database through a pool of one connection, never pinged."""
    url = database.url.render_as_string(hide_password=False)
    pooled = Database(url, pool_size=1, ping_after_idle=3600)
    try:
        yield pooled
    finally:
        await pooled.dispose()


@POSTGRESQL_ONLY
async def test_a_write_after_a_read_on_the_same_connection_is_a_transaction_again(
    one_connection: Database,
) -> None:
    shop, _ = await stocked_shop(one_connection)
    await SqlCatalogReads(one_connection).shop(shop.id)

    async with SqlCatalogUnitOfWork(one_connection) as uow:
        await uow.session.execute(text("SELECT 1"))
        await asyncio.sleep(0.01)
        in_transaction = await uow.session.scalar(text("SELECT now() <> statement_timestamp()"))

    assert in_transaction is True


@POSTGRESQL_ONLY
async def test_a_read_on_a_lost_connection_is_unavailable_and_the_next_read_reconnects(
    one_connection: Database,
) -> None:
    shop, _ = await stocked_shop(one_connection)
    reads = SqlCatalogReads(one_connection)
    async with one_connection.transaction() as session:
        victim = await session.scalar(text("SELECT pg_backend_pid()"))
    killer = Database(one_connection.url.render_as_string(hide_password=False))
    try:
        async with killer.transaction() as session:
            await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": victim})
    finally:
        await killer.dispose()

    with pytest.raises(DBAPIError) as lost:
        await reads.shop(shop.id)
    again = await reads.shop(shop.id)

    assert lost.value.connection_invalidated
    assert dependency_unavailable(lost.value)
    assert again.id == shop.id
