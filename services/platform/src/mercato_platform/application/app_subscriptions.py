"""The app store's subscriptions: a seller subscribes, cancels, changes its instrument and
consents to a new version's scopes; a vendor sees its subscribers, revenue and churn; the
billing worker renews periods and performs each subscription's calls to payments and identity
(`advance`), recording every answer in a transaction of its own."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from mercato_kit.errors import ConcurrencyError, FailedPrecondition, InvalidArgument, NotFound
from mercato_kit.ids import new_id
from mercato_kit.money import Money
from mercato_platform.application.app_store import AppStoreWork
from mercato_platform.domain.app_store import ListingStatus
from mercato_platform.domain.app_subscriptions import (
    Answer,
    AppSubscription,
    CancelAppSubscription,
    ConsentToScopes,
    Effect,
    SubscribeToApp,
    Terms,
    UpdateInstrument,
)

logger = logging.getLogger(__name__)

_STEPS = 8  # effects performed for one subscription in one go, at most


class AppSubscriptions(Protocol):
    async def get(self, subscription_id: str) -> AppSubscription | None: ...

    async def save(self, subscription: AppSubscription) -> None: ...

    async def of_seller(self, seller_id: str) -> list[AppSubscription]: ...

    async def of_listing(self, listing_id: str) -> list[AppSubscription]: ...

    async def waking(self, now: datetime, limit: int) -> list[str]: ...

    async def revenue(self, vendor_app_id: str, listing_id: str) -> list[Revenue]: ...

    async def churn(self, vendor_app_id: str, listing_id: str) -> list[Churn]: ...


class SubscriptionWork(AppStoreWork, Protocol):
    @property
    def app_subscriptions(self) -> AppSubscriptions: ...


class Gateways(Protocol):
    """Payments and identity, as the billing worker calls them."""

    async def perform(self, effect: Effect) -> Answer | None:
        """The answer, or None when there was none (unavailable, timed out): try later."""
        ...


@dataclass(frozen=True)
class Revenue:
    """A vendor's app-store money in one currency, from the charges taken of its subscribers."""

    currency: str
    charges: int
    gross: Money
    platform_share: Money
    vendor_share: Money
    refunded: Money
    vendor_refunded: Money


@dataclass(frozen=True)
class Churn:
    """One calendar month (UTC, "2026-12") of a vendor's subscriptions."""

    month: str
    started: int
    cancelled: int
    suspended: int


async def subscribe_to_app(
    command: SubscribeToApp,
    uow: SubscriptionWork,
    *,
    seller_id: str,
    terms: Terms,
    now: datetime,
) -> AppSubscription:
    if not command.listing_id:
        raise InvalidArgument("listing_id", "is required")
    if not command.plan_id:
        raise InvalidArgument("plan_id", "is required")
    listing = await uow.listings.get(command.listing_id)
    if listing is None or listing.status is not ListingStatus.APPROVED:
        raise NotFound(f"no listing {command.listing_id!r}")
    plan = listing.plan(command.plan_id)
    if plan is None:
        raise InvalidArgument("plan_id", f"the listing offers no plan {command.plan_id!r}")
    subscription = AppSubscription.start(
        new_id(), seller_id, listing, plan, instrument=command.instrument, now=now, terms=terms
    )
    await uow.app_subscriptions.save(subscription)
    return subscription


async def _sellers(uow: SubscriptionWork, subscription_id: str, seller_id: str) -> AppSubscription:
    if not subscription_id:
        raise InvalidArgument("subscription_id", "is required")
    subscription = await uow.app_subscriptions.get(subscription_id)
    if subscription is None or subscription.seller_id != seller_id:
        raise NotFound(f"no subscription {subscription_id!r}")
    return subscription


async def cancel_subscription(
    command: CancelAppSubscription,
    uow: SubscriptionWork,
    *,
    seller_id: str,
    terms: Terms,
    now: datetime,
) -> AppSubscription:
    subscription = await _sellers(uow, command.subscription_id, seller_id)
    subscription.cancel(command.at_once, now, terms)
    await uow.app_subscriptions.save(subscription)
    return subscription


async def update_instrument(
    command: UpdateInstrument, uow: SubscriptionWork, *, seller_id: str, now: datetime
) -> AppSubscription:
    subscription = await _sellers(uow, command.subscription_id, seller_id)
    subscription.update_instrument(command.instrument, now)
    await uow.app_subscriptions.save(subscription)
    return subscription


