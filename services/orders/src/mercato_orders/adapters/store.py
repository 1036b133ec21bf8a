"""Orders in SQLite or PostgreSQL: their events in the kit's store, a summary row beside them.

The repositories here work inside a transaction someone else commits (the orders unit of work,
a Kafka consumer). The buyer's payment instrument is kept in a table of its own: the events are
published, and a card number must not be.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    insert,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.errors import NotFound
from mercato_kit.pages import position_token, token_position
from mercato_kit.storage import Database, save_row
from mercato_kit.store import EventSourcedRepository, EventStore, SqlEventStore
from mercato_orders.adapters.translator import OrderTranslator
from mercato_orders.application.ports import OrderPage
from mercato_orders.domain import Order, OrderNotFound

PRODUCER = "orders"
_TRANSLATOR = OrderTranslator()
DEFAULT_PAGE_SIZE = 50

metadata = MetaData()

order_summaries = Table(
    "order_summaries",
    metadata,
    Column("seq", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("order_id", String(36), nullable=False, unique=True),
    Column("buyer_id", String(36), nullable=False),
    Column("seller_id", String(36), nullable=False),
    Column("shop_id", String(36), nullable=False),
    Column("status", String(16), nullable=False),
    Column("final", Boolean, nullable=False),
    Column("placed_at", DateTime(timezone=True), nullable=False),
    Column("version", BigInteger, nullable=False),
)

order_instruments = Table(
    "order_instruments",
    metadata,
    Column("order_id", String(36), primary_key=True),
    Column("instrument", String(19), nullable=False),
)


class SessionOrders:
    """Orders read and written inside a transaction that its owner commits (a unit of work's,
    a Kafka consumer's). A save appends at the version its order was loaded with, so a save
    that lost a race is the kit's ConcurrencyError, never a lost update; the summary row is
    written in the same transaction (lists and the sweep never lag the events)."""

    def __init__(self, events: EventStore, session: AsyncSession) -> None:
        self._session = session
        self._repository = EventSourcedRepository(events, Order, _TRANSLATOR, producer=PRODUCER)

    async def get(self, order_id: str) -> Order:
        try:
            return await self._repository.get(order_id)
        except NotFound:
            raise OrderNotFound(order_id) from None

    async def save(self, order: Order) -> None:
        if not order.pending_events():
            return
        created = order.saved_version == 0
        await self._repository.save(order)
        values = {
            "status": order.status.value,
            "final": order.status.is_final,
            "version": order.version,
        }
        new = None
        if created:
            assert order.placed_at is not None
            new = {
                "buyer_id": order.buyer_id,
                "seller_id": order.seller_id,
                "shop_id": order.shop_id,
                "placed_at": order.placed_at.astimezone(UTC),
            }
        await save_row(self._session, order_summaries, {"order_id": order.id}, values, new=new)

    async def unfinished(self) -> list[str]:
        """Ids of the orders not yet in a final status, oldest first."""
        rows = await self._session.execute(
            select(order_summaries.c.order_id)
            .where(order_summaries.c.final.is_(False))
            .order_by(order_summaries.c.seq)
        )
        return [row.order_id for row in rows]

    async def buyer_orders(self, buyer_id: str, page_size: int, page_token: str) -> OrderPage:
        """A page of the buyer's orders' ids, newest first."""
        return await self._page(order_summaries.c.buyer_id == buyer_id, page_size, page_token)

    async def shop_orders(
        self, shop_id: str, page_size: int, page_token: str, *, seller_id: str
    ) -> OrderPage:
        """A page of the shop's orders' ids, newest first; none unless `seller_id` sells there."""
        where = and_(order_summaries.c.shop_id == shop_id, order_summaries.c.seller_id == seller_id)
        return await self._page(where, page_size, page_token)

    async def _page(self, where: Any, page_size: int, page_token: str) -> OrderPage:
        size = page_size or DEFAULT_PAGE_SIZE
        query = select(order_summaries.c.seq, order_summaries.c.order_id).where(where)
        before = token_position(page_token, "before", field="page_token")
        if before is not None:
            query = query.where(order_summaries.c.seq < before)
        query = query.order_by(order_summaries.c.seq.desc()).limit(size + 1)
        rows = (await self._session.execute(query)).all()
        page = rows[:size]
        next_token = position_token("before", page[-1].seq) if len(rows) > size else ""
        return OrderPage([row.order_id for row in page], next_token)


def orders_in(database: Database) -> Callable[[AsyncSession], SessionOrders]:
    """The orders inside a transaction someone else runs (a Kafka consumer's session)."""

    def orders(session: AsyncSession) -> SessionOrders:
        return SessionOrders(SqlEventStore(database, session=session), session)

    return orders


class SessionInstruments:
    """The buyers' instruments, by order, inside a transaction that its owner commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def keep(self, order_id: str, instrument: str) -> None:
        """Keep the order's instrument (the first one given: a retried placement changes
        nothing)."""
        if await self.of(order_id) is None:
            await self._session.execute(
                insert(order_instruments).values(order_id=order_id, instrument=instrument)
            )

    async def of(self, order_id: str) -> str | None:
        instrument = await self._session.scalar(
            select(order_instruments.c.instrument).where(order_instruments.c.order_id == order_id)
        )
        return None if instrument is None else str(instrument)
