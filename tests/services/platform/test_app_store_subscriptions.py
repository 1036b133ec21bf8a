"""The app store's subscriptions on the platform process alone (no payments, no identity: charges
and grants are end to end in tests/e2e/test_app_store_end_to_end.py): a paid plan waits
PENDING, trials and free plans start ACTIVE, cancel at period end, bad input and isolation,
and concurrent billing runners make each (subscription, period) due once."""

from __future__ import annotations

import asyncio
import functools
import uuid
from datetime import UTC, datetime, timedelta

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
from mercato_platform.adapters.app_store_gateways import UnconfiguredGateways
from mercato_platform.application.app_subscriptions import run_billing
from mercato_platform.domain.app_subscriptions import Terms
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
CARD = "4242424242424242"


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
    instrument: str = CARD,
) -> pb.AppSubscription:
    return store.SubscribeToApp(
        pb.SubscribeToAppRequest(
            idempotency_key=key(), listing_id=listing_id, plan_id=plan_id, instrument=instrument
        ),
        metadata=seller_metadata(issuer, seller_id),
        timeout=TIMEOUT,
    ).subscription


def payloads(envelopes: list[EventEnvelope], message_type: type) -> list:
    name = message_type.DESCRIPTOR.full_name
    return [e.unpack(message_type) for e in envelopes if e.event_type == name]


def test_without_payments_configured_a_paid_subscription_waits_pending(
    store: app_store_pb2_grpc.AppStoreServiceStub, issuer: LocalIssuer
) -> None:
    vendor = new_partner(issuer)
    listing = approved_listing(store, issuer, vendor)
    seller = str(uuid.uuid4())
    subscription = subscribe(store, issuer, seller, listing.listing_id, "monthly")
    assert subscription.status == pb.APP_SUBSCRIPTION_STATUS_PENDING
    assert subscription.instrument_last4 == "4242"
    assert list(subscription.scopes) == ["orders:read"]
    assert list(subscription.granted_scopes) == []  # nothing granted before the charge
    with pytest.raises(grpc.RpcError) as raised:
        store.CancelSubscription(
            pb.CancelSubscriptionRequest(
                idempotency_key=key(), subscription_id=subscription.subscription_id, at_once=True
            ),
            metadata=seller_metadata(issuer, seller),
            timeout=TIMEOUT,
        )
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION


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
    with pytest.raises(grpc.RpcError) as raised:
        subscribe(store, issuer, seller, listing.listing_id, "monthly", instrument="42")
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert raised.value.details().startswith("instrument:")
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


def test_concurrent_billing_runners_make_a_period_due_once(
    store: app_store_pb2_grpc.AppStoreServiceStub,
    issuer: LocalIssuer,
    platform: PlatformProcess,
) -> None:
    vendor = new_partner(issuer)
    listing = approved_listing(store, issuer, vendor)
    subscription = subscribe(store, issuer, str(uuid.uuid4()), listing.listing_id, "trial")
    trial_end = subscription.period_end.ToDatetime(tzinfo=UTC)
    terms = Terms(3000, timedelta(days=1))

    async def runs() -> None:
        database = Database(platform.database_url)
        try:
            work = functools.partial(AppStoreUnitOfWork, database)

            def just_after() -> datetime:
                return trial_end + timedelta(seconds=1)

            await asyncio.gather(
                *(
                    run_billing(work, UnconfiguredGateways(), terms=terms, clock=just_after)
                    for _ in range(4)
                )
            )
            async with work(read_only=True) as uow:
                rows = await uow.session.execute(
                    select(app_store_charges.c.period_number, app_store_charges.c.amount).where(
                        app_store_charges.c.subscription_id == subscription.subscription_id
                    )
                )
                assert sorted(tuple(row) for row in rows) == [(1, 500)]  # due once
        finally:
            await database.dispose()

    asyncio.run(runs())
    [renewed] = store.ListSellerSubscriptions(
        pb.ListSellerSubscriptionsRequest(),
        metadata=seller_metadata(issuer, subscription.seller_id),
        timeout=TIMEOUT,
    ).subscriptions
    assert renewed.status == pb.APP_SUBSCRIPTION_STATUS_ACTIVE  # in its trial until charged
    assert renewed.period_number == 0


def test_a_new_version_asking_more_waits_for_the_sellers_consent(
    store: app_store_pb2_grpc.AppStoreServiceStub, issuer: LocalIssuer
) -> None:
    vendor = new_partner(issuer)
    listing = approved_listing(store, issuer, vendor)
    seller = str(uuid.uuid4())
    subscription = subscribe(store, issuer, seller, listing.listing_id, "trial")
    plans = list(listing.plans)
    for plan in plans:
        plan.scopes.append("catalog:read")
    version = pb.PublishListingVersionRequest(
        idempotency_key=key(),
        listing_id=listing.listing_id,
        name=listing.name,
        description=listing.description,
        category=listing.category,
        scopes=["orders:read", "catalog:read"],
        plans=plans,
    )
    with pytest.raises(grpc.RpcError) as hidden:
        store.PublishListingVersion(version, metadata=new_partner(issuer).metadata, timeout=TIMEOUT)
    assert hidden.value.code() == grpc.StatusCode.NOT_FOUND  # another vendor's listing
    published = store.PublishListingVersion(version, metadata=vendor.metadata, timeout=TIMEOUT)
    assert published.listing.status == pb.LISTING_STATUS_PENDING_REVIEW

    def mine() -> pb.AppSubscription:
        [found] = store.ListSellerSubscriptions(
            pb.ListSellerSubscriptionsRequest(),
            metadata=seller_metadata(issuer, seller),
            timeout=TIMEOUT,
        ).subscriptions
        return found

    assert list(mine().consent_scopes) == []  # not approved yet: nothing to consent to
    store.ReviewListing(
        pb.ReviewListingRequest(idempotency_key=key(), listing_id=listing.listing_id, approve=True),
        metadata=operator_metadata(issuer),
        timeout=TIMEOUT,
    )
    waiting = mine()
    assert list(waiting.scopes) == ["orders:read"]  # kept until the seller consents
    assert list(waiting.consent_scopes) == ["orders:read", "catalog:read"]
    consented = store.ConsentToScopes(
        pb.ConsentToScopesRequest(
            idempotency_key=key(), subscription_id=subscription.subscription_id
        ),
        metadata=seller_metadata(issuer, seller),
        timeout=TIMEOUT,
    ).subscription
    assert list(consented.scopes) == ["orders:read", "catalog:read"]
    assert list(consented.consent_scopes) == []
