"""Runs the order saga: records facts on orders (load, decide, save), then sends the commands.

The decisions are the domain's (mercato_orders.domain.saga.OrderSaga); this module only moves
facts in and commands out. State is saved before any command is sent, and every command is
derived from saved state with a key of its own, so a process killed at any point is finished
by `sweep()` after a restart: it sends each unfinished order's outstanding commands again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from mercato_kit.errors import ConcurrencyError
from mercato_orders.application.ports import (
    CatalogGateway,
    LogisticsGateway,
    OrderRepository,
    PaymentsGateway,
    StepUnanswered,
)
from mercato_orders.domain import Order
from mercato_orders.domain.saga import (
    CapturePayment,
    Command,
    CommitReservation,
    CreateShipment,
    DeadlinePassed,
    Fact,
    OrderSaga,
    RefundPayment,
    ReleaseEscrow,
    ReleaseReservation,
    ReserveStock,
)

logger = logging.getLogger(__name__)
_ATTEMPTS = 5


class SagaRunner:
    def __init__(
        self,
        orders: OrderRepository,
        catalog: CatalogGateway,
        payments: PaymentsGateway,
        logistics: LogisticsGateway,
        saga: OrderSaga,
        clock: Callable[[], datetime],
    ) -> None:
        self.orders = orders
        self.catalog = catalog
        self.payments = payments
        self.logistics = logistics
        self.saga = saga
        self.clock = clock

    async def start(self, order: Order) -> None:
        """Save a newly placed order, then send its first command."""
        await self.orders.save(order)
        await self._send(self.saga.outstanding(order))

    async def react(self, fact: Fact) -> None:
        """Record a fact (a reply, an event from Kafka, a buyer's action) and act on it."""
        await self._send(await self._record(fact))

    async def sweep(self) -> None:
        """Give up overdue steps, auto-confirm due orders, resend what is still outstanding."""
        now = self.clock()
        for order_id in await self.orders.unfinished():
            await self._record(DeadlinePassed(order_id, now))
            order = await self.orders.get(order_id)
            await self._send(self.saga.outstanding(order))

    async def _record(self, fact: Fact) -> list[Command]:
        """Load, decide, save; a save that lost a race to another fact loads and decides again."""
        for attempt in range(1, _ATTEMPTS + 1):
            order = await self.orders.get(fact.order_id)
            commands = self.saga.handle(order, fact)
            try:
                await self.orders.save(order)
            except ConcurrencyError:
                if attempt == _ATTEMPTS:
                    raise
                continue
            return commands
        raise AssertionError("unreachable")

    async def _send(self, commands: list[Command]) -> None:
        queue = list(commands)
        while queue:
            command = queue.pop(0)
            try:
                fact = await self._call(command)
            except StepUnanswered as unanswered:
                logger.warning(
                    "saga step unanswered; the sweep sends it again",
                    extra={"order_id": command.order_id, "step": command.idempotency_key},
                    exc_info=unanswered,
                )
                continue
            if fact is not None:
                queue.extend(await self._record(fact))

    async def _call(self, command: Command) -> Fact | None:
        match command:
            case ReserveStock():
                return await self.catalog.reserve(command)
            case CommitReservation():
                return await self.catalog.commit(command)
            case ReleaseReservation():
                return await self.catalog.release(command)
            case CapturePayment():
                return await self.payments.capture(command)
            case ReleaseEscrow():
                return await self.payments.release_escrow(command)
            case RefundPayment():
                return await self.payments.refund(command)
            case CreateShipment():
                return await self.logistics.create_shipment(command)
        raise TypeError(f"no gateway for {type(command).__name__}")
