"""The app store across processes: the platform with the real identity and payments (the
package's ecosystem), calling them with its own service token.

A vendor lists an app, an operator approves it, a seller subscribes: payments takes the first
charge with the split, identity grants the app exactly the plan's scopes, the vendor app's
platform stream carries the seller's orders; the period renews; uninstalling refunds the unused
days with the split reversed, revokes the grant, ends the stream and the app's token for the
seller is refused. Then the platform is SIGKILLed while its billing worker renews a batch:
started again, every period is charged once (payments' records against the platform's)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Protocol

import grpc
import pytest
from sqlalchemy import create_engine, select

from mercato.common.v1 import money_pb2
from mercato.identity.v1 import accounts_pb2, apps_pb2, grants_pb2
from mercato.payments.v1 import payments_pb2
from mercato.platform.v1 import app_store_pb2 as pb
from mercato.platform.v1 import app_store_pb2_grpc, platform_pb2
from mercato_kit.storage import sync_url
from mercato_kit.testing import LocalIssuer
from mercato_platform.adapters.app_store import app_store_charges
from tests.services.platform._support import (
    ORDER_TYPES,
    PlatformProcess,
    Producers,
    start_platform,
)
from tests.support.ecosystem import APPROVED, TIMEOUT, Ecosystem, key
from tests.support.identity_service import SignedIn, bearer
from tests.support.services import service_database

pytestmark = pytest.mark.infra

DAY_SECONDS = 0.1  # a monthly period of 3 s
PRICE = 999


def cny(minor_units: int) -> money_pb2.Money:
    return money_pb2.Money(minor_units=minor_units, currency="CNY")


class StartPlatform(Protocol):
    def __call__(self, database_url: str, **settings: str) -> PlatformProcess: ...


@pytest.fixture(scope="module")
def launch(world: Ecosystem, tmp_path_factory: pytest.TempPathFactory) -> StartPlatform:
    """Starts a platform on a database URL, as the app store's service app (its token from
    identity), calling the ecosystem's payments and identity."""
    app, secret = world.identity.new_app(
        world.operator,
        apps_pb2.APP_KIND_SERVICE,
        scopes=("payments:app_store", "grants:manage"),
    )
    folder = tmp_path_factory.mktemp("platform")
    prefix = f"e2e-platform-{uuid.uuid4().hex[:8]}"

    def start(database_url: str, **settings: str) -> PlatformProcess:
        options = {"PLATFORM_APP_STORE_RENEWAL_INTERVAL": "0.3", **settings}
        return start_platform(
            database_url,
            world.kafka,
            LocalIssuer(),
            folder,
            group_prefix=prefix,
            AUTH_TRUSTED_KEYS="",  # identity's published keys
            IDENTITY_GRPC_ADDR=world.identity.address,
            PLATFORM_APP_ID=app.app_id,
            PLATFORM_APP_SECRET=secret,
            PLATFORM_APP_STORE_PAYMENTS_ADDR=world.services["payments"].address,
            PLATFORM_APP_STORE_DAY_SECONDS=str(DAY_SECONDS),
            **options,
        )

    return start


@pytest.fixture(scope="module")
def platform(
    launch: StartPlatform, world: Ecosystem, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PlatformProcess]:
    folder = tmp_path_factory.mktemp("platform-db")
    with service_database("postgresql", world.postgres_url, folder, "platform") as url:
        running = launch(url)
        try:
            yield running
        finally:
            assert running.stop() == 0, running.logs()[-3000:]


class Vendor:
    """A vendor's app (kind vendor_app, events:subscribe) with its own token from identity."""

    def __init__(self, world: Ecosystem) -> None:
        owner = world.identity.signed_in(accounts_pb2.ROLE_SELLER)
        self.app, self.secret = world.identity.new_app(
            owner, apps_pb2.APP_KIND_VENDOR_APP, scopes=("events:subscribe",)
        )
        self.metadata = bearer(
            world.identity.app_token(self.app.app_id, self.secret).access_token.token
        )


def approved_listing(
    store: app_store_pb2_grpc.AppStoreServiceStub, world: Ecosystem, vendor: Vendor
) -> pb.AppListing:
    listing = store.CreateListing(
        pb.CreateListingRequest(
            idempotency_key=key(),
            name=f"Slips {uuid.uuid4().hex[:6]}",
            category="shipping",
            scopes=["orders:read", "catalog:read"],
            plans=[
                pb.AppPlan(
                    plan_id="monthly",
                    period=pb.BILLING_PERIOD_MONTHLY,
                    price=cny(PRICE),
                    scopes=["orders:read"],
                ),
                pb.AppPlan(
                    plan_id="trial",
                    period=pb.BILLING_PERIOD_MONTHLY,
                    price=cny(PRICE),
                    trial_days=1,
                    scopes=["orders:read"],
                ),
            ],
        ),
        metadata=vendor.metadata,
        timeout=TIMEOUT,
    ).listing
    return store.ReviewListing(
        pb.ReviewListingRequest(idempotency_key=key(), listing_id=listing.listing_id, approve=True),
        metadata=world.operator.metadata,
        timeout=TIMEOUT,
    ).listing


