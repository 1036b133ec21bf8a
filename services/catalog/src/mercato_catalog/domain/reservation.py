"""The Reservation aggregate: an order's stock, held for it all or none, until it is
committed, released, or expires. A committed reservation that is released (an order cancelled
before its parcel left) puts its stock back on sale: `Returned`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import AlreadyExists, FailedPrecondition, InvalidArgument


class ReservationStatus(Enum):
    HELD = "held"
    REJECTED = "rejected"
    COMMITTED = "committed"
    RELEASED = "released"
    EXPIRED = "expired"


class ShortageReason(Enum):
    INSUFFICIENT_STOCK = "insufficient_stock"
    NOT_ON_SALE = "not_on_sale"


class ReservationLapsed(FailedPrecondition):
    """The reservation expired, or was released or rejected: its stock is not held."""


class OrderReservedDifferently(AlreadyExists):
    """The order already has a reservation, for other lines."""


@dataclass(frozen=True)
class Requested:
    """A line as an order asks for it."""

    sku_id: str
    quantity: int


@dataclass(frozen=True)
class StockLevel:
    """What a SKU has, read (and locked) when a reservation is decided."""

    sku_id: str
    product_id: str
    available: int
    on_sale: bool


@dataclass(frozen=True)
class Line:
    sku_id: str
    product_id: str
    quantity: int


@dataclass(frozen=True)
class Shortage:
    sku_id: str
    requested: int
    available: int
    reason: ShortageReason


@dataclass(frozen=True)
class StockMovement:
    """A change to a SKU's counts: units into (+) or out of (-) `available` and `reserved`."""

    sku_id: str
    available: int
    reserved: int


class Reservation(Aggregate):
    """One order's reservation (one per order)."""

    aggregate_type = "catalog.reservation"

    @dataclass(frozen=True)
    class Reserved(DomainEvent):
        order_id: str
        lines: tuple[Line, ...]
        created_at: datetime
        expires_at: datetime

    @dataclass(frozen=True)
    class Rejected(DomainEvent):
        order_id: str
        lines: tuple[Line, ...]
        shortages: tuple[Shortage, ...]
        created_at: datetime

    @dataclass(frozen=True)
    class Committed(DomainEvent):
        order_id: str
        lines: tuple[Line, ...]

    @dataclass(frozen=True)
    class Released(DomainEvent):
        order_id: str
        lines: tuple[Line, ...]

    @dataclass(frozen=True)
    class Returned(DomainEvent):
        """A committed reservation's stock went back on sale (the order will not ship)."""

        order_id: str
        lines: tuple[Line, ...]

    @dataclass(frozen=True)
    class Expired(DomainEvent):
        order_id: str
        lines: tuple[Line, ...]

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.order_id = ""
        self.status = ReservationStatus.HELD
        self.lines: tuple[Line, ...] = ()
        self.shortages: tuple[Shortage, ...] = ()
        self.created_at = datetime.min
        self.expires_at = datetime.min

    @classmethod
    def place(
        cls,
        reservation_id: str,
        order_id: str,
        requested: Sequence[Requested],
        stock: Mapping[str, StockLevel],
        now: datetime,
        hold_for: timedelta,
    ) -> Reservation:
        """Hold every line, or none: REJECTED with the shortages when any line falls short.

        `stock` must hold the level of every requested SKU that exists, read under the lock
        that keeps it until this reservation is saved.
        """
        lines = _lines(requested, stock)
        shortages = tuple(
            shortage
            for line in lines
            if (shortage := _shortage(line, stock[line.sku_id])) is not None
        )
        reservation = cls(reservation_id)
        if shortages:
            reservation._trigger(Reservation.Rejected(order_id, lines, shortages, now))
        else:
            reservation._trigger(Reservation.Reserved(order_id, lines, now, now + hold_for))
        return reservation

    def require_same_lines(self, requested: Sequence[Requested]) -> None:
        """Asking again for the same order must ask for the same lines."""
        asked = Counter((line.sku_id, line.quantity) for line in requested)
        held = Counter((line.sku_id, line.quantity) for line in self.lines)
        if asked != held:
            raise OrderReservedDifferently(
                f"order {self.order_id} already has a reservation for other lines"
            )

    def commit(self, now: datetime) -> None:
        if self.status is ReservationStatus.COMMITTED:
            return
        if self.status is not ReservationStatus.HELD:
            raise ReservationLapsed(
                f"the reservation of order {self.order_id} is {self.status.value}"
            )
        if self.is_due(now):
            # The sweeper will expire it and give the stock back; it is no longer the order's.
            raise ReservationLapsed(
                f"the reservation of order {self.order_id} expired at {self.expires_at.isoformat()}"
            )
        self._trigger(Reservation.Committed(self.order_id, self.lines))

    def release(self) -> None:
        if self.status is ReservationStatus.COMMITTED:
            self._trigger(Reservation.Returned(self.order_id, self.lines))
        elif self.status is ReservationStatus.HELD:
            self._trigger(Reservation.Released(self.order_id, self.lines))

    def expire(self, now: datetime) -> None:
        if self.is_due(now):
            self._trigger(Reservation.Expired(self.order_id, self.lines))

    def is_due(self, now: datetime) -> bool:
        return self.status is ReservationStatus.HELD and now >= self.expires_at

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case Reservation.Reserved():
                self.order_id, self.lines = event.order_id, event.lines
                self.created_at, self.expires_at = event.created_at, event.expires_at
                self.status = ReservationStatus.HELD
            case Reservation.Rejected():
                self.order_id, self.lines = event.order_id, event.lines
                self.shortages, self.created_at = event.shortages, event.created_at
                self.expires_at = event.created_at
                self.status = ReservationStatus.REJECTED
            case Reservation.Committed():
                self.status = ReservationStatus.COMMITTED
            case Reservation.Released() | Reservation.Returned():
                self.status = ReservationStatus.RELEASED
            case Reservation.Expired():
                self.status = ReservationStatus.EXPIRED
            case _:
                raise TypeError(f"Reservation cannot apply {type(event).__name__}")

    @classmethod
    def restore(
        cls,
        reservation_id: str,
        *,
        version: int,
        order_id: str,
        status: ReservationStatus,
        lines: Sequence[Line],
        shortages: Sequence[Shortage],
        created_at: datetime,
        expires_at: datetime,
    ) -> Reservation:
        """The reservation as stored (state, not history: see the package docs)."""
        reservation = cls(reservation_id)
        reservation.version, reservation.order_id = version, order_id
        reservation.status, reservation.lines = status, tuple(lines)
        reservation.shortages = tuple(shortages)
        reservation.created_at, reservation.expires_at = created_at, expires_at
        return reservation


