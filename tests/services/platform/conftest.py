"""One platform process on PostgreSQL for the package's tests (the SIGKILL and TLS tests start
their own), a LocalIssuer whose tokens it trusts, producers and a webhook receiver."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from mercato.platform.v1 import platform_pb2 as pb
from mercato_kit.events import EventEnvelope
from mercato_kit.testing import LocalIssuer
from tests.services.platform._support import (
    ORDER_TYPES,
    ORDERS_PER_SELLER,
    SHIPMENT_TYPES,
    TIMEOUT,
    PlatformProcess,
    Producers,
    Receiver,
    TwoSellers,
    key,
    new_partner,
    start_platform,
    subscribe,
)
from tests.support.services import service_database


@pytest.fixture(scope="package")
def issuer() -> LocalIssuer:
    return LocalIssuer()


@pytest.fixture(scope="package")
def producers(kafka_bootstrap_servers: str) -> Iterator[Producers]:
    running = Producers(kafka_bootstrap_servers)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="package")
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="package")
def two_sellers(
    platform: PlatformProcess, issuer: LocalIssuer, producers: Producers, receiver: Receiver
) -> TwoSellers:
    s1, s2 = str(uuid.uuid4()), str(uuid.uuid4())
    a, b = new_partner(issuer), new_partner(issuer)
    carrier = new_partner(issuer, "carrier", "logistics:tracking")
    for partner in (a, b):
        subscribe(platform, partner, *ORDER_TYPES, *SHIPMENT_TYPES)
    subscribe(platform, carrier, *SHIPMENT_TYPES)
    producers.grant(a, s1, "orders:read", "logistics:read")
    producers.grant(b, s2, "orders:read", "logistics:read")
    endpoint = platform.webhooks.RegisterEndpoint(
        pb.RegisterEndpointRequest(
            idempotency_key=key(), url=receiver.url("isolation-a"), types=list(ORDER_TYPES)
        ),
        metadata=a.metadata,
        timeout=TIMEOUT,
    )
    receiver.secrets["isolation-a"] = [endpoint.secret]
    s1_events: list[EventEnvelope] = []
    s2_events: list[EventEnvelope] = []
    for _ in range(ORDERS_PER_SELLER):
        s1_events += producers.order(s1)
        s2_events += producers.order(s2)
    s1_events += producers.shipment(s1, carrier.app_id)
    s2_events += producers.shipment(s2, carrier.app_id)
    producers.flush()
    return TwoSellers(s1, s2, a, b, carrier, s1_events, s2_events, endpoint.endpoint.endpoint_id)


@pytest.fixture(scope="package")
def platform(
    issuer: LocalIssuer,
    kafka_bootstrap_servers: str,
    postgres_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[PlatformProcess]:
    folder = tmp_path_factory.mktemp("platform")
    with service_database("postgresql", postgres_url, folder, "platform") as url:
        running = start_platform(
            url,
            kafka_bootstrap_servers,
            issuer,
            folder,
            PLATFORM_WEBHOOK_DISABLE_AFTER="12",
        )
        try:
            yield running
        finally:
            assert running.stop() == 0, running.logs()[-3000:]
