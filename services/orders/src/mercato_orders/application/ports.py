"""What the handlers and the saga need from the world: the orders unit of work, the runner's
own store of orders, and the other services' gateways.

Each gateway call sends one saga command with its idempotency key and answers the fact the
other service's reply establishes, or None when the answer comes later as an event. A call
that cannot get an answer (the service is down, the deadline passed) raises StepUnanswered:
nothing is recorded and the sweep sends the same command again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from mercato_orders.domain import CatalogItem, Order, OrderItem
from mercato_orders.domain.saga import (
    CancelShipment,
    CapturePayment,
    Command,
    CommitReservation,
    CreateShipment,
    Fact,
    RefundPayment,
    ReleaseEscrow,
    ReleaseReservation,
    ReserveStock,
)


class StepUnanswered(Exception):
    """A gateway got no answer; the command is sent again by the next sweep."""


class OrderStore(Protocol):
    """Orders loaded and saved (inside a unit of work, or the runner's own)."""

    async def get(self, order_id: str) -> Order:
        """The order rebuilt from its events; OrderNotFound when there is none."""
        ...

    async def save(self, order: Order) -> None:
        """Append the order's pending events (new or existing order), then mark them saved."""
        ...


@dataclass(frozen=True)
class OrderPage:
    order_ids: list[str]
    next_page_token: str


class Orders(OrderStore, Protocol):
    """The orders inside a unit of work, which also lists them."""

    async def buyer_orders(self, buyer_id: str, page_size: int, page_token: str) -> OrderPage:
        """A page of the buyer's orders' ids, newest first."""
        ...

    async def shop_orders(
        self, shop_id: str, page_size: int, page_token: str, *, seller_id: str
    ) -> OrderPage:
        """A page of the shop's orders' ids, newest first; none unless `seller_id` sells there."""
        ...


class Instruments(Protocol):
    """Where the buyer's payment instrument is kept, apart from the order's published events."""

    async def keep(self, order_id: str, instrument: str) -> None: ...


class OrdersUnitOfWork(Protocol):
    """One transaction: load, decide, save (its owner commits)."""

    @property
    def orders(self) -> Orders: ...

    @property
    def instruments(self) -> Instruments: ...


@dataclass(frozen=True)
class SagaSteps:
    """`in_flight`: the commands unfinished orders still need answered (sent or about to be);
    `overdue`: the orders whose current step is past its deadline, not yet given up (the
    sweep gives it up, or auto-confirms, at its next pass: more than a few means it is not
    keeping up)."""

    in_flight: int
    overdue: int


class OrderRepository(OrderStore, Protocol):
    """The runner's own store (each call a transaction of its own), which also knows when
    each order is next due."""

    async def change(
        self,
        order_id: str,
        decide: Callable[[Order], list[Command]],
        *,
        reschedule: bool = False,
    ) -> tuple[Order, list[Command]]:
        """Load, decide, save in one transaction: the order as saved and what `decide`
        answered. ConcurrencyError when another save got there first (nothing is saved).
        `reschedule`: an order the decision left unchanged has when it is next due written
        again as of now (the sweep looked at it)."""
        ...

    async def due(self, by: datetime, limit: int) -> list[str]:
        """Ids of up to `limit` orders due by `by` (a step's deadline, or a command left
        unanswered), soonest first."""
        ...

    async def steps(self, now: datetime) -> SagaSteps:
        """Where the unfinished orders stand now (the service's metrics)."""
        ...


class Prices(Protocol):
    async def of(self, items: list[OrderItem]) -> dict[str, CatalogItem]:
        """What catalog says now of each SKU it sells, by SKU id (one it does not sell is left
        out: Order.place refuses it, naming the line)."""
        ...

    async def shop_seller(self, shop_id: str) -> str | None:
        """The seller of the shop as catalog knows it (None: catalog knows no such shop)."""
        ...


class CatalogGateway(Protocol):
    async def reserve(self, command: ReserveStock) -> Fact | None: ...

    async def commit(self, command: CommitReservation) -> Fact | None: ...

    async def release(self, command: ReleaseReservation) -> Fact | None: ...


class PaymentsGateway(Protocol):
    """`capture` charges the instrument the buyer gave at placement, which the adapter keeps
    apart from the order's events (they are published; a card number must not be)."""

    async def capture(self, command: CapturePayment) -> Fact | None: ...

    async def release_escrow(self, command: ReleaseEscrow) -> Fact | None: ...

    async def refund(self, command: RefundPayment) -> Fact | None: ...


class LogisticsGateway(Protocol):
    async def create_shipment(self, command: CreateShipment) -> Fact | None: ...

    async def cancel_shipment(self, command: CancelShipment) -> Fact | None: ...
