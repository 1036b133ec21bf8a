"""The shipment summaries carriers list, written in the same transaction as the events.

Kept inline rather than by a consumer of the shipment topic: a carrier polls it to learn what
was handed to it, so it must show a shipment as soon as its creation commits, and it must
never show another database's shipments (a consumer of a shared topic with a fresh database
would read them all from offset 0).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.pages import position_token, token_position
from mercato_kit.storage import save_row
from mercato_logistics.domain import Shipment, ShipmentStatus

metadata = MetaData()

shipment_summaries = Table(
    "shipment_summaries",
    metadata,
    Column("seq", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("shipment_id", String(36), nullable=False, unique=True),
    Column("order_id", String(36), nullable=False, unique=True),
    Column("carrier_id", String(128), nullable=False),
    Column("status", String(16), nullable=False),
    Column("region", String(6), nullable=False),
    Column("weight_grams", BigInteger, nullable=False),
    Column("tracking_number", String(40), nullable=False),
    Column("transit_scans", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", BigInteger, nullable=False),
)


@dataclass(frozen=True)
class ShipmentSummary:
    shipment_id: str
    order_id: str
    status: ShipmentStatus
    region: str
    weight_grams: int
    tracking_number: str
    transit_scans: int
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class SummaryPage:
    summaries: list[ShipmentSummary]
    next_page_token: str


class SqlShipmentIndex:
    """The index inside a unit of work's session (so it commits with the events), and the
    pages carriers read from it."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, shipment: Shipment, *, created: bool) -> None:
        values = {
            "status": shipment.status.value,
            "tracking_number": shipment.tracking_number,
            "transit_scans": shipment.transit_scans,
            "updated_at": shipment.updated_at.astimezone(UTC),
            "version": shipment.version,
        }
        new = {
            "order_id": shipment.order_id,
            "carrier_id": shipment.carrier_id,
            "region": shipment.destination.region,
            "weight_grams": shipment.parcel.weight_grams,
            "created_at": shipment.created_at.astimezone(UTC),
        }
        await save_row(
            self._session,
            shipment_summaries,
            {"shipment_id": shipment.id},
            values,
            new=new if created else None,
        )

    async def carrier_shipments(
        self,
        carrier_id: str,
        statuses: Collection[ShipmentStatus],
        page_size: int,
        page_token: str,
    ) -> SummaryPage:
        """One page of a carrier's shipments, oldest first."""
        table = shipment_summaries
        query = (
            select(table)
            .where(
                table.c.carrier_id == carrier_id,
                table.c.seq > (token_position(page_token, "after", field="page_token") or 0),
            )
            .order_by(table.c.seq)
            .limit(page_size + 1)
        )
        if statuses:
            query = query.where(table.c.status.in_([status.value for status in statuses]))
        rows = (await self._session.execute(query)).all()
        page = rows[:page_size]
        next_token = position_token("after", page[-1].seq) if len(rows) > page_size else ""
        return SummaryPage(
            [
                ShipmentSummary(
                    shipment_id=row.shipment_id,
                    order_id=row.order_id,
                    status=ShipmentStatus(row.status),
                    region=row.region,
                    weight_grams=row.weight_grams,
                    tracking_number=row.tracking_number,
                    transit_scans=row.transit_scans,
                    created_at=_utc(row.created_at),
                    updated_at=_utc(row.updated_at),
                    version=row.version,
                )
                for row in page
            ],
            next_token,
        )


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
