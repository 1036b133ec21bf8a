"""Orders in SQLite or PostgreSQL: their events in the kit's store, a summary row beside them.

The repositories here work inside a transaction someone else commits (the orders unit of work,
a Kafka consumer). The buyer's payment instrument is kept in a table of its own: the events are
published, and a card number must not be.

The events are the orders' only source of truth. The summary row, written in the same
transaction as each append, is what lists, the sweep and the saga's metrics read: besides the
parties and the status, when the order is next due (`wake_at`: its step's deadline, or a resend
of a command left unanswered), its step's `deadline` and how many commands it still needs
answered (`outstanding`), all indexed. A load goes through the process's AggregateCache: one
query for the events the cache has not seen, checked against the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.errors import NotFound
from mercato_kit.pages import position_token, token_position
from mercato_kit.storage import Database
from mercato_kit.store import AggregateCache, EventSourcedRepository, EventStore, SqlEventStore
from mercato_orders.adapters.translator import OrderTranslator
from mercato_orders.application.ports import OrderPage, SagaSteps
from mercato_orders.domain import Order, OrderNotFound
from mercato_orders.domain.saga import OrderSaga

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
    Column("deadline", DateTime(timezone=True), nullable=True, index=True),
    Column("wake_at", DateTime(timezone=True), nullable=True, index=True),
    Column("outstanding", Integer, nullable=False, default=0, index=True),
)

order_instruments = Table(
    "order_instruments",
    metadata,
    Column("order_id", String(36), primary_key=True),
    Column("instrument", String(19), nullable=False),
)


def _wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class OrderKeeping:
    """What the orders' store needs beside a transaction, one per process: the saga (each
    summary row keeps when its order is next due, `OrderSaga.schedule`), the clock that
    schedule is taken by (the saga runner's), and the process's cache of orders."""

    saga: OrderSaga
    clock: Callable[[], datetime] = _wall_clock
    cache: AggregateCache = field(default_factory=AggregateCache)


class SessionOrders:
    """Orders read and written inside a transaction that its owner commits (a unit of work's,
    a Kafka consumer's). A save appends at the version its order was loaded with, so a save
    that lost a race is the kit's ConcurrencyError, never a lost update; the summary row is
    written in the same transaction (lists and the sweep never lag the events)."""

    def __init__(self, events: EventStore, session: AsyncSession, keeping: OrderKeeping) -> None:
        self._session = session
        self._keeping = keeping
        self._repository = EventSourcedRepository(
            events, Order, _TRANSLATOR, producer=PRODUCER, cache=keeping.cache
        )

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
            **self._schedule(order),
        }
        if created:
            assert order.placed_at is not None
            values |= {
                "order_id": order.id,
                "buyer_id": order.buyer_id,
                "seller_id": order.seller_id,
                "shop_id": order.shop_id,
                "placed_at": order.placed_at.astimezone(UTC),
            }
            await self._session.execute(insert(order_summaries).values(values))
        else:
            await self._session.execute(
                update(order_summaries).where(order_summaries.c.order_id == order.id).values(values)
            )

    async def reschedule(self, order: Order) -> None:
        """Write when a saved order is next due, as of now (the sweep looked at it and it
        changed nothing); a row another transaction moved on meanwhile is left as it is."""
        await self._session.execute(
            update(order_summaries)
            .where(order_summaries.c.order_id == order.id)
            .where(order_summaries.c.version == order.version)
            .values(self._schedule(order))
        )

    def _schedule(self, order: Order) -> dict[str, Any]:
        schedule = self._keeping.saga.schedule(order, self._keeping.clock())
        return {
            "deadline": _utc(schedule.deadline),
            "wake_at": _utc(schedule.wake_at),
            "outstanding": schedule.outstanding,
        }

    async def due(self, by: datetime, limit: int) -> list[str]:
        """Ids of up to `limit` orders due by `by`, soonest first (an index range)."""
        rows = await self._session.execute(
            select(order_summaries.c.order_id)
            .where(order_summaries.c.wake_at <= by.astimezone(UTC))
            .order_by(order_summaries.c.wake_at)
            .limit(limit)
        )
        return [row.order_id for row in rows]

    async def steps(self, now: datetime) -> SagaSteps:
        """The commands unfinished orders still need answered, and the orders whose current
        step is past its deadline, counted from the summary rows' indexed columns."""
        in_flight = await self._session.scalar(
            select(func.coalesce(func.sum(order_summaries.c.outstanding), 0)).where(
                order_summaries.c.outstanding > 0
            )
        )
        overdue = await self._session.scalar(
            select(func.count()).where(order_summaries.c.deadline <= now.astimezone(UTC))
        )
        return SagaSteps(in_flight=int(in_flight or 0), overdue=int(overdue or 0))

    async def in_flight(self) -> int:
        """Orders the saga still needs another service to answer (an index range on
        `outstanding`; PlaceOrder's admission)."""
        count = await self._session.scalar(
            select(func.count()).where(order_summaries.c.outstanding > 0)
        )
        return int(count or 0)

    async def unfinished(self) -> list[str]:
        """Ids of the orders not yet in a final status, oldest first (tools and tests: the
        sweep reads `due`)."""
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


def orders_in(database: Database, keeping: OrderKeeping) -> Callable[[AsyncSession], SessionOrders]:
    """The orders inside a transaction someone else runs (a Kafka consumer's session)."""

    def orders(session: AsyncSession) -> SessionOrders:
        return SessionOrders(SqlEventStore(database, session=session), session, keeping)

    return orders


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


class SessionInstruments:
    """The buyers' instruments, by order, inside a transaction that its owner commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def keep(self, order_id: str, instrument: str) -> None:
        """Keep the order's instrument (the first one given: a retried placement changes
        nothing): one statement, no read first."""
        dialect = self._session.get_bind().dialect.name
        insert_into = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await self._session.execute(
            insert_into(order_instruments)
            .values(order_id=order_id, instrument=instrument)
            .on_conflict_do_nothing()
        )

    async def of(self, order_id: str) -> str | None:
        instrument = await self._session.scalar(
            select(order_instruments.c.instrument).where(order_instruments.c.order_id == order_id)
        )
        return None if instrument is None else str(instrument)
