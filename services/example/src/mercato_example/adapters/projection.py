"""The wishlist summaries projection: its table, kept from the wishlist's events (the consumer
hands it each event once, decoded), and read by ListWishlists."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, MetaData, String, Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_example.domain import Wishlist, WishlistSummary
from mercato_kit.domain import DomainEvent

metadata = MetaData()

wishlist_summaries = Table(
    "wishlist_summaries",
    metadata,
    Column("wishlist_id", String(36), primary_key=True),
    Column("owner_id", String(36), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("item_count", BigInteger, nullable=False),
)


class WishlistSummaries:
    """The summaries in the transaction of `session`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def apply(self, wishlist_id: str, event: DomainEvent) -> None:
        """Apply one of the wishlist's events to its summary."""
        match event:
            case Wishlist.Created(owner_id=owner_id, name=name):
                await self._session.execute(
                    insert(wishlist_summaries).values(
                        wishlist_id=wishlist_id, owner_id=owner_id, name=name, item_count=0
                    )
                )
            case Wishlist.ItemAdded(quantity=quantity):
                await self._session.execute(
                    update(wishlist_summaries)
                    .where(wishlist_summaries.c.wishlist_id == wishlist_id)
                    .values(item_count=wishlist_summaries.c.item_count + quantity)
                )

    async def of_owner(self, owner_id: str) -> list[WishlistSummary]:
        rows = await self._session.execute(
            select(wishlist_summaries)
            .where(wishlist_summaries.c.owner_id == owner_id)
            .order_by(wishlist_summaries.c.name, wishlist_summaries.c.wishlist_id)
        )
        return [WishlistSummary(row.wishlist_id, row.name, row.item_count) for row in rows]
