"""The order saga as a pure process manager: facts in, commands out, state in the Order.

`OrderSaga.handle(order, fact)` records the fact on the order and answers the commands it newly
requires; `OrderSaga.outstanding(order)` answers every command the order's state still needs
(what a restart or a periodic sweep sends again). Commands carry idempotency keys derived from
the order id and the step alone, so sending one twice (after a crash, a timeout, a replayed
fact) has one effect at the other service.

    PLACED      ReserveStock
    CONFIRMED   CapturePayment
    PAID        CommitReservation, CreateShipment
    DELIVERED   ReleaseEscrow                    once receipt is confirmed (buyer or deadline)
    CANCELLING  ReleaseReservation               while a reservation may be held
                RefundPayment                    while a capture may have happened
    REFUNDING   RefundPayment
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from mercato_kit.money import Money
from mercato_orders.domain.order import Order, OrderStatus
from mercato_orders.domain.values import ShippingAddress, Timeouts

_REFUND_NAMESPACE = uuid.UUID("6f1c7a52-3f0e-4e8a-9a53-0d5f1b7c2e41")


def idempotency_key(order_id: str, step: str) -> str:
    """The key of one saga step of one order: the same on every retry, after any restart."""
    return f"orders:{order_id}:{step}"


def refund_id(order_id: str) -> str:
    """The order's refund id at payments (one refund per order)."""
    return str(uuid.uuid5(_REFUND_NAMESPACE, f"{order_id}:refund"))


# -- commands to other services (imperative) -------------------------------------------------


@dataclass(frozen=True)
class Command:
    idempotency_key: str
    order_id: str


@dataclass(frozen=True)
class ReserveStock(Command):
    lines: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class CommitReservation(Command):
    pass


@dataclass(frozen=True)
class ReleaseReservation(Command):
    pass


@dataclass(frozen=True)
class CapturePayment(Command):
    """Charge the order's total; the gateway adds the instrument, which the order never holds."""

    buyer_id: str
    seller_id: str
    shop_id: str
    shop_tier: str
    amount: Money


@dataclass(frozen=True)
class CreateShipment(Command):
    buyer_id: str
    seller_id: str
    destination: ShippingAddress
    weight_grams: int
    declared_value: Money


@dataclass(frozen=True)
class CancelShipment(Command):
    reason: str


@dataclass(frozen=True)
class ReleaseEscrow(Command):
    pass


@dataclass(frozen=True)
class RefundPayment(Command):
    refund_id: str
    reason: str


# -- facts the saga learns (past tense) -------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    order_id: str
    at: datetime


@dataclass(frozen=True)
class StockReserved(Fact):
    pass


@dataclass(frozen=True)
class ReservationRejected(Fact):
    reason: str


@dataclass(frozen=True)
class StockCommitted(Fact):
    pass


@dataclass(frozen=True)
class StockReleased(Fact):
    pass


@dataclass(frozen=True)
class PaymentCaptured(Fact):
    amount: Money


@dataclass(frozen=True)
class PaymentDeclined(Fact):
    reason: str


@dataclass(frozen=True)
class PaymentRefunded(Fact):
    amount: Money


@dataclass(frozen=True)
class EscrowReleased(Fact):
    pass


@dataclass(frozen=True)
class ShipmentCreated(Fact):
    shipment_id: str


@dataclass(frozen=True)
class ShipmentCancelled(Fact):
    pass


@dataclass(frozen=True)
class ShipmentDispatched(Fact):
    shipment_id: str


@dataclass(frozen=True)
class ShipmentDelivered(Fact):
    """`at` is when the carrier delivered; `told_at` when the order (and so the buyer) learnt it:
    the buyer's window to confirm or ask for a refund counts from then."""

    told_at: datetime


@dataclass(frozen=True)
class ShipmentLost(Fact):
    pass


@dataclass(frozen=True)
class BuyerConfirmed(Fact):
    pass


@dataclass(frozen=True)
class BuyerCancelled(Fact):
    reason: str


@dataclass(frozen=True)
class RefundRequested(Fact):
    reason: str


@dataclass(frozen=True)
class DeadlinePassed(Fact):
    """The periodic sweep's tick: `at` is now; overdue steps give up, due orders auto-confirm."""


@dataclass(frozen=True)
class Schedule:
    """When an order next needs the sweep, as of `now`: `deadline`, when its current step
    gives up (or it auto-confirms); `outstanding`, how many commands it still needs answered;
    `wake_at`, the earlier of the deadline and, with commands outstanding, `now` plus
    `Timeouts.resend` (None: the order waits for news alone, or is finished)."""

    deadline: datetime | None
    outstanding: int
    wake_at: datetime | None


