"""The catalog's unit of work: one transaction for its tables, the outbox and idempotency keys."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession

from mercato_catalog.adapters.reservations import SqlReservations
from mercato_catalog.adapters.shops_and_products import SqlProducts, SqlShops
from mercato_catalog.adapters.translator import event_payload
from mercato_kit.storage import READ_ONLY_OPTION, AggregateOutbox, Database


class SqlCatalogUnitOfWork:
    """Repositories on one session; rolled back unless committed.

    `after_commit` runs after a commit that recorded events (it wakes the outbox relay).
    `read_only=True` is for queries: on SQLite they then do not queue behind writers.
    """

    def __init__(
        self,
        database: Database,
        *,
        after_commit: Callable[[], object] | None = None,
        read_only: bool = False,
    ) -> None:
        self._database = database
        self._after_commit = after_commit
        self._read_only = read_only
        self._session: AsyncSession | None = None
        self._outbox: AggregateOutbox | None = None
        self._committed = False

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("a unit of work is used once; make a new one")
        self._session = self._database.sessions()
        if self._read_only:
            await self._session.connection(execution_options={READ_ONLY_OPTION: True})
        self._outbox = AggregateOutbox(self._session, producer="catalog", payload_of=event_payload)
        self.shops = SqlShops(self._session, self._outbox)
        self.products = SqlProducts(self._session, self._outbox)
        self.reservations = SqlReservations(self._session, self._outbox, self._database.dialect)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if not self._committed:
                await session.rollback()
        finally:
            await session.close()

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not entered")
        return self._session

    async def commit(self) -> None:
        await self.session.commit()
        self._committed = True
        if self._outbox is not None and self._outbox.written and self._after_commit:
            self._after_commit()
