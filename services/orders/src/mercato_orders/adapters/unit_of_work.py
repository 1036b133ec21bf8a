"""The orders unit of work, and the saga runner's own stores built on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.storage import Database
from mercato_kit.store import SqlUnitOfWork
from mercato_orders.adapters.store import OrderKeeping, SessionInstruments, SessionOrders
from mercato_orders.application.ports import SagaSteps
from mercato_orders.domain import Order, OrderNotFound
from mercato_orders.domain.saga import Command


class SqlOrdersUnitOfWork(SqlUnitOfWork):
    """The kit's unit of work with the orders' repositories: `uow.orders` (events and summary
    rows) and `uow.instruments` (the buyers' payment instruments). `keeping` is the process's
    (OrderKeeping: the saga, its clock, the cache of orders)."""

    def __init__(self, database: Database, *, keeping: OrderKeeping, **options: Any) -> None:
        self._keeping = keeping
        super().__init__(database, **options)

    def _open_repositories(self, session: AsyncSession) -> None:
        self.orders = SessionOrders(self.events, session, self._keeping)
        self.instruments = SessionInstruments(session)


Units = Callable[..., SqlOrdersUnitOfWork]


class SqlOrders:
    """The saga runner's OrderRepository: each `get` and `save` a unit of work of its own."""

    def __init__(self, units: Units) -> None:
        self._units = units

    async def get(self, order_id: str) -> Order:
        async with self._units(read_only=True) as uow:
            return await uow.orders.get(order_id)

    async def save(self, order: Order) -> None:
        if not order.pending_events():
            return
        async with self._units() as uow:
            await uow.orders.save(order)
            await uow.commit()

    async def change(
        self,
        order_id: str,
        decide: Callable[[Order], list[Command]],
        *,
        reschedule: bool = False,
    ) -> tuple[Order, list[Command]]:
        async with self._units() as uow:
            order = await uow.orders.get(order_id)
            commands = decide(order)
            if order.pending_events():
                await uow.orders.save(order)
            elif reschedule:
                await uow.orders.reschedule(order)
            else:
                return order, commands
            await uow.commit()
        return order, commands

    async def due(self, by: datetime, limit: int) -> list[str]:
        async with self._units(read_only=True) as uow:
            return await uow.orders.due(by, limit)

    async def steps(self, now: datetime) -> SagaSteps:
        async with self._units(read_only=True) as uow:
            return await uow.orders.steps(now)

    async def in_flight(self) -> int:
        async with self._units(read_only=True) as uow:
            return await uow.orders.in_flight()

    async def unfinished(self) -> list[str]:
        """Ids of the orders not yet in a final status (tools and tests)."""
        async with self._units(read_only=True) as uow:
            return await uow.orders.unfinished()


class SqlInstruments:
    """The buyers' instruments, read by the payments gateway (each read a unit of work)."""

    def __init__(self, units: Units) -> None:
        self._units = units

    async def of(self, order_id: str) -> str:
        async with self._units(read_only=True) as uow:
            instrument = await uow.instruments.of(order_id)
        if instrument is None:
            raise OrderNotFound(order_id)
        return instrument
