"""The wishlist summaries projection, kept by an idempotent consumer of the wishlist topic."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, MetaData, String, Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercato.example.v1 import wishlist_pb2 as pb
from mercato_kit.consumer import ConsumedRecord
from mercato_kit.events import EventEnvelope

metadata = MetaData()

wishlist_summaries = Table(
    "wishlist_summaries",
    metadata,
    Column("wishlist_id", String(36), primary_key=True),
    Column("owner_id", String(36), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("item_count", BigInteger, nullable=False),
)


async def project_wishlist_event(
    session: AsyncSession, envelope: EventEnvelope, record: ConsumedRecord
) -> None:
    """Apply one wishlist event to the summaries (the consumer applies each event once)."""
    del record
    if envelope.event_type == pb.WishlistCreated.DESCRIPTOR.full_name:
        created = envelope.unpack(pb.WishlistCreated)
        await session.execute(
            insert(wishlist_summaries).values(
                wishlist_id=envelope.aggregate_id,
                owner_id=created.owner_id,
                name=created.name,
                item_count=0,
            )
        )
    elif envelope.event_type == pb.ItemAdded.DESCRIPTOR.full_name:
        added = envelope.unpack(pb.ItemAdded)
        await session.execute(
            update(wishlist_summaries)
            .where(wishlist_summaries.c.wishlist_id == envelope.aggregate_id)
            .values(item_count=wishlist_summaries.c.item_count + added.quantity)
        )
    # Any other event type is a newer producer's: ignore it.


async def summaries_of(session: AsyncSession, owner_id: str) -> list[pb.WishlistSummary]:
    rows = await session.execute(
        select(wishlist_summaries)
        .where(wishlist_summaries.c.owner_id == owner_id)
        .order_by(wishlist_summaries.c.name, wishlist_summaries.c.wishlist_id)
    )
    return [
        pb.WishlistSummary(wishlist_id=row.wishlist_id, name=row.name, item_count=row.item_count)
        for row in rows
    ]
