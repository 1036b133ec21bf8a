"""Runs the order saga: records facts on orders (load, decide, save), then sends the commands.

The decisions are the domain's (mercato_orders.domain.saga.OrderSaga); this module only moves
facts in and commands out. State is saved before any command is sent, and every command is
derived from saved state with a key of its own, so a process killed at any point is finished
by `sweep()` after a restart: it sends each unfinished order's outstanding commands again.

The sweep reads only the orders that are due (each order's summary row keeps when: its step's
deadline, or `Timeouts.resend` after its last change while it has commands outstanding), a
batch at a time; its first pass in a process also takes those due within `resend`, so what a
killed process left in flight is sent again at once. A fact is recorded in one transaction
(load, decide, save); one already recorded (each step's answer arrives twice: the reply and
the event) is a load from the cache and no write.

Where the commands are sent is the runner's `spawn`: without one (tests, tools) they are sent
before the call returns; the service gives it a `Background`, so an RPC or a Kafka reaction
returns once its fact is saved and the other services are called from tasks of their own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from mercato_kit.errors import ConcurrencyError
from mercato_orders.application.ports import (
    CatalogGateway,
    LogisticsGateway,
    OrderRepository,
    OrderStore,
    PaymentsGateway,
    SagaSteps,
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
SWEEP_BATCH = 500
"""Orders the sweep looks at per pass at most (the soonest due first; the rest wait a pass)."""


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
        self._swept = False

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
        """Give up overdue steps, auto-confirm due orders, resend what is still outstanding:
        of the orders due now (the first pass: due within `Timeouts.resend`, which takes in
        whatever a killed process left in flight)."""
        now = self.clock()
        by = now if self._swept else now + self.saga.timeouts.resend
        for order_id in await self.orders.due(by, SWEEP_BATCH):
            order, _ = await self._decide(DeadlinePassed(order_id, now), reschedule=True)
            await self.send(self.saga.outstanding(order))
        self._swept = True

    async def steps(self) -> SagaSteps:
        """Where the unfinished orders stand now (read only; the service's metrics)."""
        return await self.orders.steps(self.clock())

    async def record(self, fact: Fact, orders: OrderStore) -> list[Command]:
        """Load, decide, save in `orders`, a store inside someone else's transaction (a Kafka
        consumer's): the commands the fact newly requires, to send once that transaction has
        committed. A conflict fails that transaction, whose owner tries again."""
        order = await orders.get(fact.order_id)
        commands = self.saga.handle(order, fact)
        await orders.save(order)
        return commands

    async def _decide(self, fact: Fact, *, reschedule: bool = False) -> tuple[Order, list[Command]]:
        """Load, decide, save in one transaction of the runner's own store; a save that lost a
        race to another fact loads and decides again."""
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                return await self.orders.change(
                    fact.order_id,
                    lambda order: self.saga.handle(order, fact),
                    reschedule=reschedule,
                )
            except ConcurrencyError:
                if attempt == _ATTEMPTS:
                    raise
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

    async def proceed(self, order: Order) -> None:
        """Send whatever `order`, as just committed, still needs (no reload)."""
        await self.send(self.saga.outstanding(order))

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
