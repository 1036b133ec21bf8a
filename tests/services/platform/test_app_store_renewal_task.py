"""The renewal task of a running platform (its own process, on SQLite, with billing days of
0.05 s so a monthly period lasts 1.5 s): each period is charged once, in order, and a
subscription cancelled at period end ends there without another charge."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mercato.platform.v1 import app_store_pb2 as pb
from mercato.platform.v1 import app_store_pb2_grpc
from mercato_kit.testing import LocalIssuer
from tests.services.platform._support import (
    TIMEOUT,
    PlatformProcess,
    key,
    new_partner,
    start_platform,
)
from tests.services.platform.test_app_store_subscriptions import (
    TOPIC,
    approved_listing,
    cny,
    payloads,
    seller_metadata,
    subscribe,
)
from tests.support.services import envelopes_on, service_database


@pytest.fixture(scope="module")
def fast_platform(
    issuer: LocalIssuer, kafka_bootstrap_servers: str, postgres_url: str, tmp_path_factory
) -> Iterator[PlatformProcess]:
    folder: Path = tmp_path_factory.mktemp("app-store-renewals")
    with service_database("sqlite", postgres_url, folder, "platform") as url:
        running = start_platform(
            url,
            kafka_bootstrap_servers,
            issuer,
            folder,
            PLATFORM_APP_STORE_DAY_SECONDS="0.05",
            PLATFORM_APP_STORE_RENEWAL_INTERVAL="0.2",
        )
        try:
            yield running
        finally:
            assert running.stop() == 0, running.logs()[-3000:]


def test_the_running_task_charges_each_period_once(
    fast_platform: PlatformProcess, issuer: LocalIssuer, kafka_bootstrap_servers: str
) -> None:
    store = app_store_pb2_grpc.AppStoreServiceStub(fast_platform.channel)
    listing = approved_listing(store, issuer, new_partner(issuer))
    seller = str(uuid.uuid4())
    renewing = subscribe(store, issuer, seller, listing.listing_id, "monthly")
    ending = subscribe(store, issuer, seller, listing.listing_id, "monthly")
    store.CancelSubscription(
        pb.CancelSubscriptionRequest(idempotency_key=key(), subscription_id=ending.subscription_id),
        metadata=seller_metadata(issuer, seller),
        timeout=TIMEOUT,
    )

    def current() -> dict[str, pb.AppSubscription]:
        found = store.ListSellerSubscriptions(
            pb.ListSellerSubscriptionsRequest(),
            metadata=seller_metadata(issuer, seller),
            timeout=TIMEOUT,
        ).subscriptions
        return {s.subscription_id: s for s in found}

    deadline = time.monotonic() + 30
    while current()[renewing.subscription_id].period_number < 2:
        assert time.monotonic() < deadline, "the renewal task did not renew twice"
        time.sleep(0.2)
    now = current()
    assert now[ending.subscription_id].status == pb.APP_SUBSCRIPTION_STATUS_ENDED
    assert now[ending.subscription_id].period_number == 0

    envelopes = envelopes_on(kafka_bootstrap_servers, TOPIC, renewing.subscription_id, 4)
    charges = payloads(envelopes, pb.AppSubscriptionCharged)
    assert [c.charge_id for c in charges] == [
        f"{renewing.subscription_id}:{n}" for n in range(len(charges))
    ]
    assert len(charges) >= 3
    for earlier, later in itertools.pairwise(charges):
        assert later.period_start == earlier.period_end  # back to back, none twice
    assert all(c.platform_share == cny(299) and c.vendor_share == cny(700) for c in charges)
    ended = envelopes_on(kafka_bootstrap_servers, TOPIC, ending.subscription_id, 4)
    assert [e.event_type.rsplit(".", 1)[-1] for e in ended][:4] == [
        "AppSubscriptionStarted",
        "AppSubscriptionCharged",
        "AppSubscriptionCancelScheduled",
        "AppSubscriptionEnded",
    ]
    assert len(payloads(ended, pb.AppSubscriptionCharged)) == 1
    assert len(payloads(ended, pb.AppSubscriptionEnded)) == 1