async def consent_to_scopes(
    command: ConsentToScopes, uow: SubscriptionWork, *, seller_id: str
) -> AppSubscription:
    subscription = await _sellers(uow, command.subscription_id, seller_id)
    listing = await uow.listings.get(subscription.listing_id)
    plan = None if listing is None else listing.plan(subscription.plan_id)
    if listing is None or listing.status is not ListingStatus.APPROVED or plan is None:
        raise FailedPrecondition("the listing has no approved version of this plan to consent to")
    subscription.consent(plan.scopes)
    await uow.app_subscriptions.save(subscription)
    return subscription


async def seller_subscriptions(uow: SubscriptionWork, *, seller_id: str) -> list[AppSubscription]:
    return await uow.app_subscriptions.of_seller(seller_id)


async def _vendors_listing(uow: SubscriptionWork, listing_id: str, vendor_app_id: str) -> None:
    """NotFound unless the listing is the vendor's own (another vendor's is never confirmed)."""
    if not listing_id:
        raise InvalidArgument("listing_id", "is required")
    listing = await uow.listings.get(listing_id)
    if listing is None or listing.vendor_app_id != vendor_app_id:
        raise NotFound(f"no listing {listing_id!r}")


async def vendor_subscribers(
    uow: SubscriptionWork, *, listing_id: str, vendor_app_id: str
) -> list[AppSubscription]:
    await _vendors_listing(uow, listing_id, vendor_app_id)
    return await uow.app_subscriptions.of_listing(listing_id)


async def vendor_revenue(
    uow: SubscriptionWork, *, listing_id: str, vendor_app_id: str
) -> tuple[list[Revenue], list[Churn]]:
    await _vendors_listing(uow, listing_id, vendor_app_id)
    revenue = await uow.app_subscriptions.revenue(vendor_app_id, listing_id)
    return revenue, await uow.app_subscriptions.churn(vendor_app_id, listing_id)


UnitOfWorkFactory = Callable[..., AbstractAsyncContextManager[Any]]


async def advance(
    subscription_id: str,
    unit_of_work: UnitOfWorkFactory,
    gateways: Gateways,
    *,
    terms: Terms,
    clock: Callable[[], datetime],
) -> None:
    """Renew the subscription when its period ended, then perform the calls it needs now, one
    at a time, each answer recorded before the next call. Stops at the first call left
    unanswered (the worker comes back to it)."""
    for _ in range(_STEPS):
        renewed, effect = await _renewed_or_next(subscription_id, unit_of_work, terms, clock())
        if renewed:
            continue
        if effect is None:
            return
        answer = await gateways.perform(effect)
        if answer is None:
            return
        await _record(subscription_id, answer, unit_of_work, terms, clock)


async def _renewed_or_next(
    subscription_id: str, unit_of_work: UnitOfWorkFactory, terms: Terms, now: datetime
) -> tuple[bool, Effect | None]:
    """(True, None) when it was renewed now (look again), else the effect it needs."""
    try:
        async with unit_of_work() as uow:
            subscription = await uow.app_subscriptions.get(subscription_id)
            if subscription is None:
                return False, None
            if subscription.renew(now, terms):
                await uow.app_subscriptions.save(subscription)
                await uow.commit()
                return True, None
            return False, subscription.next_effect(now)
    except ConcurrencyError:  # another runner renewed it first
        return True, None


async def _record(
    subscription_id: str,
    answer: Answer,
    unit_of_work: UnitOfWorkFactory,
    terms: Terms,
    clock: Callable[[], datetime],
) -> None:
    for _ in range(5):
        try:
            async with unit_of_work() as uow:
                subscription = await uow.app_subscriptions.get(subscription_id)
                assert subscription is not None
                subscription.record(answer, clock(), terms)
                await uow.app_subscriptions.save(subscription)
                await uow.commit()
                return
        except ConcurrencyError:
            continue
    logger.warning(
        "app store: answer not recorded (concurrent changes)", extra={"id": subscription_id}
    )


async def run_billing(
    unit_of_work: UnitOfWorkFactory,
    gateways: Gateways,
    *,
    terms: Terms,
    clock: Callable[[], datetime],
    batch: int = 100,
) -> int:
    """Advance every subscription that needs it by now (renewals, retries, refunds, grants);
    returns how many were looked at."""
    async with unit_of_work(read_only=True) as uow:
        waking = await uow.app_subscriptions.waking(clock(), batch)
    for subscription_id in waking:
        await advance(subscription_id, unit_of_work, gateways, terms=terms, clock=clock)
    return len(waking)
