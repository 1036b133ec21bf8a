"""Database: one service's SQLAlchemy async engine, for SQLite (default) or PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

READ_ONLY_OPTION = "mercato_read_only"
"""Connection execution option: the transaction only reads (SQLite: a deferred BEGIN)."""

PING_AFTER_IDLE = 5.0
"""Seconds a pooled PostgreSQL connection may sit idle before a checkout pings it first."""


def async_url(url: str) -> URL:
    """The async-driver form of a database URL (aiosqlite, psycopg 3)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")


def sync_url(url: str) -> URL:
    """The sync-driver form of a database URL (pysqlite, psycopg 3), e.g. for Alembic."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")


class Database:
    """A service's database: an async engine and transactions on it.

    SQLite runs in WAL mode with a busy timeout, and every write transaction starts with
    `BEGIN IMMEDIATE`, so concurrent writers queue instead of failing on lock upgrades; a
    `read_transaction` starts with a deferred `BEGIN` and reads a snapshot without queueing
    behind writers (WAL lets readers and one writer run together).
    PostgreSQL runs at READ COMMITTED; correctness comes from constraints and row locks. Its
    reads (`read_transaction`, a read-only unit of work) run in autocommit: every statement
    sees what was committed when it started, as it would inside a READ COMMITTED transaction,
    without the BEGIN and ROLLBACK round trips. A pooled connection is pinged before use only
    when it sat idle for `ping_after_idle` seconds (a pre-ping on every checkout costs a round
    trip per transaction); a connection found dead is replaced before it is handed out.
    """

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        pool_size: int = 10,
        ping_after_idle: float = PING_AFTER_IDLE,
    ) -> None:
        self.url = async_url(url)
        self.dialect = self.url.get_backend_name()
        # Parameters stay out of error messages: a logged failure must not carry a password
        # hash, a token digest or a buyer's address.
        options: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.dialect == "sqlite":
            options["poolclass"] = NullPool
        else:
            options.update(pool_size=pool_size, max_overflow=pool_size)
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        self.read_only_options: dict[str, Any] = {READ_ONLY_OPTION: True}
        """What a read-only transaction's connection is given (`session.connection(...)`)."""
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
        else:
            _ping_when_idle(self.engine, ping_after_idle)
            self.read_only_options["isolation_level"] = "AUTOCOMMIT"
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed when the block ends, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read_transaction(self) -> AsyncIterator[AsyncSession]:
        """A session for reading only: on SQLite it does not take the write lock.

        Writing in it is a bug: on SQLite a write may fail with "database is locked", and on
        PostgreSQL (autocommit) each write would commit at once, never rolled back.
        """
        async with self.sessions() as session:
            # Procuring the connection begins the (deferred) transaction; closing rolls it back.
            await session.connection(execution_options=self.read_only_options)
            yield session

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncSession]:
        """A session for work that is ONE statement, atomic by itself: on PostgreSQL it runs
        in autocommit, without the BEGIN and COMMIT round trips of a transaction. On SQLite it
        is a write transaction (`transaction`): its `BEGIN IMMEDIATE` is what serialises
        writers. Several statements in it are several transactions on PostgreSQL: a bug."""
        if self.dialect != "postgresql":
            async with self.transaction() as session:
                yield session
            return
        async with self.sessions() as session:
            await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            yield session

    async def ping(self) -> None:
        """Raise unless the database answers a trivial query."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def _ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """SQLAlchemy's pre-ping, only for connections idle longer than `idle_seconds`."""
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            alive = sync_engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure: the pool replaces the connection
            raise DisconnectionError(f"a pooled connection failed its ping: {exc}") from exc
        if not alive:
            raise DisconnectionError("a pooled connection failed its ping")


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, issue BEGIN (the driver's implicit BEGIN is DEFERRED).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
