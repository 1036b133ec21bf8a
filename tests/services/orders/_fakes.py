"""Fakes of the saga's ports: an event-keeping order store and the other services' gateways.

The gateways behave like the real services in what the saga relies on: one reservation, one
payment and one shipment per order whatever the key, one refund per refund id, and the same
answer to a repeated idempotency key. They count what really happened, so a test can say
"charged once" after any number of retries and restarts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from mercato_kit.domain import DomainEvent
from mercato_kit.errors import ConcurrencyError
from mercato_kit.money import Money
from mercato_orders.application.ports import SagaSteps, StepUnanswered
from mercato_orders.domain import CatalogItem, Order, OrderItem, OrderNotFound, Timeouts
from mercato_orders.domain.saga import (
    CancelShipment,
    CapturePayment,
    Command,
    CommitReservation,
    CreateShipment,
    EscrowReleased,
    Fact,
    OrderSaga,
    PaymentCaptured,
    PaymentDeclined,
    PaymentRefunded,
    RefundPayment,
    ReleaseEscrow,
    ReleaseReservation,
    ReservationRejected,
    ReserveStock,
    ShipmentCancelled,
    ShipmentCreated,
    StockCommitted,
    StockReleased,
    StockReserved,
)

APPROVED = "4242424242424242"
DECLINED = "4000000000000002"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Crash(BaseException):
    """Stands for SIGKILL: nothing in the process catches it, nothing after it runs."""


class FakeOrders:
    """Keeps only events, and rebuilds every order from them, as the real store does."""

    def __init__(self) -> None:
        self.events: dict[str, list[DomainEvent]] = {}

    async def get(self, order_id: str) -> Order:
        if order_id not in self.events:
            raise OrderNotFound(order_id)
        return Order.rehydrate(order_id, self.events[order_id])

    async def save(self, order: Order) -> None:
        stored = self.events.setdefault(order.id, [])
        if len(stored) != order.saved_version:
            raise ConcurrencyError(Order.aggregate_type, order.id, order.saved_version)
        stored.extend(order.pending_events())
        order.mark_saved()

    async def change(
        self,
        order_id: str,
        decide: Callable[[Order], list[Command]],
        *,
        reschedule: bool = False,
    ) -> tuple[Order, list[Command]]:
        order = await self.get(order_id)
        commands = decide(order)
        await self.save(order)
        return order, commands

    async def due(self, by: datetime, limit: int) -> list[str]:
        """The fake keeps no schedule: every unfinished order is due (the saga decides)."""
        return (await self.unfinished())[:limit]

    async def steps(self, now: datetime) -> SagaSteps:
        saga = OrderSaga(Timeouts())
        orders = [Order.rehydrate(i, self.events[i]) for i in await self.unfinished()]
        in_flight = sum(len(saga.outstanding(order)) for order in orders)
        deadlines = [order.step_deadline(saga.timeouts) for order in orders]
        overdue = sum(1 for deadline in deadlines if deadline is not None and now >= deadline)
        return SagaSteps(in_flight=in_flight, overdue=overdue)

    async def unfinished(self) -> list[str]:
        return [
            order_id
            for order_id in self.events
            if not Order.rehydrate(order_id, self.events[order_id]).status.is_final
        ]


@dataclass
class Faults:
    """Makes the next call of a step fail: before its effect (unanswered) or after (crash);
    or every call of a step, until it is taken out of `down` (its service is down)."""

    unanswered: set[str] = field(default_factory=set)
    crash_after: set[str] = field(default_factory=set)
    down: set[str] = field(default_factory=set)

    def before(self, step: str) -> None:
        if step in self.down:
            raise StepUnanswered(step)
        if step in self.unanswered:
            self.unanswered.discard(step)
            raise StepUnanswered(step)

    def after(self, step: str) -> None:
        if step in self.crash_after:
            self.crash_after.discard(step)
            raise Crash(step)


class FakeCatalog:
    def __init__(self, clock: Clock, stock: dict[str, int], faults: Faults) -> None:
        self.clock = clock
        self.stock = stock
        self.faults = faults
        self.reservations: dict[str, tuple[str, tuple[tuple[str, int], ...]]] = {}
        self.calls: list[str] = []

    def held(self) -> list[str]:
        return [order for order, (status, _) in self.reservations.items() if status == "held"]

    async def reserve(self, command: ReserveStock) -> Fact | None:
        self.calls.append(command.idempotency_key)
        self.faults.before("reserve")
        if command.order_id not in self.reservations:
            if all(self.stock.get(sku, 0) >= quantity for sku, quantity in command.lines):
                for sku, quantity in command.lines:
                    self.stock[sku] -= quantity
                self.reservations[command.order_id] = ("held", command.lines)
            else:
                self.reservations[command.order_id] = ("rejected", command.lines)
        self.faults.after("reserve")
        status, _ = self.reservations[command.order_id]
        if status == "rejected":
            return ReservationRejected(command.order_id, self.clock(), "not enough stock")
        return StockReserved(command.order_id, self.clock())

    async def commit(self, command: CommitReservation) -> Fact | None:
        self.calls.append(command.idempotency_key)
        self.faults.before("commit")
        status, lines = self.reservations[command.order_id]
        assert status in ("held", "committed"), f"commit of a {status} reservation"
        self.reservations[command.order_id] = ("committed", lines)
        self.faults.after("commit")
        return StockCommitted(command.order_id, self.clock())

    async def release(self, command: ReleaseReservation) -> Fact | None:
        self.calls.append(command.idempotency_key)
        self.faults.before("release")
        status, lines = self.reservations.get(command.order_id, ("none", ()))
        if status == "committed":
            # Cancelled before its parcel left: the sold units go back on sale.
            for sku, quantity in lines:
                self.stock[sku] += quantity
            self.reservations[command.order_id] = ("returned", lines)
        elif status == "held":
            for sku, quantity in lines:
                self.stock[sku] += quantity
            self.reservations[command.order_id] = ("released", lines)
        self.faults.after("release")
        return StockReleased(command.order_id, self.clock())


@dataclass
class Payment:
    amount: Money
    in_escrow: Money
    released: bool = False


class FakePayments:
    def __init__(self, clock: Clock, faults: Faults) -> None:
        self.clock = clock
        self.faults = faults
        self.instruments: dict[str, str] = {}
        self.payments: dict[str, Payment] = {}
        self.charges: list[tuple[str, Money]] = []
        self.refunds: dict[str, tuple[str, Money]] = {}
        self.calls: list[str] = []

    async def capture(self, command: CapturePayment) -> Fact | None:
        self.calls.append(command.idempotency_key)
        self.faults.before("capture")
        if self.instruments[command.order_id] == DECLINED:
            return PaymentDeclined(command.order_id, self.clock(), "card declined")
        if command.order_id not in self.payments:
            self.charges.append((command.order_id, command.amount))
            self.payments[command.order_id] = Payment(command.amount, command.amount)
        self.faults.after("capture")
        return PaymentCaptured(
            command.order_id, self.clock(), self.payments[command.order_id].amount
        )

    async def release_escrow(self, command: ReleaseEscrow) -> Fact | None:
        self.calls.append(command.idempotency_key)
        self.faults.before("release-escrow")
        self.payments[command.order_id].released = True
        self.faults.after("release-escrow")
        return EscrowReleased(command.order_id, self.clock())

    async def refund(self, command: RefundPayment) -> Fact | None:
        self.calls.append(command.idempotency_key)
        self.faults.before("refund")
        payment = self.payments.get(command.order_id)
        if command.refund_id not in self.refunds:
            amount = payment.in_escrow if payment else Money(minor_units=0, currency="CNY")
            if payment:
                assert not payment.released, "refund after the escrow was released"
                payment.in_escrow = Money.zero(amount.currency)
            self.refunds[command.refund_id] = (command.order_id, amount)
        self.faults.after("refund")
        return PaymentRefunded(command.order_id, self.clock(), self.refunds[command.refund_id][1])


class FakeLogistics:
    def __init__(self, clock: Clock, faults: Faults) -> None:
        self.clock = clock
        self.faults = faults
        self.shipments: dict[str, str] = {}
        self.cancelled: set[str] = set()
        self.calls: list[str] = []

    async def create_shipment(self, command: CreateShipment) -> Fact | None:
        self.calls.append(command.idempotency_key)
        self.faults.before("create-shipment")
        shipment_id = self.shipments.setdefault(command.order_id, f"s-{command.order_id}")
        self.faults.after("create-shipment")
        return ShipmentCreated(command.order_id, self.clock(), shipment_id)

    async def cancel_shipment(self, command: CancelShipment) -> Fact | None:
        self.calls.append(command.idempotency_key)
        self.faults.before("cancel-shipment")
        if command.order_id in self.shipments:
            self.cancelled.add(command.order_id)
        self.faults.after("cancel-shipment")
        return ShipmentCancelled(command.order_id, self.clock())


class FakePrices:
    """Catalog's view of SKUs; the only source of an order's prices."""

    def __init__(self, items: list[CatalogItem]) -> None:
        self.items = {item.sku_id: item for item in items}

    async def of(self, items: list[OrderItem]) -> dict[str, CatalogItem]:
        return {item.sku_id: self.items[item.sku_id] for item in items if item.sku_id in self.items}

    async def shop_seller(self, shop_id: str) -> str | None:
        sellers = {item.seller_id for item in self.items.values() if item.shop_id == shop_id}
        return sellers.pop() if sellers else None


class FakeInstruments:
    def __init__(self, payments: FakePayments) -> None:
        self.payments = payments

    async def keep(self, order_id: str, instrument: str) -> None:
        self.payments.instruments[order_id] = instrument


class FakeUnitOfWork:
    """The handlers' unit of work over the fakes: what a handler saves is kept at once (the
    fakes have no transaction to commit)."""

    def __init__(self, orders: FakeOrders, instruments: FakeInstruments) -> None:
        self.orders = orders
        self.instruments = instruments


class RacingOrders(FakeOrders):
    """Before the next save, another process records `rival` on the same order first."""

    def __init__(self) -> None:
        super().__init__()
        self.rival: Callable[[Order], None] | None = None

    async def save(self, order: Order) -> None:
        rival, self.rival = self.rival, None
        if rival is not None:
            other = await self.get(order.id)
            rival(other)
            await super().save(other)
        await super().save(order)
