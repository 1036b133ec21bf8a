"""The app store's subscriptions, end to end on the platform process: a seller subscribes and
the charge is published with its split; cancelling at once refunds pro rata with the split
reversed; renewal charges each (subscription, period) once, however many runners try."""

from __future__ import annotations

import asyncio
import functools
import uuid
from datetime import UTC, timedelta

import grpc
import pytest
from sqlalchemy import select

from mercato.common.v1 import money_pb2
from mercato.platform.v1 import app_store_pb2 as pb
from mercato.platform.v1 import app_store_pb2_grpc
from mercato_kit.events import EventEnvelope
from mercato_kit.storage import Database
from mercato_kit.testing import LocalIssuer
from mercato_platform.adapters.app_store import AppStoreUnitOfWork, app_store_charges
from mercato_platform.application.app_store import Billing, renew_due
from tests.services.platform._support import (
    TIMEOUT,
    Partner,
    PlatformProcess,
    key,
    new_partner,
    operator_metadata,
)
from tests.support.services import envelopes_on

TOPIC = "mercato.platform.app"


@pytest.fixture(scope="module")
def store(platform: PlatformProcess) -> app_store_pb2_grpc.AppStoreServiceStub:
    return app_store_pb2_grpc.AppStoreServiceStub(platform.channel)


def cny(minor_units: int) -> money_pb2.Money:
    return money_pb2.Money(minor_units=minor_units, currency="CNY")


def approved_listing(
    store: app_store_pb2_grpc.AppStoreServiceStub, issuer: LocalIssuer, vendor: Partner
) -> pb.AppListing:
    listing = store.CreateListing(
        pb.CreateListingRequest(
            idempotency_key=key(),
            name="Slips",
            description="Packing slips.",
            category="shipping",
            scopes=["orders:read"],
            plans=[
                pb.AppPlan(plan_id="free", period=pb.BILLING_PERIOD_FREE, scopes=["orders:read"]),
                pb.AppPlan(
                    plan_id="monthly",
                    period=pb.BILLING_PERIOD_MONTHLY,
                    price=cny(999),
                    scopes=["orders:read"],
                ),
                pb.AppPlan(
                    plan_id="yearly",
                    period=pb.BILLING_PERIOD_YEARLY,
                    price=cny(9999),
                    scopes=["orders:read"],
                ),
                pb.AppPlan(
                    plan_id="trial",
                    period=pb.BILLING_PERIOD_MONTHLY,
                    price=cny(500),
                    trial_days=7,
                    scopes=["orders:read"],
                ),
            ],
        ),
        metadata=vendor.metadata,
        timeout=TIMEOUT,
    ).listing
    return store.ReviewListing(
        pb.ReviewListingRequest(idempotency_key=key(), listing_id=listing.listing_id, approve=True),
        metadata=operator_metadata(issuer),
        timeout=TIMEOUT,
    ).listing


def seller_metadata(issuer: LocalIssuer, seller_id: str) -> list[tuple[str, str]]:
    return issuer.metadata(subject=seller_id, roles=["seller"], scopes=["orders:read"])


def subscribe(
    store: app_store_pb2_grpc.AppStoreServiceStub,
    issuer: LocalIssuer,
    seller_id: str,
    listing_id: str,
    plan_id: str,
) -> pb.AppSubscription:
    return store.SubscribeToApp(
        pb.SubscribeToAppRequest(idempotency_key=key(), listing_id=listing_id, plan_id=plan_id),
        metadata=seller_metadata(issuer, seller_id),
        timeout=TIMEOUT,
    ).subscription


def payloads(envelopes: list[EventEnvelope], message_type: type) -> list:
    name = message_type.DESCRIPTOR.full_name
    return [e.unpack(message_type) for e in envelopes if e.event_type == name]


