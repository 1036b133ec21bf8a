"""GetProduct and GetShop without a unit of work: one statement on a pooled connection.

A read-only unit of work costs far more than its one statement: an ORM session and its
transaction bookkeeping, the statement's cache key and compiled-cache lookup, the result's
row objects, and an `await` into SQLAlchemy's greenlet for each step. These two reads — the
catalog's most frequent calls: orders reads every SKU's price and weight and every shop's
seller — instead run their statement (the repositories' own, compiled once per database) in
one greenlet: a pooled connection with every read-only unit of work's options (autocommit on
PostgreSQL), the statement on its DBAPI cursor, the rows, the connection back to the pool.
Driver errors are wrapped and lost connections invalidated as `Connection.execute` does, so
the edge answers UNAVAILABLE for a database that is down, as for any other read. On SQLite
the one SELECT runs as its own transaction (one snapshot), without the BEGIN and ROLLBACK a
read-only unit of work sends around it.

They restore the same aggregates from the same rows as the repositories, so what a caller
sees does not change (tests/services/catalog/test_catalog_reads.py compares the two on
SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Select, bindparam, select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.util import greenlet_spawn

from mercato_catalog.adapters.rows import shop_of
from mercato_catalog.adapters.shops_and_products import PRODUCT_WITH_SKUS, product_of_joined
from mercato_catalog.adapters.tables import shops
from mercato_catalog.domain import Product, Shop
from mercato_kit.errors import NotFound
from mercato_kit.storage import Database

if TYPE_CHECKING:
    from mercato_catalog.adapters.unit_of_work import SqlCatalogUnitOfWork

_SHOP = select(shops).where(shops.c.shop_id == bindparam("shop_id"))


class CatalogReads(Protocol):
    """The public reads of one product or one shop, as they are stored now."""

    async def product(self, product_id: str) -> Product:
        """The product with its SKUs (NotFound when there is none), whatever its status."""
        ...

    async def shop(self, shop_id: str) -> Shop:
        """The shop (NotFound when there is none), whatever its status."""
        ...


class UnitOfWorkReads:
    """CatalogReads through a read-only unit of work and its repositories."""

    def __init__(self, unit_of_work: Callable[..., SqlCatalogUnitOfWork]) -> None:
        self._unit_of_work = unit_of_work

    async def product(self, product_id: str) -> Product:
        async with self._unit_of_work(read_only=True) as uow:
            return await uow.products.get(product_id)

    async def shop(self, shop_id: str) -> Shop:
        async with self._unit_of_work(read_only=True) as uow:
            return await uow.shops.get(shop_id)


class SqlCatalogReads:
    """CatalogReads as one statement each, outside any unit of work (see the module)."""

    def __init__(self, database: Database) -> None:
        # Connections in the read-only options of a read-only unit of work; SQLAlchemy sets
        # them at checkout and resets them at checkin (no autocommit leaks into a write).
        self._engine = database.engine.sync_engine.execution_options(**database.read_only_options)
        self._dialect = dialect = self._engine.dialect
        self._product = _Compiled(PRODUCT_WITH_SKUS, dialect)
        self._shop = _Compiled(_SHOP, dialect)

    async def product(self, product_id: str) -> Product:
        rows = await greenlet_spawn(self._read, self._product, {"product_id": product_id})
        return product_of_joined(product_id, rows)

    async def shop(self, shop_id: str) -> Shop:
        rows = await greenlet_spawn(self._read, self._shop, {"shop_id": shop_id})
        if not rows:
            raise NotFound(f"shop {shop_id} does not exist")
        return shop_of(rows[0])

    def _read(self, query: _Compiled, values: dict[str, str]) -> list[dict[str, Any]]:
        """The statement's rows as dicts by column name (runs in SQLAlchemy's greenlet)."""
        parameters = query.parameters(values)
        with self._engine.connect() as connection:  # a failed checkout is SQLAlchemy's error
            cursor = connection.connection.cursor()
            try:
                cursor.execute(query.sql, parameters)
                return query.rows(cursor.fetchall())
            except self._dialect.loaded_dbapi.Error as error:
                raise self._failure(connection, cursor, query.sql, parameters, error) from error
            finally:
                cursor.close()

    def _failure(
        self, connection: Connection, cursor: Any, sql: str, parameters: Any, error: Any
    ) -> StatementError:
        """What `Connection.execute` raises for a driver's error: SQLAlchemy's wrapper of it
        (so the edge maps a database that is down to UNAVAILABLE), the connection invalidated
        when the error says it is lost, and the parameters hidden as in every other error."""
        lost = self._dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
        if lost:
            connection.invalidate(error)
        failure: StatementError = DBAPIError.instance(
            sql,
            parameters,
            error,
            self._dialect.loaded_dbapi.Error,
            hide_parameters=True,
            connection_invalidated=lost,
            dialect=self._dialect,
        )
        return failure


class _Compiled:
    """A Core SELECT compiled once for one database: its SQL in the driver's own parameter
    style, and how to read its rows (each column's result processor: SQLite keeps times as
    text). The parameters are strings, which no type processes on the way in."""

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self._order: Sequence[str] | None = compiled.positiontup if compiled.positional else None
        columns = list(statement.selected_columns)
        self._names = [str(column.key) for column in columns]
        self._processors: list[tuple[int, Callable[[Any], Any]]] = []
        for index, column in enumerate(columns):
            processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if processor is not None:
                self._processors.append((index, processor))

    def parameters(self, values: dict[str, str]) -> dict[str, str] | tuple[str, ...]:
        if self._order is None:
            return values
        return tuple(values[name] for name in self._order)

    def rows(self, tuples: Sequence[Any]) -> list[dict[str, Any]]:
        names, processors = self._names, self._processors
        found = []
        for values in tuples:
            row = dict(zip(names, values, strict=True))
            for index, processor in processors:
                name = names[index]
                row[name] = processor(row[name])
            found.append(row)
        return found