def stock_movements(event: DomainEvent) -> list[StockMovement]:
    """How an event of a reservation moves stock: what saving it must apply to the SKUs."""
    match event:
        case Reservation.Reserved(lines=lines):
            return [StockMovement(line.sku_id, -line.quantity, line.quantity) for line in lines]
        case Reservation.Committed(lines=lines):
            return [StockMovement(line.sku_id, 0, -line.quantity) for line in lines]
        case Reservation.Released(lines=lines) | Reservation.Expired(lines=lines):
            return [StockMovement(line.sku_id, line.quantity, -line.quantity) for line in lines]
        case Reservation.Returned(lines=lines):
            return [StockMovement(line.sku_id, line.quantity, 0) for line in lines]
    return []


def _lines(requested: Sequence[Requested], stock: Mapping[str, StockLevel]) -> tuple[Line, ...]:
    seen: dict[str, int] = {}
    lines = []
    for index, line in enumerate(requested):
        if line.sku_id in seen:
            raise InvalidArgument(
                f"lines[{index}].sku_id", f"duplicates lines[{seen[line.sku_id]}]"
            )
        seen[line.sku_id] = index
        if line.quantity <= 0:
            raise InvalidArgument(f"lines[{index}].quantity", "must be more than zero")
        level = stock.get(line.sku_id)
        if level is None:
            raise InvalidArgument(f"lines[{index}].sku_id", f"there is no SKU {line.sku_id}")
        lines.append(Line(line.sku_id, level.product_id, line.quantity))
    return tuple(lines)


def _shortage(line: Line, level: StockLevel) -> Shortage | None:
    if not level.on_sale:
        return Shortage(line.sku_id, line.quantity, 0, ShortageReason.NOT_ON_SALE)
    if level.available < line.quantity:
        return Shortage(
            line.sku_id, line.quantity, level.available, ShortageReason.INSUFFICIENT_STOCK
        )
    return None