def test_subscribe_charges_with_the_split_and_cancel_refunds_pro_rata(
    store: app_store_pb2_grpc.AppStoreServiceStub,
    issuer: LocalIssuer,
    kafka_bootstrap_servers: str,
) -> None:
    vendor = new_partner(issuer)
    listing = approved_listing(store, issuer, vendor)
    seller = str(uuid.uuid4())
    subscription = subscribe(store, issuer, seller, listing.listing_id, "monthly")
    assert subscription.status == pb.APP_SUBSCRIPTION_STATUS_ACTIVE
    assert subscription.seller_id == seller
    assert subscription.vendor_app_id == vendor.app_id
    days = subscription.period_end.ToDatetime() - subscription.period_start.ToDatetime()
    assert days == timedelta(days=30)
    assert subscription.next_charge_at == subscription.period_end

    mine = store.ListSellerSubscriptions(
        pb.ListSellerSubscriptionsRequest(),
        metadata=seller_metadata(issuer, seller),
        timeout=TIMEOUT,
    ).subscriptions
    assert [s.subscription_id for s in mine] == [subscription.subscription_id]
    found = store.GetListing(pb.GetListingRequest(listing_id=listing.listing_id), timeout=TIMEOUT)
    assert found.listing.install_count == 1

    cancelled = store.CancelSubscription(
        pb.CancelSubscriptionRequest(
            idempotency_key=key(), subscription_id=subscription.subscription_id, at_once=True
        ),
        metadata=seller_metadata(issuer, seller),
        timeout=TIMEOUT,
    ).subscription
    assert cancelled.status == pb.APP_SUBSCRIPTION_STATUS_ENDED
    assert not cancelled.HasField("next_charge_at")
    found = store.GetListing(pb.GetListingRequest(listing_id=listing.listing_id), timeout=TIMEOUT)
    assert found.listing.install_count == 0

    envelopes = envelopes_on(kafka_bootstrap_servers, TOPIC, subscription.subscription_id, 4)
    [charged] = payloads(envelopes, pb.AppSubscriptionCharged)
    assert charged.charge_id == f"{subscription.subscription_id}:0"
    assert (charged.seller_id, charged.vendor_app_id) == (seller, vendor.app_id)
    assert charged.amount == cny(999)
    assert charged.platform_share == cny(299)  # 30 % of 999 = 299.7, rounded down
    assert charged.vendor_share == cny(700)  # the rest, remainder included
    [refunded] = payloads(envelopes, pb.AppSubscriptionRefunded)
    # cancelled a moment after the start: 29 whole days of 30 unused
    assert refunded.unused_days == 29
    assert refunded.charge_id == charged.charge_id
    assert refunded.amount == cny(999 * 29 // 30)  # 965
    assert refunded.platform_share == cny(965 * 3000 // 10_000)  # 289
    assert refunded.vendor_share == cny(965 - 289)
    assert len(payloads(envelopes, pb.AppSubscriptionEnded)) == 1


def test_trial_free_and_cancel_at_period_end(
    store: app_store_pb2_grpc.AppStoreServiceStub,
    issuer: LocalIssuer,
    kafka_bootstrap_servers: str,
) -> None:
    vendor = new_partner(issuer)
    listing = approved_listing(store, issuer, vendor)
    seller = str(uuid.uuid4())
    trial = subscribe(store, issuer, seller, listing.listing_id, "trial")
    days = trial.period_end.ToDatetime() - trial.period_start.ToDatetime()
    assert days == timedelta(days=7)  # the trial, uncharged; the first charge at its end
    free = subscribe(store, issuer, seller, listing.listing_id, "free")
    assert not free.HasField("period_end")
    assert not free.HasField("next_charge_at")
    later = store.CancelSubscription(
        pb.CancelSubscriptionRequest(idempotency_key=key(), subscription_id=trial.subscription_id),
        metadata=seller_metadata(issuer, seller),
        timeout=TIMEOUT,
    ).subscription
    assert later.status == pb.APP_SUBSCRIPTION_STATUS_CANCELLING
    assert later.period_end == trial.period_end
    envelopes = envelopes_on(kafka_bootstrap_servers, TOPIC, [trial.subscription_id], 2)
    assert [e.event_type.rsplit(".", 1)[-1] for e in envelopes] == [
        "AppSubscriptionStarted",
        "AppSubscriptionCancelScheduled",
    ]


def test_bad_subscriptions_and_isolation(
    store: app_store_pb2_grpc.AppStoreServiceStub, issuer: LocalIssuer
) -> None:
    vendor = new_partner(issuer)
    listing = approved_listing(store, issuer, vendor)
    seller = str(uuid.uuid4())
    with pytest.raises(grpc.RpcError) as raised:
        subscribe(store, issuer, seller, listing.listing_id, "platinum")
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert raised.value.details().startswith("plan_id:")
    with pytest.raises(grpc.RpcError) as raised:
        subscribe(store, issuer, seller, "", "monthly")
    assert raised.value.details().startswith("listing_id:")
    draft = store.CreateListing(
        pb.CreateListingRequest(
            idempotency_key=key(),
            name="Draft",
            category="x",
            scopes=["orders:read"],
            plans=[
                pb.AppPlan(plan_id="free", period=pb.BILLING_PERIOD_FREE, scopes=["orders:read"])
            ],
        ),
        metadata=vendor.metadata,
        timeout=TIMEOUT,
    ).listing
    with pytest.raises(grpc.RpcError) as raised:
        subscribe(store, issuer, seller, draft.listing_id, "free")
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert (
        list(
            store.ListSellerSubscriptions(
                pb.ListSellerSubscriptionsRequest(),
                metadata=seller_metadata(issuer, seller),
                timeout=TIMEOUT,
            ).subscriptions
        )
        == []
    )  # nothing stored
    mine = subscribe(store, issuer, seller, listing.listing_id, "monthly")
    other = str(uuid.uuid4())
    with pytest.raises(grpc.RpcError) as raised:
        store.CancelSubscription(
            pb.CancelSubscriptionRequest(
                idempotency_key=key(), subscription_id=mine.subscription_id, at_once=True
            ),
            metadata=seller_metadata(issuer, other),
            timeout=TIMEOUT,
        )
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as raised:
        store.SubscribeToApp(
            pb.SubscribeToAppRequest(
                idempotency_key=key(), listing_id=listing.listing_id, plan_id="free"
            ),
            metadata=vendor.metadata,
            timeout=TIMEOUT,
        )
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_renewal_charges_each_period_once(
    store: app_store_pb2_grpc.AppStoreServiceStub,
    issuer: LocalIssuer,
    platform: PlatformProcess,
    kafka_bootstrap_servers: str,
) -> None:
    vendor = new_partner(issuer)
    listing = approved_listing(store, issuer, vendor)
    subscription = subscribe(store, issuer, str(uuid.uuid4()), listing.listing_id, "yearly")
    period_end = subscription.period_end.ToDatetime(tzinfo=UTC)
    billing = Billing(3000, timedelta(days=1))

    async def runs() -> list[int]:
        database = Database(platform.database_url)
        try:
            work = functools.partial(AppStoreUnitOfWork, database)
            just_after = period_end + timedelta(seconds=1)
            concurrent = await asyncio.gather(
                *(renew_due(work, billing=billing, now=just_after) for _ in range(4))
            )
            again = await renew_due(work, billing=billing, now=just_after)
            async with work(read_only=True) as uow:
                rows = await uow.session.execute(
                    select(app_store_charges.c.period_number).where(
                        app_store_charges.c.subscription_id == subscription.subscription_id
                    )
                )
                periods = sorted(row[0] for row in rows)
            assert periods == [0, 1]  # period 1 charged once, by one of the runners
            assert sum(concurrent) >= 1
            return [*concurrent, again]
        finally:
            await database.dispose()

    asyncio.run(runs())
    [renewed] = store.ListSellerSubscriptions(
        pb.ListSellerSubscriptionsRequest(),
        metadata=seller_metadata(issuer, subscription.seller_id),
        timeout=TIMEOUT,
    ).subscriptions
    assert renewed.period_number == 1
    assert renewed.period_start == subscription.period_end
    next_end = renewed.next_charge_at.ToDatetime(tzinfo=UTC)
    assert next_end - period_end == timedelta(days=365)
    envelopes = envelopes_on(kafka_bootstrap_servers, TOPIC, subscription.subscription_id, 3)
    charges = payloads(envelopes, pb.AppSubscriptionCharged)
    assert [c.charge_id for c in charges] == [
        f"{subscription.subscription_id}:0",
        f"{subscription.subscription_id}:1",
    ]
    assert charges[1].period_start == subscription.period_end
    assert charges[1].platform_share == cny(2999)  # 30 % of 9999 = 2999.7, rounded down
    assert charges[1].vendor_share == cny(7000)
