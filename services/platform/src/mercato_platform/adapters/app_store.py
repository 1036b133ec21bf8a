"""The app store's listings and subscriptions in the platform's database (migrations
platform_0002-0004); their events through the outbox, in the same transaction.
AppStoreUnitOfWork is the platform's unit of work with `uow.listings` and
`uow.app_subscriptions` besides."""

from __future__ import annotations

import json
from datetime import UTC, datetime
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
    func,
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
from mercato_platform.application.app_subscriptions import Churn, Revenue
from mercato_platform.domain.app_store import (
    BillingPeriod,
    Listing,
    ListingQuery,
    ListingState,
    ListingStatus,
    Plan,
    restored,
)
from mercato_platform.domain.app_subscriptions import (
    AppSubscription,
    PendingCharge,
    PendingRefund,
    Shares,
    SubscriptionState,
    SubscriptionStatus,
    restored_subscription,
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
    Column("number", Integer, nullable=False),
)

app_subscriptions = Table(
    "app_subscriptions",
    metadata,
    Column("subscription_id", String(64), primary_key=True),
    Column("listing_id", String(64), nullable=False, index=True),
    Column("plan_id", String(64), nullable=False),
    Column("seller_id", String(64), nullable=False, index=True),
    Column("vendor_app_id", String(64), nullable=False, index=True),
    Column("period", String(16), nullable=False),
    Column("price_minor_units", BigInteger, nullable=True),
    Column("price_currency", String(3), nullable=True),
    Column("status", String(16), nullable=False),
    Column("period_number", Integer, nullable=False),
    Column("period_start", DateTime(timezone=True), nullable=True),
    Column("period_end", DateTime(timezone=True), nullable=True, index=True),
    Column("last_charge_id", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("scopes", Text, nullable=False),
    Column("instrument", String(19), nullable=False),
    Column("charge", Text, nullable=True),
    Column("grace_until", DateTime(timezone=True), nullable=True),
    Column("refunds", Text, nullable=False),
    Column("grant_id", String(64), nullable=False),
    Column("granted_scopes", Text, nullable=False),
    Column("grant_round", Integer, nullable=False),
    Column("wake_at", DateTime(timezone=True), nullable=True, index=True),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Column("ended_reason", String(64), nullable=False),
    Column("suspended_at", DateTime(timezone=True), nullable=True),
)
"""The `instrument` (a test card number) is read only to charge it: never logged, published
or answered (the seller sees its last four digits)."""

app_store_charges = Table(
    "app_store_charges",
    metadata,
    Column("charge_id", String(100), primary_key=True),
    Column("subscription_id", String(64), nullable=False, index=True),
    Column("period_number", Integer, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("platform_share", BigInteger, nullable=False),
    Column("vendor_share", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("period_start", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),
    Column("charged_at", DateTime(timezone=True), nullable=True),
    Column("vendor_app_id", String(64), nullable=False),
    Column("listing_id", String(64), nullable=False),
)
"""One row per period's charge, inserted when it falls due (status "due") and marked "charged"
when payments took it: its primary key (the deterministic charge id) makes a second charge of
the same (subscription, period) fail, whichever runner tries it."""

app_store_refunds = Table(
    "app_store_refunds",
    metadata,
    Column("refund_id", String(64), primary_key=True),
    Column("charge_id", String(100), nullable=False, index=True),
    Column("subscription_id", String(64), nullable=False),
    Column("vendor_app_id", String(64), nullable=False),
    Column("listing_id", String(64), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("platform_share", BigInteger, nullable=False),
    Column("vendor_share", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
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
        return None if row is None else (await self._counted([_listing(row)]))[0]

    async def of_vendor(self, vendor_app_id: str) -> list[Listing]:
        rows = await self._session.execute(
            select(app_listings)
            .where(app_listings.c.vendor_app_id == vendor_app_id)
            .order_by(app_listings.c.created_at.desc(), app_listings.c.listing_id)
        )
        return await self._counted([_listing(row) for row in rows])

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
        return await self._counted([_listing(row) for row in rows])

    async def _counted(self, listings: list[Listing]) -> list[Listing]:
        """The listings with their install counts (their subscriptions that have not ended)."""
        if not listings:
            return listings
        rows = await self._session.execute(
            select(app_subscriptions.c.listing_id, func.count())
            .where(
                app_subscriptions.c.listing_id.in_([x.id for x in listings]),
                app_subscriptions.c.status != SubscriptionStatus.ENDED.value,
            )
            .group_by(app_subscriptions.c.listing_id)
        )
        counts = {listing_id: int(count) for listing_id, count in rows}
        for listing in listings:
            listing.install_count = counts.get(listing.id, 0)
        return listings

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
            "number": listing.number,
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


class SqlAppSubscriptions:
    def __init__(self, session: AsyncSession, outbox: AggregateOutbox) -> None:
        self._session = session
        self._outbox = outbox

    async def get(self, subscription_id: str) -> AppSubscription | None:
        row = (
            await self._session.execute(
                select(app_subscriptions).where(
                    app_subscriptions.c.subscription_id == subscription_id
                )
            )
        ).first()
        return None if row is None else _subscription(row)

    async def of_seller(self, seller_id: str) -> list[AppSubscription]:
        rows = await self._session.execute(
            select(app_subscriptions)
            .where(app_subscriptions.c.seller_id == seller_id)
            .order_by(app_subscriptions.c.subscription_id)
        )
        return [_subscription(row) for row in rows]

    async def of_listing(self, listing_id: str) -> list[AppSubscription]:
        rows = await self._session.execute(
            select(app_subscriptions)
            .where(app_subscriptions.c.listing_id == listing_id)
            .order_by(app_subscriptions.c.subscription_id)
        )
        return [_subscription(row) for row in rows]

    async def waking(self, now: datetime, limit: int) -> list[str]:
        rows = await self._session.execute(
            select(app_subscriptions.c.subscription_id)
            .where(app_subscriptions.c.wake_at.is_not(None), app_subscriptions.c.wake_at <= now)
            .order_by(app_subscriptions.c.wake_at)
            .limit(limit)
        )
        return [row[0] for row in rows]

    async def revenue(self, vendor_app_id: str, listing_id: str) -> list[Revenue]:
        charges = app_store_charges.c
        charged = await self._session.execute(
            select(
                charges.currency,
                func.count(),
                func.sum(charges.amount),
                func.sum(charges.platform_share),
                func.sum(charges.vendor_share),
            )
            .where(
                charges.vendor_app_id == vendor_app_id,
                charges.listing_id == listing_id,
                charges.status == "charged",
            )
            .group_by(charges.currency)
        )
        refunds = app_store_refunds.c
        refunded = {
            currency: (int(amount), int(vendor))
            for currency, amount, vendor in await self._session.execute(
                select(refunds.currency, func.sum(refunds.amount), func.sum(refunds.vendor_share))
                .where(refunds.vendor_app_id == vendor_app_id, refunds.listing_id == listing_id)
                .group_by(refunds.currency)
            )
        }
        found = []
        for currency, count, gross, platform, vendor in charged:
            back, vendor_back = refunded.get(currency, (0, 0))

            def money(minor_units: int, currency: str = currency) -> Money:
                return Money(minor_units=int(minor_units), currency=currency)

            found.append(
                Revenue(
                    currency,
                    int(count),
                    money(gross),
                    money(platform),
                    money(vendor),
                    money(back),
                    money(vendor_back),
                )
            )
        return sorted(found, key=lambda revenue: revenue.currency)

    async def churn(self, vendor_app_id: str, listing_id: str) -> list[Churn]:
        rows = await self._session.execute(
            select(
                app_subscriptions.c.started_at,
                app_subscriptions.c.ended_at,
                app_subscriptions.c.ended_reason,
                app_subscriptions.c.suspended_at,
            ).where(
                app_subscriptions.c.vendor_app_id == vendor_app_id,
                app_subscriptions.c.listing_id == listing_id,
            )
        )
        months: dict[str, list[int]] = {}

        def count(moment: datetime | None, column: int) -> None:
            moment = utc(moment)
            if moment is not None:
                months.setdefault(moment.strftime("%Y-%m"), [0, 0, 0])[column] += 1

        for started_at, ended_at, reason, suspended_at in rows:
            count(started_at, 0)
            if reason.startswith("cancelled"):
                count(ended_at, 1)
            count(suspended_at, 2)
        return [Churn(month, *counts) for month, counts in sorted(months.items())]

    async def save(self, subscription: AppSubscription) -> None:
        pending = subscription.pending_events()
        if not pending:
            return
        kind = AppSubscription.aggregate_type
        values = _subscription_values(subscription)
        try:
            async with self._session.begin_nested():
                if subscription.saved_version == 0:
                    await self._session.execute(
                        insert(app_subscriptions).values(subscription_id=subscription.id, **values)
                    )
                else:
                    changed = await self._session.execute(
                        update(app_subscriptions)
                        .where(
                            app_subscriptions.c.subscription_id == subscription.id,
                            app_subscriptions.c.version == subscription.saved_version,
                        )
                        .values(**values)
                    )
                    if changed.rowcount != 1:  # type: ignore[attr-defined]
                        raise ConcurrencyError(kind, subscription.id, subscription.saved_version)
                for event in pending:
                    await self._book(subscription, event)
        except IntegrityError:
            raise ConcurrencyError(kind, subscription.id, subscription.saved_version) from None
        await self._outbox.record(subscription)

    async def _book(self, subscription: AppSubscription, event: object) -> None:
        """The charges and refunds tables follow the subscription's money events."""
        match event:
            case AppSubscription.ChargeDue() as due:
                await self._session.execute(
                    insert(app_store_charges).values(
                        charge_id=due.charge_id,
                        subscription_id=subscription.id,
                        period_number=due.period_number,
                        amount=due.shares.amount.minor_units,
                        platform_share=due.shares.platform_share.minor_units,
                        vendor_share=due.shares.vendor_share.minor_units,
                        currency=due.shares.amount.currency,
                        period_start=due.at,
                        status="due",
                        vendor_app_id=subscription.vendor_app_id,
                        listing_id=subscription.listing_id,
                    )
                )
            case AppSubscription.Charged() as charged:
                await self._session.execute(
                    update(app_store_charges)
                    .where(app_store_charges.c.charge_id == charged.charge_id)
                    .values(
                        status="charged",
                        charged_at=charged.period_start,
                        period_start=charged.period_start,
                    )
                )
            case AppSubscription.Refunded() as refunded:
                await self._session.execute(
                    insert(app_store_refunds).values(
                        refund_id=refunded.refund_id,
                        charge_id=refunded.charge_id,
                        subscription_id=subscription.id,
                        vendor_app_id=subscription.vendor_app_id,
                        listing_id=subscription.listing_id,
                        amount=refunded.shares.amount.minor_units,
                        platform_share=refunded.shares.platform_share.minor_units,
                        vendor_share=refunded.shares.vendor_share.minor_units,
                        currency=refunded.shares.amount.currency,
                        decided_at=subscription.ended_at or datetime.now(UTC),
                    )
                )


class AppStoreUnitOfWork(PlatformUnitOfWork):
    """The platform's unit of work with `uow.listings` and `uow.app_subscriptions`."""

    listings: SqlListings
    app_subscriptions: SqlAppSubscriptions

    def _open_repositories(self, session: AsyncSession) -> None:
        super()._open_repositories(session)
        outbox = AggregateOutbox(session, producer=PRODUCER, payload_of=app_store_event_payload)
        self.listings = SqlListings(session, outbox)
        self.app_subscriptions = SqlAppSubscriptions(session, outbox)


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
            number=int(row.number),
        )
    )


def _money_json(money: Money) -> dict[str, Any]:
    return {"minor_units": money.minor_units, "currency": money.currency}


def _money(data: dict[str, Any]) -> Money:
    return Money(minor_units=int(data["minor_units"]), currency=data["currency"])


def _shares_json(shares: Shares) -> dict[str, Any]:
    return {
        "amount": _money_json(shares.amount),
        "platform_share": _money_json(shares.platform_share),
        "vendor_share": _money_json(shares.vendor_share),
    }


def _shares(data: dict[str, Any]) -> Shares:
    return Shares(
        _money(data["amount"]), _money(data["platform_share"]), _money(data["vendor_share"])
    )


def _subscription_values(subscription: AppSubscription) -> dict[str, Any]:
    price, charge = subscription.price, subscription.charge
    return {
        "listing_id": subscription.listing_id,
        "plan_id": subscription.plan_id,
        "seller_id": subscription.seller_id,
        "vendor_app_id": subscription.vendor_app_id,
        "period": subscription.period.value,
        "price_minor_units": None if price is None else price.minor_units,
        "price_currency": None if price is None else price.currency,
        "status": subscription.status.value,
        "period_number": subscription.period_number,
        "period_start": subscription.period_start,
        "period_end": subscription.period_end,
        "last_charge_id": subscription.last_charge_id,
        "version": subscription.version,
        "scopes": json.dumps(list(subscription.scopes)),
        "instrument": subscription.instrument,
        "charge": None
        if charge is None
        else json.dumps(
            {
                "charge_id": charge.charge_id,
                "period_number": charge.period_number,
                "shares": _shares_json(charge.shares),
                "attempts": charge.attempts,
                "retry_at": None if charge.retry_at is None else charge.retry_at.isoformat(),
            }
        ),
        "grace_until": subscription.grace_until,
        "refunds": json.dumps(
            [
                {
                    "refund_id": refund.refund_id,
                    "charge_id": refund.charge_id,
                    "shares": _shares_json(refund.shares),
                }
                for refund in subscription.refunds
            ]
        ),
        "grant_id": subscription.grant_id,
        "granted_scopes": json.dumps(list(subscription.granted_scopes)),
        "grant_round": subscription.grant_round,
        "wake_at": subscription.wake_at(),
        "started_at": subscription.started_at,
        "ended_at": subscription.ended_at,
        "ended_reason": subscription.ended_reason,
        "suspended_at": subscription.suspended_at,
    }


def _charge(text: str | None) -> PendingCharge | None:
    if text is None:
        return None
    data = json.loads(text)
    retry_at = data["retry_at"]
    return PendingCharge(
        data["charge_id"],
        int(data["period_number"]),
        _shares(data["shares"]),
        int(data["attempts"]),
        None if retry_at is None else datetime.fromisoformat(retry_at),
    )


def _subscription(row: Any) -> AppSubscription:
    price = None
    if row.price_minor_units is not None:
        price = Money(minor_units=int(row.price_minor_units), currency=row.price_currency)
    return restored_subscription(
        SubscriptionState(
            subscription_id=row.subscription_id,
            listing_id=row.listing_id,
            plan_id=row.plan_id,
            seller_id=row.seller_id,
            vendor_app_id=row.vendor_app_id,
            period=BillingPeriod(row.period),
            price=price,
            scopes=tuple(json.loads(row.scopes)),
            status=SubscriptionStatus(row.status),
            period_number=int(row.period_number),
            period_start=utc(row.period_start),
            period_end=utc(row.period_end),
            last_charge_id=row.last_charge_id,
            instrument=row.instrument,
            charge=_charge(row.charge),
            grace_until=utc(row.grace_until),
            refunds=tuple(
                PendingRefund(r["refund_id"], r["charge_id"], _shares(r["shares"]))
                for r in json.loads(row.refunds)
            ),
            grant_id=row.grant_id,
            granted_scopes=tuple(json.loads(row.granted_scopes)),
            grant_round=int(row.grant_round),
            started_at=utc(row.started_at),
            ended_at=utc(row.ended_at),
            ended_reason=row.ended_reason,
            suspended_at=utc(row.suspended_at),
            version=int(row.version),
        )
    )