def subscribe(
    store: app_store_pb2_grpc.AppStoreServiceStub,
    seller: SignedIn,
    listing_id: str,
    plan_id: str = "monthly",
) -> pb.AppSubscription:
    return store.SubscribeToApp(
        pb.SubscribeToAppRequest(
            idempotency_key=key(), listing_id=listing_id, plan_id=plan_id, instrument=APPROVED
        ),
        metadata=seller.metadata,
        timeout=TIMEOUT,
    ).subscription


def charge(world: Ecosystem, charge_id: str) -> payments_pb2.AppCharge:
    return world.payments.GetAppCharge(
        payments_pb2.GetAppChargeRequest(charge_id=charge_id),
        metadata=world.operator.metadata,
        timeout=TIMEOUT,
    ).charge


def taken(world: Ecosystem, charge_id: str) -> bool:
    """Payments took the charge (False: declined, or never asked: NOT_FOUND)."""
    try:
        return charge(world, charge_id).status == payments_pb2.APP_CHARGE_STATUS_CHARGED
    except grpc.RpcError as error:
        if error.code() == grpc.StatusCode.NOT_FOUND:
            return False
        raise


def charge_ids(platform: PlatformProcess, subscription_id: str | None = None) -> dict[str, int]:
    """The platform's charges (id -> amount), of one subscription or all."""
    engine = create_engine(sync_url(platform.database_url))
    try:
        with engine.connect() as connection:
            query = select(app_store_charges.c.charge_id, app_store_charges.c.amount)
            if subscription_id is not None:
                query = query.where(app_store_charges.c.subscription_id == subscription_id)
            return {row[0]: int(row[1]) for row in connection.execute(query)}
    finally:
        engine.dispose()


def mine(store: app_store_pb2_grpc.AppStoreServiceStub, seller: SignedIn) -> pb.AppSubscription:
    [found] = store.ListSellerSubscriptions(
        pb.ListSellerSubscriptionsRequest(), metadata=seller.metadata, timeout=TIMEOUT
    ).subscriptions
    return found


