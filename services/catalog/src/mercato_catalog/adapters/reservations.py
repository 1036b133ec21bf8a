"""The reservation repository, and how stock is never oversold.

Stock lives in one row per SKU: `available` (can be reserved) and `reserved` (held by
reservations). Every change to those counts happens in a transaction that also writes the
reservation (or product) row and the events, so they cannot disagree.

The concurrency mechanism, on both backends:

1. **Row locks taken in one global order.** Reserving reads the SKUs of all the order's lines
   with `SELECT ... FOR UPDATE OF skus ... ORDER BY sku_id`, and holds the locks until commit.
   The domain then decides all or none on values no one else can change meanwhile. Every
   other writer of SKU rows (a seller's stock adjustment, commit, release, expiry) touches
   them in sku_id order too, so two transactions never wait on each other in a cycle: no
   deadlocks, whatever lines orders share.
2. **Guarded relative updates.** The counts are written as
   `available = available + :delta ... WHERE available + :delta >= 0` (and the same for
   `reserved`); a guard that does not hold aborts the transaction. With the locks above it
   always holds; it is there so that a bug cannot oversell silently.
3. **CHECK constraints** (`available >= 0`, `reserved >= 0`): the database itself refuses a
   negative count, the last line of defence.

On PostgreSQL (READ COMMITTED) 200 concurrent reservations of one SKU queue on its row lock
and each decides on the count the previous one committed. On SQLite the kit's `Database`
begins every transaction with `BEGIN IMMEDIATE`, which takes the database's single write lock:
transactions are serial, `FOR UPDATE` is not needed (SQLAlchemy omits it there) and the same
code is correct.

One reservation per order: the unit of work first takes a transaction-scoped advisory lock on
the order id (PostgreSQL `pg_advisory_xact_lock`; SQLite is serial already), then looks for
the order's reservation; a concurrent second request waits, then finds the first one's.
`uq_reservations_order_id` is the constraint behind it.

Expiry (`due`): `SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL, so several instances'
sweepers take disjoint batches, and a reservation being committed or released right now is
skipped rather than waited for (its status is decided under that lock either way); on SQLite
sweeps are serial and a swept reservation is no longer HELD for the next one.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Integer, cast, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_catalog.adapters.rows import Row, from_ms, to_json, to_ms, utc
from mercato_catalog.adapters.tables import products, reservations, shops, skus
from mercato_catalog.domain import (
    Line,
    ProductStatus,
    Reservation,
    ReservationStatus,
    ShopStatus,
    Shortage,
    ShortageReason,
    StockLevel,
    StockMovement,
    stock_movements,
)
from mercato_kit.context import MessageContext, bind_context, current_context
from mercato_kit.errors import ConcurrencyError
from mercato_kit.storage import AggregateOutbox

ORDER_LOCK_NAMESPACE = 0x63617401
"""First key of the two-key advisory locks on order ids ("cat" 1); the second hashes the id."""


class StockInvariantBroken(RuntimeError):
    """A stock movement would make a count negative: a bug, never a caller's error."""


