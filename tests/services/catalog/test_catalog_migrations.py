"""The catalog's migration chain on SQLite and PostgreSQL: a database from before a revision
upgrades with its rows intact, and ends with the schema the code declares."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from mercato_catalog.adapters.tables import metadata, products, shops, skus
from mercato_catalog.bootstrap import MIGRATIONS
from mercato_kit.storage import migrate, sync_url

pytestmark = pytest.mark.infra

VERSION_TABLE = "catalog_alembic_version"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def migrate_catalog(url: str, revision: str = "head") -> None:
    migrate(url, versions=MIGRATIONS, version_table=VERSION_TABLE, revision=revision)


def list_a_sku_as_before_weights(url: str) -> None:
    """A shop, a product and one SKU, written with the columns revision catalog_0001 has."""
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(shops).values(
                    shop_id="shop-1",
                    seller_id="seller-1",
                    name="Tea House",
                    name_key="tea house",
                    description="",
                    tier="flagship",
                    status="open",
                    opened_at=NOW,
                    version=1,
                )
            )
            connection.execute(
                insert(products).values(
                    product_id="product-1",
                    shop_id="shop-1",
                    seller_id="seller-1",
                    title="Green tea",
                    description="",
                    attributes="[]",
                    status="active",
                    listed_at=NOW,
                    version=1,
                )
            )
            connection.execute(
                insert(skus).values(
                    sku_id="sku-1",
                    product_id="product-1",
                    position=0,
                    code="TEA-1",
                    attributes="[]",
                    currency="CNY",
                    price_minor=1999,
                    available=10,
                    reserved=0,
                )
            )
    finally:
        engine.dispose()


def weights(url: str) -> list[tuple[str, int]]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(skus.c.sku_id, skus.c.weight_grams)).all()
    finally:
        engine.dispose()
    return [(sku_id, weight) for sku_id, weight in rows]


def test_skus_listed_before_weights_existed_upgrade_to_an_unknown_weight_of_zero(
    fresh_database_url: str,
) -> None:
    migrate(fresh_database_url)
    migrate_catalog(fresh_database_url, revision="catalog_0001")
    list_a_sku_as_before_weights(fresh_database_url)

    migrate_catalog(fresh_database_url)

    assert weights(fresh_database_url) == [("sku-1", 0)]


def test_the_database_refuses_a_negative_weight(fresh_database_url: str) -> None:
    migrate(fresh_database_url)
    migrate_catalog(fresh_database_url)
    list_a_sku_as_before_weights(fresh_database_url)

    engine = create_engine(sync_url(fresh_database_url))
    try:
        with (
            pytest.raises(IntegrityError, match="ck_skus_weight_not_negative"),
            engine.begin() as connection,
        ):
            connection.execute(update(skus).values(weight_grams=-1))
    finally:
        engine.dispose()
    assert weights(fresh_database_url) == [("sku-1", 0)]


def only_skus(thing: object, name: str | None, kind: str, *_: object) -> bool:
    table = thing if kind == "table" else getattr(thing, "table", None)
    return getattr(table, "name", None) == "skus"


def test_the_migrated_skus_table_is_the_one_the_code_declares(fresh_database_url: str) -> None:
    migrate(fresh_database_url)
    migrate_catalog(fresh_database_url)

    engine = create_engine(sync_url(fresh_database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "version_table": VERSION_TABLE,
                    "compare_type": True,
                    "compare_server_default": True,
                    "include_object": only_skus,
                },
            )
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()

    assert differences == []