def test_list_review_subscribe_stream_renew_and_uninstall(
    world: Ecosystem, platform: PlatformProcess
) -> None:
    store = app_store_pb2_grpc.AppStoreServiceStub(platform.channel)
    vendor = Vendor(world)
    listing = approved_listing(store, world, vendor)
    seller = world.identity.signed_in(accounts_pb2.ROLE_SELLER)

    subscription = subscribe(store, seller, listing.listing_id)
    assert subscription.status == pb.APP_SUBSCRIPTION_STATUS_ACTIVE
    assert list(subscription.granted_scopes) == ["orders:read"]  # the plan's, not catalog:read
    assert subscription.instrument_last4 == APPROVED[-4:]
    first = charge(world, next(iter(charge_ids(platform, subscription.subscription_id))))
    assert first.status == payments_pb2.APP_CHARGE_STATUS_CHARGED
    assert (first.amount, first.platform_share, first.vendor_share) == (
        cny(999),
        cny(299),
        cny(700),
    )
    assert first.vendor_id == vendor.app.app_id
    [grant] = world.identity.grants.ListGrants(
        grants_pb2.ListGrantsRequest(), metadata=vendor.metadata, timeout=TIMEOUT
    ).grants
    assert grant.grant_id == subscription.grant_id
    assert grant.grantor_account_id == seller.account.account_id
    assert list(grant.scopes) == ["orders:read"]

    # the vendor app reads its subscriber's orders through the platform stream
    platform.subscriptions.Subscribe(
        platform_pb2.SubscribeRequest(idempotency_key=key(), types=list(ORDER_TYPES)),
        metadata=vendor.metadata,
        timeout=TIMEOUT,
    )
    seen, outcome = threading.Event(), dict[str, object]()

    def listen() -> None:
        call = platform.streams.StreamEvents(
            platform_pb2.StreamEventsRequest(heartbeat_seconds=1),
            metadata=vendor.metadata,
            timeout=120,
        )
        try:
            for response in call:
                if response.HasField("event"):
                    seen.set()
        except grpc.RpcError as error:
            outcome["code"] = error.code()

    reader = threading.Thread(target=listen)
    reader.start()
    producers = Producers(world.kafka)
    try:
        deadline = time.monotonic() + 120
        while not seen.is_set():
            assert time.monotonic() < deadline, "the subscriber's orders never reached the stream"
            producers.order(seller.account.account_id, steps=1)
            producers.flush()
            seen.wait(1.0)
    finally:
        producers.close()

    # the period renews: payments takes the next period's charge once
    deadline = time.monotonic() + 120
    while mine(store, seller).period_number < 1:
        assert time.monotonic() < deadline, "never renewed"
        time.sleep(0.3)
    for charge_id in charge_ids(platform, subscription.subscription_id):
        taken = charge(world, charge_id)
        assert taken.status == payments_pb2.APP_CHARGE_STATUS_CHARGED
        assert taken.attempts == 1

    # the app acting for the seller, then the seller uninstalls
    acting = world.identity.app_token(vendor.app.app_id, vendor.secret, grant_id=grant.grant_id)
    ended = store.CancelSubscription(
        pb.CancelSubscriptionRequest(
            idempotency_key=key(), subscription_id=subscription.subscription_id, at_once=True
        ),
        metadata=seller.metadata,
        timeout=TIMEOUT,
    ).subscription
    assert ended.status == pb.APP_SUBSCRIPTION_STATUS_ENDED
    assert list(ended.granted_scopes) == []
    assert ended.grant_id == ""
    reader.join(timeout=60)
    assert outcome.get("code") == grpc.StatusCode.PERMISSION_DENIED  # the stream ended
    with pytest.raises(grpc.RpcError) as refused:
        world.identity.grants.ListGrants(
            grants_pb2.ListGrantsRequest(),
            metadata=bearer(acting.access_token.token),
            timeout=TIMEOUT,
        )
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED

    # the unused whole days of the last period went back, the split reversed
    refunded = [charge(world, c) for c in charge_ids(platform, subscription.subscription_id)]
    [last] = [c for c in refunded if c.refunded.minor_units]
    back = last.refunded.minor_units
    assert last.platform_refunded.minor_units == back * 3000 // 10_000
    assert last.vendor_refunded.minor_units == back - back * 3000 // 10_000
    revenue = store.GetVendorRevenue(
        pb.GetVendorRevenueRequest(listing_id=listing.listing_id),
        metadata=vendor.metadata,
        timeout=TIMEOUT,
    )
    [cny_revenue] = revenue.revenue
    assert cny_revenue.charges == len(refunded)
    assert cny_revenue.refunded.minor_units == back
    assert revenue.churn[-1].cancelled == 1
    [subscriber] = store.ListAppSubscribers(
        pb.ListAppSubscribersRequest(listing_id=listing.listing_id),
        metadata=vendor.metadata,
        timeout=TIMEOUT,
    ).subscriptions
    assert subscriber.seller_id == seller.account.account_id
    assert subscriber.instrument_last4 == ""  # the seller's card is not the vendor's to see
    other = Vendor(world)
    with pytest.raises(grpc.RpcError) as hidden:
        store.GetVendorRevenue(
            pb.GetVendorRevenueRequest(listing_id=listing.listing_id),
            metadata=other.metadata,
            timeout=TIMEOUT,
        )
    assert hidden.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_platform_killed_during_a_renewal_batch_charges_each_period_once(
    world: Ecosystem, launch: StartPlatform, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("platform-killed")
    with service_database("postgresql", world.postgres_url, folder, "platform") as url:
        # a slower worker: the trials below all end before its next batch, which renews them
        running = launch(url, PLATFORM_APP_STORE_RENEWAL_INTERVAL="2")
        try:
            store = app_store_pb2_grpc.AppStoreServiceStub(running.channel)
            vendor = Vendor(world)
            listing = approved_listing(store, world, vendor)
            sellers = [world.identity.signed_in(accounts_pb2.ROLE_SELLER) for _ in range(3)]
            for seller in sellers:
                subscribed = subscribe(store, seller, listing.listing_id, "trial")
                assert subscribed.status == pb.APP_SUBSCRIPTION_STATUS_ACTIVE  # in its trial
            deadline = time.monotonic() + 120
            while not charge_ids(running):  # the batch's first period's charge is due
                assert time.monotonic() < deadline, "the batch never started"
                time.sleep(0.01)
            kill(running)  # the batch in flight
            rows = charge_ids(running)
            print(f"killed with {sum(taken(world, c) for c in rows)} of {len(rows)} charges taken")
            running = launch(url)
            deadline = time.monotonic() + 120
            while min(mine(store_of(running), s).period_number for s in sellers) < 1:
                assert time.monotonic() < deadline, "the renewals never finished"
                time.sleep(0.2)
        except BaseException:
            running.stop()
            raise
        assert running.stop() == 0, running.logs()[-3000:]
        charges = charge_ids(running)
        charged = [charge(world, c) for c in charges if taken(world, c)]
        payable = world.payments.GetVendorPayable(
            payments_pb2.GetVendorPayableRequest(vendor_id=vendor.app.app_id),
            metadata=world.operator.metadata,
            timeout=TIMEOUT,
        ).balances
    # every charge the platform recorded was taken by payments once (a declined or repeated
    # attempt would show), and payments holds no charge beyond them: the vendor's payable is
    # exactly its share of the platform's charges
    assert len(charged) >= len(sellers)
    assert all(c.attempts == 1 for c in charged)
    assert [(m.currency, m.minor_units) for m in payable] == [("CNY", 700 * len(charged))]
    assert len(charged) >= len(charges) - len(sellers)  # at most one due charge per subscription


def kill(process: PlatformProcess) -> None:
    """SIGKILL: no shutdown, no flush, nothing finished."""
    process.process.kill()
    process.process.wait(timeout=30)
    process.channel.close()


def store_of(process: PlatformProcess) -> app_store_pb2_grpc.AppStoreServiceStub:
    return app_store_pb2_grpc.AppStoreServiceStub(process.channel)