class OrderSaga:
    """Decides, from an order's state alone, what the other services must be asked next."""

    def __init__(self, timeouts: Timeouts) -> None:
        self.timeouts = timeouts

    def handle(self, order: Order, fact: Fact) -> list[Command]:
        """Record `fact` on `order`; the commands it newly requires (none for a known fact)."""
        before = self.outstanding(order)
        version = order.version
        self._record(order, fact)
        if order.version == version:
            return []
        return [command for command in self.outstanding(order) if command not in before]

    def outstanding(self, order: Order) -> list[Command]:
        """Every command the order's state still needs answered, in the order to send them."""
        match order.status:
            case OrderStatus.PLACED:
                return [_reserve(order)]
            case OrderStatus.CONFIRMED:
                return [_capture(order)]
            case OrderStatus.PAID:
                commands: list[Command] = []
                if not order.stock_committed:
                    commands.append(CommitReservation(_key(order, "commit-stock"), order.id))
                if not order.shipment_id:
                    commands.append(_ship(order))
                return commands
            case OrderStatus.SHIPPED | OrderStatus.DELIVERED:
                commands = []
                if not order.stock_committed:
                    commands.append(CommitReservation(_key(order, "commit-stock"), order.id))
                if order.status is OrderStatus.DELIVERED and order.receipt_confirmed:
                    commands.append(ReleaseEscrow(_key(order, "release-escrow"), order.id))
                return commands
            case OrderStatus.CANCELLING:
                commands = []
                if order.stock_may_be_held:
                    commands.append(ReleaseReservation(_key(order, "release-stock"), order.id))
                if order.shipment_may_be_pending:
                    commands.append(
                        CancelShipment(_key(order, "cancel-shipment"), order.id, order.reason)
                    )
                if order.payment_may_be_held:
                    commands.append(_refund(order))
                return commands
            case OrderStatus.REFUNDING:
                return [_refund(order)]
            case _:
                return []

    def schedule(self, order: Order, now: datetime) -> Schedule:
        """When the sweep must next look at `order` (see Schedule)."""
        if order.status.is_final:
            return Schedule(None, 0, None)
        deadline = order.step_deadline(self.timeouts)
        outstanding = len(self.outstanding(order))
        wakes = [deadline] if deadline is not None else []
        if outstanding:
            wakes.append(now + self.timeouts.resend)
        return Schedule(deadline, outstanding, min(wakes) if wakes else None)

    def _record(self, order: Order, fact: Fact) -> None:
        at = fact.at
        match fact:
            case StockReserved():
                order.record_stock_reserved(at)
            case ReservationRejected(reason=reason):
                order.record_reservation_rejected(reason, at)
            case StockCommitted():
                order.record_stock_committed(at)
            case StockReleased():
                order.record_stock_released(at)
            case PaymentCaptured(amount=amount):
                order.record_payment_captured(amount, at)
            case PaymentDeclined(reason=reason):
                order.record_payment_declined(reason, at)
            case PaymentRefunded(amount=amount):
                order.record_refunded(amount, at)
            case EscrowReleased():
                order.record_escrow_released(at)
            case ShipmentCreated(shipment_id=shipment_id):
                order.record_shipment_created(shipment_id, at)
            case ShipmentCancelled():
                order.record_shipment_cancelled(at)
            case ShipmentDispatched(shipment_id=shipment_id):
                order.record_dispatched(shipment_id, at)
            case ShipmentDelivered(told_at=told_at):
                order.record_delivered(at, told_at, self.timeouts)
            case ShipmentLost():
                order.record_lost(at)
            case BuyerConfirmed():
                order.confirm_receipt(at)
            case BuyerCancelled(reason=reason):
                order.cancel(reason, at)
            case RefundRequested(reason=reason):
                order.request_refund(reason, at)
            case DeadlinePassed():
                order.time_out(at, self.timeouts)


def _key(order: Order, step: str) -> str:
    return idempotency_key(order.id, step)


def _reserve(order: Order) -> ReserveStock:
    lines = tuple((line.sku_id, line.quantity) for line in order.lines)
    return ReserveStock(_key(order, "reserve-stock"), order.id, lines)


def _capture(order: Order) -> CapturePayment:
    return CapturePayment(
        _key(order, "capture-payment"),
        order.id,
        buyer_id=order.buyer_id,
        seller_id=order.seller_id,
        shop_id=order.shop_id,
        shop_tier=order.shop_tier,
        amount=order.total,
    )


def _ship(order: Order) -> CreateShipment:
    return CreateShipment(
        _key(order, "create-shipment"),
        order.id,
        buyer_id=order.buyer_id,
        seller_id=order.seller_id,
        destination=order.shipping_address,
        weight_grams=sum(line.weight_grams * line.quantity for line in order.lines),
        declared_value=order.total,
    )


def _refund(order: Order) -> RefundPayment:
    return RefundPayment(_key(order, "refund"), order.id, refund_id(order.id), order.reason)
