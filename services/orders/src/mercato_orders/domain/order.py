"""The Order aggregate: a buyer's order of one shop's SKUs, and the state of its saga.

    PLACED ──stock reserved──> CONFIRMED ──payment captured──> PAID ──dispatched──> SHIPPED
       │                           │                          │                    │
       │ rejected                  │ declined, cancel,        │ cancel, timeout    │ lost, timeout
       v                           v timeout                  v                    v
    CANCELLED <──compensated── CANCELLING <───────────────────┘                REFUNDING
                                                                                   │ refunded
    SHIPPED ──delivered──> DELIVERED ──receipt confirmed (buyer or deadline)──>    v
                 escrow released ──> COMPLETED                                  REFUNDED

The aggregate is the saga's durable state: every fact the saga learns is an event here, and
what the saga must do next is a function of this state alone (mercato_orders.domain.saga). A
fact that was already recorded changes nothing, so a replayed fact decides nothing new. An
action the status does not allow (a buyer's cancel after dispatch) is IllegalTransition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.money import Money
from mercato_orders.domain.errors import (
    IllegalTransition,
    InvalidOrder,
    MixedCurrencies,
    MixedShops,
    NotOnSale,
)
from mercato_orders.domain.values import CatalogItem, OrderLine, ShippingAddress, Timeouts


class OrderStatus(StrEnum):
    PLACED = "placed"
    CONFIRMED = "confirmed"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    REFUNDING = "refunding"
    REFUNDED = "refunded"

    @property
    def is_final(self) -> bool:
        return self in _FINAL


_FINAL = frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.REFUNDED})
_BEFORE_DISPATCH = frozenset({OrderStatus.PLACED, OrderStatus.CONFIRMED, OrderStatus.PAID})


@dataclass(frozen=True)
class Parties:
    """Who an order is between; every order event carries it, so no consumer needs a lookup."""

    order_id: str
    buyer_id: str
    seller_id: str
    shop_id: str


@dataclass(frozen=True)
class OrderItem:
    """What the buyer asks for: a SKU (of a product) and a quantity, never a price."""

    sku_id: str
    quantity: int
    product_id: str = ""


class Order(Aggregate):
    """A buyer's order, from placement to completion, cancellation or refund."""

    aggregate_type = "orders.order"

    @dataclass(frozen=True)
    class Placed(DomainEvent):
        parties: Parties
        shop_tier: str
        lines: tuple[OrderLine, ...]
        total: Money
        shipping_address: ShippingAddress
        attribution_token: str
        at: datetime

    @dataclass(frozen=True)
    class StockReserved(DomainEvent):
        parties: Parties
        at: datetime

    @dataclass(frozen=True)
    class PaymentCaptured(DomainEvent):
        parties: Parties
        amount: Money
        at: datetime

    @dataclass(frozen=True)
    class PaymentDeclined(DomainEvent):
        parties: Parties
        reason: str
        at: datetime

    @dataclass(frozen=True)
    class StockCommitted(DomainEvent):
        parties: Parties
        at: datetime

    @dataclass(frozen=True)
    class ShipmentCreated(DomainEvent):
        parties: Parties
        shipment_id: str
        at: datetime

    @dataclass(frozen=True)
    class ShipmentCancelled(DomainEvent):
        parties: Parties
        shipment_id: str
        at: datetime

    @dataclass(frozen=True)
    class Shipped(DomainEvent):
        parties: Parties
        shipment_id: str
        at: datetime

    @dataclass(frozen=True)
    class Delivered(DomainEvent):
        parties: Parties
        at: datetime
        auto_confirm_at: datetime

    @dataclass(frozen=True)
    class ReceiptConfirmed(DomainEvent):
        parties: Parties
        by_buyer: bool
        at: datetime

    @dataclass(frozen=True)
    class Completed(DomainEvent):
        parties: Parties
        amount: Money
        by_buyer: bool
        at: datetime

    @dataclass(frozen=True)
    class CancellationStarted(DomainEvent):
        parties: Parties
        reason: str
        at: datetime

    @dataclass(frozen=True)
    class StockReleased(DomainEvent):
        parties: Parties
        at: datetime

    @dataclass(frozen=True)
    class PaymentRefunded(DomainEvent):
        parties: Parties
        amount: Money
        at: datetime

    @dataclass(frozen=True)
    class Cancelled(DomainEvent):
        parties: Parties
        reason: str
        refunded: Money
        at: datetime

    @dataclass(frozen=True)
    class RefundStarted(DomainEvent):
        parties: Parties
        reason: str
        at: datetime

    @dataclass(frozen=True)
    class Refunded(DomainEvent):
        parties: Parties
        amount: Money
        reason: str
        at: datetime

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.status = OrderStatus.PLACED
        self.buyer_id = ""
        self.seller_id = ""
        self.shop_id = ""
        self.shop_tier = ""
        self.lines: tuple[OrderLine, ...] = ()
        self.total = Money.zero("")
        self.shipping_address = ShippingAddress("", "", "", "", "")
        self.attribution_token = ""
        self.placed_at: datetime | None = None
        self.step_started_at: datetime | None = None
        self.reason = ""
        self.stock_reserved = False
        self.stock_committed = False
        self.stock_released = False
        self.capture_requested = False
        self.captured = Money.zero("")
        self.refund_done = False
        self.refunded = Money.zero("")
        self.shipment_id = ""
        self.shipment_cancelled = False
        self.auto_confirm_at: datetime | None = None
        self.receipt_confirmed = False
        self.confirmed_by_buyer = False
        self.timeline: list[DomainEvent] = []

    # -- placement ---------------------------------------------------------------------------

    @classmethod
    def place(
        cls,
        order_id: str,
        *,
        buyer_id: str,
        items: list[OrderItem],
        catalog: dict[str, CatalogItem],
        shipping_address: ShippingAddress,
        attribution_token: str,
        at: datetime,
    ) -> Order:
        """An order at catalog's prices; `catalog` maps each asked SKU to what catalog says."""
        if not items:
            raise InvalidOrder("lines", "an order needs at least one line")
        seen: set[str] = set()
        for index, item in enumerate(items):
            if item.sku_id in seen:
                raise InvalidOrder(f"lines[{index}].sku_id", f"SKU {item.sku_id} is listed twice")
            if item.quantity <= 0:
                raise InvalidOrder(f"lines[{index}].quantity", "must be greater than 0")
            if item.sku_id not in catalog:
                raise NotOnSale(f"lines[{index}].sku_id", item.sku_id)
            seen.add(item.sku_id)
        known = [catalog[item.sku_id] for item in items]
        shops = sorted({entry.shop_id for entry in known})
        if len(shops) != 1:
            raise MixedShops(shops)
        currencies = sorted({entry.unit_price.currency for entry in known})
        if len(currencies) != 1:
            raise MixedCurrencies(currencies)
        lines = tuple(
            OrderLine(
                sku_id=item.sku_id,
                product_id=entry.product_id,
                title=entry.title,
                quantity=item.quantity,
                unit_price=entry.unit_price,
                weight_grams=entry.weight_grams,
            )
            for item, entry in zip(items, known, strict=True)
        )
        order = cls(order_id)
        order._trigger(
            Order.Placed(
                parties=Parties(order_id, buyer_id, known[0].seller_id, known[0].shop_id),
                shop_tier=known[0].shop_tier,
                lines=lines,
                total=Money.total(line.line_total for line in lines),
                shipping_address=shipping_address,
                attribution_token=attribution_token,
                at=at,
            )
        )
        return order

    # -- facts the saga learns (a fact already recorded changes nothing) --------------------

    def record_stock_reserved(self, at: datetime) -> None:
        if self.stock_reserved or self.stock_released:
            return
        if self.status is OrderStatus.PLACED:
            self._trigger(Order.StockReserved(self._parties(), at))
        elif self.status is OrderStatus.CANCELLING:
            # A reservation answered after the cancel: recorded, so the saga releases it.
            self._trigger(Order.StockReserved(self._parties(), at))

    def record_reservation_rejected(self, reason: str, at: datetime) -> None:
        if self.status is OrderStatus.PLACED:
            self._trigger(
                Order.Cancelled(self._parties(), f"out of stock: {reason}", self._zero(), at)
            )
        elif self.status is OrderStatus.CANCELLING and not self.stock_released:
            self._trigger(Order.StockReleased(self._parties(), at))
            self._finish_cancellation_if_compensated(at)

    def record_payment_captured(self, amount: Money, at: datetime) -> None:
        if self.captured.minor_units:
            return
        if self.status is OrderStatus.CONFIRMED:
            self._trigger(Order.PaymentCaptured(self._parties(), amount, at))
        elif self.status is OrderStatus.CANCELLING and not self.refund_done:
            # A capture answered after the cancel: recorded, so the saga refunds it.
            self._trigger(Order.PaymentCaptured(self._parties(), amount, at))

    def record_payment_declined(self, reason: str, at: datetime) -> None:
        if self.status is OrderStatus.CONFIRMED:
            self._trigger(Order.PaymentDeclined(self._parties(), reason, at))
            self._start_cancellation(f"payment declined: {reason}", at)

    def record_stock_committed(self, at: datetime) -> None:
        if self.stock_reserved and not self.stock_committed and not self.stock_released:
            self._trigger(Order.StockCommitted(self._parties(), at))
            self._finish_cancellation_if_compensated(at)

    def record_shipment_created(self, shipment_id: str, at: datetime) -> None:
        if self.status is OrderStatus.PAID and not self.shipment_id:
            self._trigger(Order.ShipmentCreated(self._parties(), shipment_id, at))
        elif self.status is OrderStatus.CANCELLING and shipment_id != self.shipment_id:
            # Created while the order was being cancelled: it must be cancelled too.
            self._trigger(Order.ShipmentCreated(self._parties(), shipment_id, at))

    def record_shipment_cancelled(self, at: datetime) -> None:
        if self.status is OrderStatus.CANCELLING and self.shipment_may_be_pending:
            self._trigger(Order.ShipmentCancelled(self._parties(), self.shipment_id, at))
            self._finish_cancellation_if_compensated(at)

    def record_dispatched(self, shipment_id: str, at: datetime) -> None:
        if self.status is OrderStatus.PAID:
            self._trigger(Order.Shipped(self._parties(), shipment_id, at))

    def record_delivered(self, at: datetime, told_at: datetime, timeouts: Timeouts) -> None:
        """Delivered at `at`; the buyer's window to confirm or ask for a refund counts from
        `told_at`, when the order learnt it (an outage of orders must not eat into it)."""
        if self.status is OrderStatus.SHIPPED:
            auto_confirm_at = max(at, told_at) + timeouts.auto_confirm
            self._trigger(Order.Delivered(self._parties(), at, auto_confirm_at))

    def record_lost(self, at: datetime) -> None:
        if self.status is OrderStatus.SHIPPED:
            self._trigger(Order.RefundStarted(self._parties(), "parcel lost", at))

    def record_escrow_released(self, at: datetime) -> None:
        if self.status is OrderStatus.DELIVERED and self.receipt_confirmed:
            self._trigger(
                Order.Completed(self._parties(), self.captured, self.confirmed_by_buyer, at)
            )

    def record_refunded(self, amount: Money, at: datetime) -> None:
        if self.refund_done:
            return
        if not amount.minor_units:
            amount = self._zero()
        if self.status is OrderStatus.REFUNDING:
            self._trigger(Order.PaymentRefunded(self._parties(), amount, at))
            self._trigger(Order.Refunded(self._parties(), amount, self.reason, at))
        elif self.status is OrderStatus.CANCELLING:
            self._trigger(Order.PaymentRefunded(self._parties(), amount, at))
            self._finish_cancellation_if_compensated(at)

    def record_stock_released(self, at: datetime) -> None:
        if self.status is OrderStatus.CANCELLING and not self.stock_released:
            self._trigger(Order.StockReleased(self._parties(), at))
            self._finish_cancellation_if_compensated(at)

    def time_out(self, now: datetime, timeouts: Timeouts) -> None:
        """Give up on a step whose answer is overdue; past the auto-confirm deadline, confirm."""
        if self.status is OrderStatus.DELIVERED:
            if not self.receipt_confirmed and self.auto_confirm_at and now >= self.auto_confirm_at:
                self._trigger(Order.ReceiptConfirmed(self._parties(), by_buyer=False, at=now))
            return
        deadline = self.step_deadline(timeouts)
        if deadline is None or now < deadline:
            return
        if self.status in _BEFORE_DISPATCH:
            self._start_cancellation(f"timed out waiting to be {_AWAITED[self.status]}", now)
        elif self.status is OrderStatus.SHIPPED:
            self._trigger(Order.RefundStarted(self._parties(), "not delivered in time", now))

    def step_deadline(self, timeouts: Timeouts) -> datetime | None:
        """When the current step gives up; None for steps that never give up (compensations)."""
        if self.step_started_at is None:
            return None
        limit = {
            OrderStatus.PLACED: timeouts.reserve_stock,
            OrderStatus.CONFIRMED: timeouts.capture_payment,
            OrderStatus.PAID: timeouts.dispatch,
            OrderStatus.SHIPPED: timeouts.delivery,
        }.get(self.status)
        if self.status is OrderStatus.DELIVERED:
            return None if self.receipt_confirmed else self.auto_confirm_at
        return None if limit is None else self.step_started_at + limit

    def is_visible_to(self, account_id: str) -> bool:
        """Only the order's buyer and seller may see it."""
        return account_id in (self.buyer_id, self.seller_id)

    # -- the buyer's actions -----------------------------------------------------------------

    def confirm_receipt(self, at: datetime) -> None:
        if self.status is OrderStatus.DELIVERED:
            if not self.receipt_confirmed:
                self._trigger(Order.ReceiptConfirmed(self._parties(), by_buyer=True, at=at))
            return
        if self.status is OrderStatus.COMPLETED:
            return
        raise IllegalTransition(self.id, self.status, "confirmed as received")

    def cancel(self, reason: str, at: datetime) -> None:
        if self.status in (OrderStatus.CANCELLING, OrderStatus.CANCELLED):
            return
        if self.status not in _BEFORE_DISPATCH:
            raise IllegalTransition(self.id, self.status, "cancelled after dispatch")
        self._start_cancellation(f"cancelled by the buyer: {reason}".rstrip(": "), at)

    def request_refund(self, reason: str, at: datetime) -> None:
        if self.status in (OrderStatus.REFUNDING, OrderStatus.REFUNDED):
            return
        if self.status is not OrderStatus.DELIVERED or self.receipt_confirmed:
            raise IllegalTransition(
                self.id, self.status, "refunded before delivery or after receipt"
            )
        self._trigger(Order.RefundStarted(self._parties(), f"requested by the buyer: {reason}", at))

    # -- what the saga still owes (read by mercato_orders.domain.saga) -----------------------

    @property
    def stock_may_be_held(self) -> bool:
        """Stock may still be taken for the order: reserved, or committed to it before its
        parcel left (cancelling gives both back)."""
        return not self.stock_released

    @property
    def shipment_may_be_pending(self) -> bool:
        """A shipment may have been created for the paid order and not yet cancelled."""
        return (
            bool(self.shipment_id) or self.captured.minor_units > 0
        ) and not self.shipment_cancelled

    @property
    def payment_may_be_held(self) -> bool:
        """A capture was asked for (or happened) and nothing was refunded yet."""
        return (self.capture_requested or self.captured.minor_units > 0) and not self.refund_done

    # -- internals ---------------------------------------------------------------------------

    def _parties(self) -> Parties:
        return Parties(self.id, self.buyer_id, self.seller_id, self.shop_id)

    def _zero(self) -> Money:
        return Money.zero(self.total.currency)

    def _start_cancellation(self, reason: str, at: datetime) -> None:
        self._trigger(Order.CancellationStarted(self._parties(), reason, at))
        self._finish_cancellation_if_compensated(at)

    def _finish_cancellation_if_compensated(self, at: datetime) -> None:
        if self.status is not OrderStatus.CANCELLING:
            return
        if self.stock_may_be_held or self.payment_may_be_held or self.shipment_may_be_pending:
            return
        self._trigger(Order.Cancelled(self._parties(), self.reason, self.refunded, at))

    def _apply(self, event: DomainEvent) -> None:
        self.timeline.append(event)
        match event:
            case Order.Placed():
                self.buyer_id = event.parties.buyer_id
                self.seller_id = event.parties.seller_id
                self.shop_id = event.parties.shop_id
                self.shop_tier = event.shop_tier
                self.lines = event.lines
                self.total = event.total
                self.captured = Money.zero(event.total.currency)
                self.refunded = Money.zero(event.total.currency)
                self.shipping_address = event.shipping_address
                self.attribution_token = event.attribution_token
                self.placed_at = event.at
                self._enter(OrderStatus.PLACED, event.at)
            case Order.StockReserved():
                self.stock_reserved = True
                if self.status is OrderStatus.PLACED:
                    self.capture_requested = True
                    self._enter(OrderStatus.CONFIRMED, event.at)
            case Order.PaymentCaptured():
                self.captured = event.amount
                if self.status is OrderStatus.CONFIRMED:
                    self._enter(OrderStatus.PAID, event.at)
            case Order.PaymentDeclined():
                self.capture_requested = False
            case Order.StockCommitted():
                self.stock_committed = True
            case Order.ShipmentCreated():
                self.shipment_id = event.shipment_id
                self.shipment_cancelled = False
            case Order.ShipmentCancelled():
                self.shipment_cancelled = True
            case Order.Shipped():
                self.shipment_id = event.shipment_id
                self._enter(OrderStatus.SHIPPED, event.at)
            case Order.Delivered():
                self.auto_confirm_at = event.auto_confirm_at
                self._enter(OrderStatus.DELIVERED, event.at)
            case Order.ReceiptConfirmed():
                self.receipt_confirmed = True
                self.confirmed_by_buyer = event.by_buyer
            case Order.Completed():
                self._enter(OrderStatus.COMPLETED, event.at)
            case Order.CancellationStarted():
                self.reason = event.reason
                self._enter(OrderStatus.CANCELLING, event.at)
            case Order.StockReleased():
                self.stock_released = True
            case Order.PaymentRefunded():
                self.refund_done = True
                self.refunded = event.amount
            case Order.Cancelled():
                # Cancelled once nothing is held any more (or nothing ever was).
                self.reason = event.reason
                self.stock_released = True
                self._enter(OrderStatus.CANCELLED, event.at)
            case Order.RefundStarted():
                self.reason = event.reason
                self._enter(OrderStatus.REFUNDING, event.at)
            case Order.Refunded():
                self._enter(OrderStatus.REFUNDED, event.at)

    def _enter(self, status: OrderStatus, at: datetime) -> None:
        self.status = status
        self.step_started_at = at


_AWAITED = {
    OrderStatus.PLACED: "reserved",
    OrderStatus.CONFIRMED: "paid",
    OrderStatus.PAID: "dispatched",
}
