"""The app store's listings in the platform's database (migration platform_0002); their events
through the outbox, in the same transaction. AppStoreUnitOfWork is the platform's unit of work
with `uow.listings` besides."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mercato_kit.errors import ConcurrencyError
from mercato_kit.money import Money
from mercato_kit.storage import AggregateOutbox
from mercato_platform.adapters.rows import utc
from mercato_platform.adapters.translator import app_store_event_payload
from mercato_platform.adapters.unit_of_work import PRODUCER, PlatformUnitOfWork
from mercato_platform.domain.app_store import (
    BillingPeriod,
    Listing,
    ListingQuery,
    ListingState,
    ListingStatus,
    Plan,
    restored,
)

metadata = MetaData()

app_listings = Table(
    "app_listings",
    metadata,
    Column("listing_id", String(64), primary_key=True),
    Column("vendor_app_id", String(64), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("category", String(64), nullable=False, index=True),
    Column("scopes", Text, nullable=False),
    Column("plans", Text, nullable=False),
    Column("status", String(32), nullable=False, index=True),
    Column("rejection_reason", Text, nullable=False),
    Column("install_count", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("reviewed_at", DateTime(timezone=True), nullable=True),
    Column("version", Integer, nullable=False),
)


class SqlListings:
    def __init__(self, session: AsyncSession, outbox: AggregateOutbox) -> None:
        self._session = session
        self._outbox = outbox

    async def get(self, listing_id: str) -> Listing | None:
        row = (
            await self._session.execute(
                select(app_listings).where(app_listings.c.listing_id == listing_id)
            )
        ).first()
        return None if row is None else _listing(row)

    async def of_vendor(self, vendor_app_id: str) -> list[Listing]:
        rows = await self._session.execute(
            select(app_listings)
            .where(app_listings.c.vendor_app_id == vendor_app_id)
            .order_by(app_listings.c.created_at.desc(), app_listings.c.listing_id)
        )
        return [_listing(row) for row in rows]

    async def approved(self, query: ListingQuery) -> list[Listing]:
        """Approved listings (of the query's category when it names one), newest first; the
        caller filters scope and price."""
        statement = select(app_listings).where(
            app_listings.c.status == ListingStatus.APPROVED.value
        )
        if query.category:
            statement = statement.where(app_listings.c.category == query.category)
        rows = await self._session.execute(
            statement.order_by(app_listings.c.created_at.desc(), app_listings.c.listing_id)
        )
        return [_listing(row) for row in rows]

    async def save(self, listing: Listing) -> None:
        if not listing.pending_events():
            return
        assert listing.created_at is not None
        values = {
            "vendor_app_id": listing.vendor_app_id,
            "name": listing.name,
            "description": listing.description,
            "category": listing.category,
            "scopes": json.dumps(list(listing.scopes)),
            "plans": json.dumps([_plan_json(plan) for plan in listing.plans]),
            "status": listing.status.value,
            "rejection_reason": listing.rejection_reason,
            "install_count": listing.install_count,
            "created_at": listing.created_at,
            "reviewed_at": listing.reviewed_at,
            "version": listing.version,
        }
        if listing.saved_version == 0:
            try:
                async with self._session.begin_nested():
                    await self._session.execute(
                        insert(app_listings).values(listing_id=listing.id, **values)
                    )
            except IntegrityError:
                raise ConcurrencyError(Listing.aggregate_type, listing.id, 0) from None
        else:
            changed = await self._session.execute(
                update(app_listings)
                .where(
                    app_listings.c.listing_id == listing.id,
                    app_listings.c.version == listing.saved_version,
                )
                .values(**values)
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                raise ConcurrencyError(Listing.aggregate_type, listing.id, listing.saved_version)
        await self._outbox.record(listing)


class AppStoreUnitOfWork(PlatformUnitOfWork):
    """The platform's unit of work with `uow.listings`."""

    listings: SqlListings

    def _open_repositories(self, session: AsyncSession) -> None:
        super()._open_repositories(session)
        outbox = AggregateOutbox(session, producer=PRODUCER, payload_of=app_store_event_payload)
        self.listings = SqlListings(session, outbox)


def _plan_json(plan: Plan) -> dict[str, Any]:
    return {
        "plan_id": plan.plan_id,
        "period": plan.period.value,
        "price": None
        if plan.price is None
        else {"minor_units": plan.price.minor_units, "currency": plan.price.currency},
        "trial_days": plan.trial_days,
        "scopes": list(plan.scopes),
    }


def _plan(data: dict[str, Any]) -> Plan:
    price = data["price"]
    return Plan(
        plan_id=data["plan_id"],
        period=BillingPeriod(data["period"]),
        price=None
        if price is None
        else Money(minor_units=int(price["minor_units"]), currency=price["currency"]),
        trial_days=int(data["trial_days"]),
        scopes=tuple(data["scopes"]),
    )


def _listing(row: Any) -> Listing:
    return restored(
        ListingState(
            listing_id=row.listing_id,
            vendor_app_id=row.vendor_app_id,
            name=row.name,
            description=row.description,
            category=row.category,
            scopes=tuple(json.loads(row.scopes)),
            plans=tuple(_plan(plan) for plan in json.loads(row.plans)),
            status=ListingStatus(row.status),
            rejection_reason=row.rejection_reason,
            install_count=int(row.install_count),
            created_at=utc(row.created_at),
            reviewed_at=utc(row.reviewed_at),
            version=int(row.version),
        )
    )
