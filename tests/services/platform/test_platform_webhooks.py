"""Webhooks from the platform's real process to real HTTP receivers that verify every signature
with the `standardwebhooks` library: delivery in order per aggregate after an outage (each
attempt logged), failure after the last attempt and redelivery, disabling and enabling, secret
rotation with two signatures, isolation, and a SIGKILL mid-delivery."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from mercato.platform.v1 import events_pb2 as platform_events
from mercato.platform.v1 import platform_pb2 as pb
from mercato_kit.events import EventEnvelope, topic_for
from mercato_kit.testing import LocalIssuer
from tests.services.platform._support import (
    ORDER_TYPES,
    TIMEOUT,
    Partner,
    PlatformProcess,
    Producers,
    Receiver,
    key,
    new_partner,
    operator_metadata,
    start_platform,
    subscribe,
    wait_for,
)
from tests.support.services import envelopes_on, service_database

pytestmark = pytest.mark.infra


def register(
    platform: PlatformProcess, partner: Partner, receiver: Receiver, name: str
) -> pb.Endpoint:
    answer = platform.webhooks.RegisterEndpoint(
        pb.RegisterEndpointRequest(
            idempotency_key=key(), url=receiver.url(name), types=list(ORDER_TYPES)
        ),
        metadata=partner.metadata,
        timeout=TIMEOUT,
    )
    assert answer.secret.startswith("whsec_")
    receiver.secrets[name] = [answer.secret]
    return answer.endpoint


def seller_app(
    platform: PlatformProcess, issuer: LocalIssuer, producers: Producers
) -> tuple[str, Partner]:
    seller, app = str(uuid.uuid4()), new_partner(issuer)
    subscribe(platform, app, *ORDER_TYPES)
    producers.grant(app, seller, "orders:read")
    return seller, app


def attempts(platform: PlatformProcess, app: Partner, endpoint_id: str, **query: object) -> list:
    return list(
        platform.webhooks.ListDeliveries(
            pb.ListDeliveriesRequest(endpoint_id=endpoint_id, limit=1000, **query),
            metadata=app.metadata,
            timeout=TIMEOUT,
        ).attempts
    )


def in_order_per_subject(deliveries: list, published: list[EventEnvelope]) -> dict[str, list[str]]:
    """Per aggregate: the event ids in the order they were first received."""
    seen: dict[str, list[str]] = {}
    for delivery in deliveries:
        ids = seen.setdefault(delivery.subject, [])
        if delivery.webhook_id not in ids:
            ids.append(delivery.webhook_id)
    expected: dict[str, list[str]] = {}
    for envelope in published:
        expected.setdefault(envelope.aggregate_id, []).append(envelope.event_id)
    assert seen == expected
    return seen


def test_a_receiver_down_for_a_while_gets_every_message_in_order_each_attempt_logged(
    platform: PlatformProcess, issuer: LocalIssuer, producers: Producers, receiver: Receiver
) -> None:
    seller, app = seller_app(platform, issuer, producers)
    endpoint = register(platform, app, receiver, "outage")
    receiver.status["outage"] = 503
    published = [e for _ in range(4) for e in producers.order(seller)]
    producers.flush()
    wait_for(
        lambda: any(a.status_code == 503 for a in attempts(platform, app, endpoint.endpoint_id)),
        timeout=60,
    )

    receiver.status["outage"] = 200
    wait_for(lambda: len({d.webhook_id for d in receiver.of("outage")}) == 12, timeout=90)

    in_order_per_subject(receiver.of("outage"), published)
    log = attempts(platform, app, endpoint.endpoint_id)
    delivered = {a.message_id for a in log if a.status_code == 204}
    assert delivered == {e.event_id for e in published}
    failed = [a for a in log if a.status_code == 503]
    assert failed
    assert all("maintenance" in a.excerpt for a in failed)
    assert all(a.latency_ms >= 0 and a.at.seconds > 0 for a in log)
    assert receiver.rejected == []


def test_an_endpoint_receives_only_its_sellers_events(
    platform: PlatformProcess, issuer: LocalIssuer, producers: Producers, receiver: Receiver
) -> None:
    seller, app = seller_app(platform, issuer, producers)
    other = str(uuid.uuid4())
    register(platform, app, receiver, "isolated")
    mine = [e for _ in range(20) for e in producers.order(seller)]
    theirs = [e for _ in range(20) for e in producers.order(other)]
    producers.flush()
    wait_for(lambda: len(receiver.of("isolated")) >= len(mine), timeout=90)
    got = {d.webhook_id for d in receiver.of("isolated")}
    assert got == {e.event_id for e in mine}
    assert not got & {e.event_id for e in theirs}
    placed = [d for d in receiver.of("isolated") if d.type.endswith("OrderPlaced")]
    assert all(d.body["data"]["shippingAddress"]["city"] == "Hangzhou" for d in placed)


def test_a_message_that_fails_every_attempt_is_failed_then_redelivered_on_request(
    platform: PlatformProcess,
    issuer: LocalIssuer,
    producers: Producers,
    receiver: Receiver,
    kafka_bootstrap_servers: str,
) -> None:
    seller, app = seller_app(platform, issuer, producers)
    endpoint = register(platform, app, receiver, "broken")
    receiver.status["broken"] = 500
    [placed] = producers.order(seller, steps=1)
    producers.flush()

    operator = operator_metadata(issuer)

    def failing() -> list:
        return [
            a
            for a in platform.operations.ListFailingDeliveries(
                pb.ListFailingDeliveriesRequest(limit=1000), metadata=operator, timeout=TIMEOUT
            ).attempts
            if a.endpoint_id == endpoint.endpoint_id
        ]

    wait_for(lambda: len(failing()) == 1, timeout=60)
    [last] = failing()
    assert last.message_id == placed.event_id
    assert last.message_status == pb.DELIVERY_STATUS_FAILED
    assert last.attempt == 7  # at once, then the six delays of the test schedule
    events = envelopes_on(
        kafka_bootstrap_servers, topic_for("platform.webhook"), endpoint.endpoint_id, 2
    )
    failed = [e for e in events if e.event_type.endswith("WebhookDeliveryFailed")]
    assert failed
    assert failed[0].unpack(platform_events.WebhookDeliveryFailed).message_id == placed.event_id

    receiver.status["broken"] = 200
    redone = platform.webhooks.Redeliver(
        pb.RedeliverRequest(
            idempotency_key=key(), endpoint_id=endpoint.endpoint_id, message_id=placed.event_id
        ),
        metadata=app.metadata,
        timeout=TIMEOUT,
    )
    assert redone.messages == 1
    wait_for(lambda: len(receiver.of("broken")) == 1, timeout=60)
    assert receiver.of("broken")[0].webhook_id == placed.event_id


def test_an_endpoint_failing_for_too_long_is_disabled_with_a_reason_and_can_be_enabled(
    platform: PlatformProcess, issuer: LocalIssuer, producers: Producers, receiver: Receiver
) -> None:
    seller, app = seller_app(platform, issuer, producers)
    endpoint = register(platform, app, receiver, "dead")
    receiver.status["dead"] = 502
    producers.order(seller)
    producers.flush()

    def current() -> pb.Endpoint:
        return platform.webhooks.GetEndpoint(
            pb.GetEndpointRequest(endpoint_id=endpoint.endpoint_id),
            metadata=app.metadata,
            timeout=TIMEOUT,
        ).endpoint

    wait_for(lambda: current().status == pb.ENDPOINT_STATUS_DISABLED, timeout=90)
    disabled = current()
    assert "every delivery failed since" in disabled.disabled_reason
    assert "HTTP 502" in disabled.disabled_reason
    assert disabled.pending + disabled.failed >= 1

    receiver.status["dead"] = 200
    enabled = platform.webhooks.EnableEndpoint(
        pb.EnableEndpointRequest(idempotency_key=key(), endpoint_id=endpoint.endpoint_id),
        metadata=app.metadata,
        timeout=TIMEOUT,
    ).endpoint
    assert enabled.status == pb.ENDPOINT_STATUS_ENABLED
    since, until = Timestamp(), Timestamp()
    since.FromDatetime(datetime.now(UTC) - timedelta(hours=1))
    until.FromDatetime(datetime.now(UTC) + timedelta(hours=1))
    platform.webhooks.Redeliver(
        pb.RedeliverRequest(
            idempotency_key=key(),
            endpoint_id=endpoint.endpoint_id,
            range=pb.TimeRange(from_time=since, to_time=until),
        ),
        metadata=app.metadata,
        timeout=TIMEOUT,
    )
    wait_for(lambda: len({d.webhook_id for d in receiver.of("dead")}) == 3, timeout=60)


def test_a_rotated_secret_signs_beside_the_old_one_during_the_overlap(
    platform: PlatformProcess, issuer: LocalIssuer, producers: Producers, receiver: Receiver
) -> None:
    seller, app = seller_app(platform, issuer, producers)
    endpoint = register(platform, app, receiver, "rotating")
    old = receiver.secrets["rotating"]
    rotated = platform.webhooks.RotateEndpointSecret(
        pb.RotateEndpointSecretRequest(
            idempotency_key=key(), endpoint_id=endpoint.endpoint_id, overlap_seconds=3600
        ),
        metadata=app.metadata,
        timeout=TIMEOUT,
    )
    assert rotated.secret.startswith("whsec_")
    assert [rotated.secret] != old
    receiver.secrets["rotating"] = [rotated.secret]  # the receiver knows only the new one
    producers.order(seller, steps=1)
    producers.flush()

    wait_for(lambda: len(receiver.of("rotating")) == 1, timeout=60)
    assert receiver.of("rotating")[0].signatures == 2
    assert rotated.secret not in platform.logs()
    assert old[0] not in platform.logs()


def test_endpoints_are_their_apps_own_and_operators_see_them_all(
    platform: PlatformProcess, issuer: LocalIssuer, receiver: Receiver
) -> None:
    app, other = new_partner(issuer), new_partner(issuer)
    endpoint = register(platform, app, receiver, "owned")

    with pytest.raises(grpc.RpcError) as hidden:
        platform.webhooks.GetEndpoint(
            pb.GetEndpointRequest(endpoint_id=endpoint.endpoint_id),
            metadata=other.metadata,
            timeout=TIMEOUT,
        )
    assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
    listed = platform.webhooks.ListEndpoints(
        pb.ListEndpointsRequest(), metadata=app.metadata, timeout=TIMEOUT
    ).endpoints
    assert [e.endpoint_id for e in listed] == [endpoint.endpoint_id]
    everyone = platform.operations.ListAllEndpoints(
        pb.ListAllEndpointsRequest(), metadata=operator_metadata(issuer), timeout=TIMEOUT
    ).endpoints
    assert endpoint.endpoint_id in {e.endpoint_id for e in everyone}
    platform.webhooks.DeleteEndpoint(
        pb.DeleteEndpointRequest(idempotency_key=key(), endpoint_id=endpoint.endpoint_id),
        metadata=app.metadata,
        timeout=TIMEOUT,
    )
    assert not platform.webhooks.ListEndpoints(
        pb.ListEndpointsRequest(), metadata=app.metadata, timeout=TIMEOUT
    ).endpoints


def test_a_sigkill_mid_delivery_loses_nothing_and_repeats_only_with_the_same_webhook_id(
    issuer: LocalIssuer,
    producers: Producers,
    kafka_bootstrap_servers: str,
    postgres_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    folder = tmp_path_factory.mktemp("platform-kill")
    receiver = Receiver().start()
    try:
        with service_database("postgresql", postgres_url, folder, "platformkill") as url:
            first = start_platform(url, kafka_bootstrap_servers, issuer, folder)
            try:
                seller, app = seller_app(first, issuer, producers)
                register(first, app, receiver, "slow")
                receiver.delay["slow"] = 0.3
                published = [e for _ in range(10) for e in producers.order(seller)]
                producers.flush()
                wait_for(lambda: len(receiver.of("slow")) >= 5, timeout=90)
            finally:
                first.process.kill()
                first.process.wait(timeout=30)
                first.channel.close()
            assert len({d.webhook_id for d in receiver.of("slow")}) < len(published)
            second = start_platform(
                url, kafka_bootstrap_servers, issuer, folder, group_prefix=first.group_prefix
            )
            try:
                receiver.delay["slow"] = 0.0
                wanted = {e.event_id for e in published}
                wait_for(lambda: {d.webhook_id for d in receiver.of("slow")} >= wanted, timeout=120)
            finally:
                assert second.stop() == 0, second.logs()[-3000:]
        deliveries = receiver.of("slow")
        assert {d.webhook_id for d in deliveries} == wanted
        in_order_per_subject(deliveries, published)
        assert receiver.rejected == []
    finally:
        receiver.close()
