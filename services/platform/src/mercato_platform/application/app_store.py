"""The app store's listings: create (a vendor app), review (an operator), read and search."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from mercato_kit.errors import ConcurrencyError, InvalidArgument, NotFound
from mercato_kit.ids import new_id
from mercato_platform.domain.app_store import (
    AppSubscription,
    CancelAppSubscription,
    CreateListing,
    Listing,
    ListingQuery,
    ListingStatus,
    ReviewListing,
    SubscribeToApp,
    checked_listing,
    checked_review,
)


class Listings(Protocol):
    async def get(self, listing_id: str) -> Listing | None: ...

    async def save(self, listing: Listing) -> None: ...

    async def of_vendor(self, vendor_app_id: str) -> list[Listing]: ...

    async def approved(self, query: ListingQuery) -> list[Listing]: ...


class AppStoreWork(Protocol):
    @property
    def listings(self) -> Listings: ...


async def create_listing(
    command: CreateListing,
    uow: AppStoreWork,
    *,
    vendor_app_id: str,
    grantable: Iterable[str],
    now: datetime,
) -> Listing:
    """A new listing, pending review; InvalidArgument (nothing stored) for bad input."""
    checked = checked_listing(command, grantable)
    listing = Listing.create(new_id(), vendor_app_id, checked, now)
    await uow.listings.save(listing)
    return listing


async def review_listing(command: ReviewListing, uow: AppStoreWork, *, now: datetime) -> Listing:
    checked = checked_review(command)
    listing = await uow.listings.get(checked.listing_id)
    if listing is None:
        raise NotFound(f"no listing {checked.listing_id!r}")
    listing.review(checked, now)
    await uow.listings.save(listing)
    return listing


async def listing_for(listing_id: str, uow: AppStoreWork, *, app_id: str | None) -> Listing:
    """An approved listing, or the caller's own in any status; NotFound otherwise (another
    vendor's drafts are not even acknowledged)."""
    listing = await uow.listings.get(listing_id)
    if listing is None or not listing.visible_to(app_id):
        raise NotFound(f"no listing {listing_id!r}")
    return listing


async def vendor_listings(uow: AppStoreWork, *, vendor_app_id: str) -> list[Listing]:
    return await uow.listings.of_vendor(vendor_app_id)


async def search_listings(query: ListingQuery, uow: AppStoreWork) -> list[Listing]:
    found = [listing for listing in await uow.listings.approved(query) if listing.matches(query)]
    return found[: query.limit]


# --- subscriptions -------------------------------------------------------------------------------


class AppSubscriptions(Protocol):
    async def get(self, subscription_id: str) -> AppSubscription | None: ...

    async def save(self, subscription: AppSubscription) -> None: ...

    async def of_seller(self, seller_id: str) -> list[AppSubscription]: ...

    async def due(self, now: datetime, limit: int) -> list[str]: ...


class SubscriptionWork(AppStoreWork, Protocol):
    @property
    def app_subscriptions(self) -> AppSubscriptions: ...


@dataclass(frozen=True)
class Billing:
    """The app store's billing settings: the platform's share and a day's length."""

    share_bps: int
    day: timedelta


async def subscribe_to_app(
    command: SubscribeToApp,
    uow: SubscriptionWork,
    *,
    seller_id: str,
    billing: Billing,
    now: datetime,
) -> AppSubscription:
    if not command.listing_id:
        raise InvalidArgument("listing_id", "is required")
    if not command.plan_id:
        raise InvalidArgument("plan_id", "is required")
    listing = await uow.listings.get(command.listing_id)
    if listing is None or listing.status is not ListingStatus.APPROVED:
        raise NotFound(f"no listing {command.listing_id!r}")
    plan = next((p for p in listing.plans if p.plan_id == command.plan_id), None)
    if plan is None:
        raise InvalidArgument("plan_id", f"the listing offers no plan {command.plan_id!r}")
    subscription = AppSubscription.start(
        new_id(), seller_id, listing, plan, now=now, day=billing.day, share_bps=billing.share_bps
    )
    await uow.app_subscriptions.save(subscription)
    return subscription


async def cancel_subscription(
    command: CancelAppSubscription,
    uow: SubscriptionWork,
    *,
    seller_id: str,
    billing: Billing,
    now: datetime,
) -> AppSubscription:
    if not command.subscription_id:
        raise InvalidArgument("subscription_id", "is required")
    subscription = await uow.app_subscriptions.get(command.subscription_id)
    if subscription is None or subscription.seller_id != seller_id:
        raise NotFound(f"no subscription {command.subscription_id!r}")
    subscription.cancel(command.at_once, now, day=billing.day, share_bps=billing.share_bps)
    await uow.app_subscriptions.save(subscription)
    return subscription


async def seller_subscriptions(uow: SubscriptionWork, *, seller_id: str) -> list[AppSubscription]:
    return await uow.app_subscriptions.of_seller(seller_id)


async def renew_due(
    unit_of_work: Callable[..., AbstractAsyncContextManager[Any]],
    *,
    billing: Billing,
    now: datetime,
    batch: int = 100,
) -> int:
    """Charge (or end) every subscription whose period ended by `now`, each in its own
    transaction; a subscription another runner renewed first (ConcurrencyError: its version
    moved, or the charge id exists) is skipped. Returns the periods renewed by this run."""
    renewed = 0
    async with unit_of_work(read_only=True) as uow:
        due = await uow.app_subscriptions.due(now, batch)
    for subscription_id in due:
        while True:
            try:
                async with unit_of_work() as uow:
                    subscription = await uow.app_subscriptions.get(subscription_id)
                    if subscription is None or not subscription.renew(
                        now, day=billing.day, share_bps=billing.share_bps
                    ):
                        break
                    await uow.app_subscriptions.save(subscription)
                    await uow.commit()
                    renewed += 1
            except ConcurrencyError:
                break
    return renewed