class SqlReservations:
    def __init__(self, session: AsyncSession, outbox: AggregateOutbox, dialect: str) -> None:
        self._session = session
        self._outbox = outbox
        self._dialect = dialect
        self._origins: dict[str, str] = {}

    async def lock_order(self, order_id: str) -> None:
        if self._dialect != "postgresql":
            return
        await self._session.execute(
            select(
                func.pg_advisory_xact_lock(
                    cast(literal(ORDER_LOCK_NAMESPACE), Integer),
                    cast(literal(_hash32(order_id)), Integer),
                )
            )
        )

    async def for_order(self, order_id: str, *, for_update: bool = False) -> Reservation | None:
        query = select(reservations).where(reservations.c.order_id == order_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).mappings().first()
        return None if row is None else self._reservation_of(row)

    async def stock_levels(self, sku_ids: Collection[str]) -> dict[str, StockLevel]:
        query = (
            select(
                skus.c.sku_id,
                skus.c.product_id,
                skus.c.available,
                products.c.status.label("product_status"),
                shops.c.status.label("shop_status"),
            )
            .join(products, products.c.product_id == skus.c.product_id)
            .join(shops, shops.c.shop_id == products.c.shop_id)
            .where(skus.c.sku_id.in_(sorted(sku_ids)))
            .order_by(skus.c.sku_id)
            .with_for_update(of=skus)
        )
        rows = (await self._session.execute(query)).mappings().all()
        return {
            row["sku_id"]: StockLevel(
                sku_id=row["sku_id"],
                product_id=row["product_id"],
                available=row["available"],
                on_sale=row["product_status"] == ProductStatus.ACTIVE.value
                and row["shop_status"] == ShopStatus.OPEN.value,
            )
            for row in rows
        }

    async def held(self) -> int:
        """How many reservations hold stock now (the service's metrics)."""
        query = select(func.count()).where(reservations.c.status == ReservationStatus.HELD.value)
        return int(await self._session.scalar(query) or 0)

    async def due(self, now: datetime, limit: int) -> list[Reservation]:
        query = (
            select(reservations)
            .where(
                reservations.c.status == ReservationStatus.HELD.value,
                reservations.c.expires_at_ms <= to_ms(now),
            )
            .order_by(reservations.c.expires_at_ms, reservations.c.reservation_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = (await self._session.execute(query)).mappings().all()
        return [self._reservation_of(row) for row in rows]

    async def add(self, reservation: Reservation) -> None:
        correlation_id = current_context().correlation_id
        await self._session.execute(
            insert(reservations).values(
                reservation_id=reservation.id,
                order_id=reservation.order_id,
                status=reservation.status.value,
                lines=_lines_json(reservation.lines),
                shortages=_shortages_json(reservation.shortages),
                created_at=reservation.created_at,
                expires_at_ms=to_ms(reservation.expires_at),
                correlation_id=correlation_id,
                version=reservation.version,
            )
        )
        await self._move_stock(_movements_of([reservation]))
        await self._outbox.record(reservation)

    async def save(self, *changed: Reservation, in_origin_context: bool = False) -> None:
        changed = tuple(reservation for reservation in changed if reservation.pending_events())
        for reservation in changed:
            updated = await self._session.execute(
                update(reservations)
                .where(
                    reservations.c.reservation_id == reservation.id,
                    reservations.c.version == reservation.saved_version,
                )
                .values(status=reservation.status.value, version=reservation.version)
                .returning(reservations.c.reservation_id)
            )
            if updated.first() is None:
                raise ConcurrencyError(
                    Reservation.aggregate_type, reservation.id, reservation.saved_version
                )
        await self._move_stock(_movements_of(changed))
        for reservation in changed:
            origin = self._origins.get(reservation.id)
            if in_origin_context and origin:
                context = MessageContext(correlation_id=origin)
                with bind_context(context):
                    await self._outbox.record(reservation)
            else:
                await self._outbox.record(reservation)

    async def _move_stock(self, movements: Sequence[StockMovement]) -> None:
        """Apply the movements, summed per SKU, in sku_id order (the global lock order)."""
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for movement in movements:
            totals[movement.sku_id][0] += movement.available
            totals[movement.sku_id][1] += movement.reserved
        for sku_id, (available, reserved) in sorted(totals.items()):
            moved = await self._session.execute(
                update(skus)
                .where(
                    skus.c.sku_id == sku_id,
                    skus.c.available + available >= 0,
                    skus.c.reserved + reserved >= 0,
                )
                .values(available=skus.c.available + available, reserved=skus.c.reserved + reserved)
                .returning(skus.c.sku_id)
            )
            if moved.first() is None:
                raise StockInvariantBroken(
                    f"moving {available:+} available, {reserved:+} reserved of SKU {sku_id} "
                    "would make a count negative"
                )

    def _reservation_of(self, row: Row) -> Reservation:
        self._origins[row["reservation_id"]] = row["correlation_id"]
        return Reservation.restore(
            row["reservation_id"],
            version=row["version"],
            order_id=row["order_id"],
            status=ReservationStatus(row["status"]),
            lines=[
                Line(sku, product, quantity) for sku, product, quantity in json.loads(row["lines"])
            ],
            shortages=[
                Shortage(sku, requested, available, ShortageReason(reason))
                for sku, requested, available, reason in json.loads(row["shortages"])
            ],
            created_at=utc(row["created_at"]),
            expires_at=from_ms(row["expires_at_ms"]),
        )


def _movements_of(changed: Sequence[Reservation]) -> list[StockMovement]:
    return [
        movement
        for reservation in changed
        for event in reservation.pending_events()
        for movement in stock_movements(event)
    ]


def _lines_json(lines: Sequence[Line]) -> str:
    return to_json([[line.sku_id, line.product_id, line.quantity] for line in lines])


def _shortages_json(shortages: Sequence[Shortage]) -> str:
    return to_json([[s.sku_id, s.requested, s.available, s.reason.value] for s in shortages])


def _hash32(value: str) -> int:
    return int.from_bytes(hashlib.sha256(value.encode()).digest()[:4], "big", signed=True)
