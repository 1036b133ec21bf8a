"""Runs the order saga: records facts on orders (load, decide, save), then sends the commands.

The decisions are the domain's (mercato_orders.domain.saga.OrderSaga); this module only moves
facts in and commands out. State is saved before any command is sent, and every command is
derived from saved state with a key of its own, so a process killed at any point is finished
by `sweep()` after a restart: it sends each unfinished order's outstanding commands again.

Where the commands are sent is the runner's `spawn`: without one (tests, tools) they are sent
before the call returns; the service gives it a `Background`, so an RPC or a Kafka reaction
returns once its fact is saved and the other services are called from tasks of their own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mercato_kit.errors import ConcurrencyError
from mercato_orders.application.ports import (
    CatalogGateway,
    LogisticsGateway,
    OrderRepository,
    OrderStore,
    PaymentsGateway,
    StepUnanswered,
)
from mercato_orders.domain import Order
from mercato_orders.domain.saga import (
    CancelShipment,
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


@dataclass(frozen=True)
class SagaSteps:
    """`in_flight`: the commands unfinished orders still need answered (sent or about to be);
    `overdue`: the orders whose current step is past its deadline, not yet given up (the
    sweep gives it up, or auto-confirms, at its next pass: more than a few means it is not
    keeping up)."""

    in_flight: int
    overdue: int


class Background:
    """Sends commands from tasks of their own, each command once at a time: a command still in
    flight (the same idempotency key) is not sent again until it is answered or given up."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight: set[str] = set()

    def claim(self, command: Command) -> bool:
        if command.idempotency_key in self._in_flight:
            return False
        self._in_flight.add(command.idempotency_key)
        return True

    def done(self, command: Command) -> None:
        self._in_flight.discard(command.idempotency_key)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(_logged(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Wait until no command is being sent (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        """Stop sending; what was not answered is sent again by the next sweep."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)


async def _logged(work: Coroutine[Any, Any, None]) -> None:
    try:
        await work
    except asyncio.CancelledError:
        raise
    except Exception:
        # The fact or command is not lost: the saved state still needs it, and the sweep
        # sends it again.
        logger.exception("saga step failed; the sweep retries it")


class SagaRunner:
    def __init__(
        self,
        orders: OrderRepository,
        catalog: CatalogGateway,
        payments: PaymentsGateway,
        logistics: LogisticsGateway,
        saga: OrderSaga,
        clock: Callable[[], datetime],
        background: Background | None = None,
    ) -> None:
        self.orders = orders
        self.catalog = catalog
        self.payments = payments
        self.logistics = logistics
        self.saga = saga
        self.clock = clock
        self.background = background

    async def start(self, order: Order) -> None:
        """Save a newly placed order, then send its first command (tests and tools; the service
        places orders in the RPC's unit of work and then `kick`s the order)."""
        await self.orders.save(order)
        await self.send(self.saga.outstanding(order))

    async def react(self, fact: Fact) -> None:
        """Record a fact (a reply, an event, a buyer's action) in the runner's own store and act
        on it."""
        _, commands = await self._decide(fact)
        await self.send(commands)

    async def sweep(self) -> None:
        """Give up overdue steps, auto-confirm due orders, resend what is still outstanding."""
        now = self.clock()
        for order_id in await self.orders.unfinished():
            order, _ = await self._decide(DeadlinePassed(order_id, now))
            await self.send(self.saga.outstanding(order))

    async def steps(self) -> SagaSteps:
        """Where the unfinished orders stand now (read only; the service's metrics)."""
        now = self.clock()
        in_flight = overdue = 0
        for order_id in await self.orders.unfinished():
            order = await self.orders.get(order_id)
            in_flight += len(self.saga.outstanding(order))
            deadline = order.step_deadline(self.saga.timeouts)
            overdue += deadline is not None and now >= deadline
        return SagaSteps(in_flight=in_flight, overdue=overdue)

    async def record(self, fact: Fact, orders: OrderStore) -> list[Command]:
        """Load, decide, save in `orders`, a store inside someone else's transaction (a Kafka
        consumer's): the commands the fact newly requires, to send once that transaction has
        committed. A conflict fails that transaction, whose owner tries again."""
        order = await orders.get(fact.order_id)
        commands = self.saga.handle(order, fact)
        await orders.save(order)
        return commands

    async def _decide(self, fact: Fact) -> tuple[Order, list[Command]]:
        """Load, decide, save in the runner's own store; a save that lost a race to another
        fact loads and decides again."""
        for attempt in range(1, _ATTEMPTS + 1):
            order = await self.orders.get(fact.order_id)
            commands = self.saga.handle(order, fact)
            try:
                await self.orders.save(order)
            except ConcurrencyError:
                if attempt == _ATTEMPTS:
                    raise
                continue
            return order, commands
        raise AssertionError("unreachable")

    async def send(self, commands: list[Command]) -> None:
        """Send the commands and act on their answers: now, or from the background."""
        if self.background is None:
            await self._send(commands)
        else:
            self.dispatch(commands)

    def dispatch(self, commands: list[Command]) -> None:
        """Send the commands from the background (each not already in flight)."""
        assert self.background is not None, "dispatch needs a Background"
        for command in commands:
            if self.background.claim(command):
                self.background.spawn(self._send_claimed(command))

    async def kick(self, order_id: str) -> None:
        """Send whatever the order's saved state still needs (after a transaction that recorded
        a fact on it has committed)."""
        await self.send(self.saga.outstanding(await self.orders.get(order_id)))

    async def _send_claimed(self, command: Command) -> None:
        assert self.background is not None
        try:
            fact = await self._answer(command)
        finally:
            self.background.done(command)
        if fact is not None:
            await self.react(fact)

    async def _answer(self, command: Command) -> Fact | None:
        try:
            return await self._call(command)
        except StepUnanswered as unanswered:
            logger.warning(
                "saga step unanswered; the sweep sends it again",
                extra={"order_id": command.order_id, "step": command.idempotency_key},
                exc_info=unanswered,
            )
            return None

    async def _send(self, commands: list[Command]) -> None:
        queue = list(commands)
        while queue:
            fact = await self._answer(queue.pop(0))
            if fact is not None:
                _, commands = await self._decide(fact)
                queue.extend(commands)

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
            case CancelShipment():
                return await self.logistics.cancel_shipment(command)
        raise TypeError(f"no gateway for {type(command).__name__}")
