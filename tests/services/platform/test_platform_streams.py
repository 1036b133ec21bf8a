"""The platform as a real process: the feed, gRPC streams (isolation, resume, rewind,
heartbeats, revocation), subscriptions, authentication, bad input and rate limits.

The producing services are stood in for by envelopes published straight to their topics, as
they would publish them; identity's grants likewise (its revocation follower and the grants
projection read them from Kafka like identity's own). tests/e2e/test_platform_revocation.py
does it with the real identity.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from mercato.platform.v1 import platform_pb2 as pb
from mercato_kit.testing import LocalIssuer
from tests.services.platform._support import (
    ORDER_TYPES,
    TIMEOUT,
    PlatformProcess,
    Producers,
    Received,
    Receiver,
    TwoSellers,
    key,
    new_partner,
    operator_metadata,
    read_stream,
    subscribe,
    wait_for,
)

pytestmark = pytest.mark.infra


def from_beginning(*types: str, heartbeat: int = 0) -> pb.StreamEventsRequest:
    return pb.StreamEventsRequest(types=types, from_beginning=True, heartbeat_seconds=heartbeat)


def test_an_app_receives_exactly_its_sellers_events_over_grpc(
    platform: PlatformProcess, two_sellers: TwoSellers
) -> None:
    world = two_sellers
    wanted = world.s1_ids

    received = read_stream(
        platform,
        world.a,
        from_beginning(),
        until=lambda r: wanted <= set(r.ids),
        timeout=180,
    )

    assert received.error is None, received.error
    assert wanted <= set(received.ids)
    assert not world.s2_ids & set(received.ids)
    assert len(received.ids) == len(set(received.ids))
    sellers = {d["data"].get("sellerId") for d in received.data() if "sellerId" in d["data"]}
    assert sellers == {world.s1}


def test_an_app_receives_exactly_its_sellers_events_over_a_webhook(
    two_sellers: TwoSellers, receiver: Receiver
) -> None:
    world = two_sellers
    orders = {e.event_id for e in world.s1_events if "orders" in e.event_type}

    wait_for(lambda: {d.webhook_id for d in receiver.of("isolation-a")} >= orders, timeout=180)

    got = {d.webhook_id for d in receiver.of("isolation-a")}
    assert got == orders
    assert not got & world.s2_ids
    assert receiver.rejected == []


def test_the_partner_format_is_a_cloud_event_without_secrets(
    platform: PlatformProcess, two_sellers: TwoSellers
) -> None:
    world = two_sellers
    placed = next(e for e in world.s1_events if e.event_type.endswith("OrderPlaced"))

    received = read_stream(
        platform,
        world.a,
        from_beginning("mercato.orders.v1.OrderPlaced"),
        until=lambda r: placed.event_id in r.ids,
    )
    event = received.events[received.ids.index(placed.event_id)]
    cloud = json.loads(event.cloud_event)

    assert cloud["specversion"] == "1.0"
    assert cloud["id"] == placed.event_id == event.id
    assert cloud["source"] == "/mercato/orders"
    assert cloud["type"] == "mercato.orders.v1.OrderPlaced" == event.type
    assert cloud["subject"] == placed.aggregate_id == event.subject
    assert cloud["datacontenttype"] == "application/json"
    assert cloud["mercatocursor"] == event.cursor
    assert cloud["data"]["sellerId"] == world.s1
    assert cloud["data"]["shippingAddress"]["city"] == "Hangzhou"  # the seller's own app
    assert "attributionToken" not in cloud["data"]
    assert "secret-attribution-token" not in event.cloud_event


def test_the_carrier_sees_its_parcels_with_the_address_and_nothing_else(
    platform: PlatformProcess, two_sellers: TwoSellers
) -> None:
    world = two_sellers
    shipments = [e for e in world.s1_events + world.s2_events if "logistics" in e.event_type]

    received = read_stream(
        platform,
        world.carrier,
        from_beginning(),
        until=lambda r: {e.event_id for e in shipments} <= set(r.ids),
    )

    assert {e.event_id for e in shipments} <= set(received.ids)
    assert not (world.s1_ids | world.s2_ids) - {e.event_id for e in shipments} & set(received.ids)
    created = [d for d in received.data() if d["type"].endswith("ShipmentCreated")]
    assert all(d["data"]["destination"]["city"] == "Hangzhou" for d in created)


def test_a_stream_resumes_from_a_cursor_with_no_gap_and_no_duplicate(
    platform: PlatformProcess, two_sellers: TwoSellers
) -> None:
    world = two_sellers
    wanted = world.s1_ids
    first = read_stream(platform, world.a, from_beginning(), until=lambda r: len(r.events) >= 700)
    cursor = first.events[-1].cursor

    rest = read_stream(
        platform,
        world.a,
        pb.StreamEventsRequest(cursor=cursor),
        until=lambda r: wanted <= set(first.ids) | set(r.ids),
        timeout=120,
    )

    together = first.ids + rest.ids
    assert len(together) == len(set(together))
    assert wanted <= set(together)
    everything = read_stream(
        platform, world.a, from_beginning(), until=lambda r: wanted <= set(r.ids), timeout=120
    )
    assert together == everything.ids[: len(together)]


def test_a_stream_rewinds_by_time(
    platform: PlatformProcess, issuer: LocalIssuer, producers: Producers
) -> None:
    seller, app = str(uuid.uuid4()), new_partner(issuer)
    subscribe(platform, app, *ORDER_TYPES)
    producers.grant(app, seller, "orders:read")
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    events = producers.order(seller, times=[base + timedelta(hours=hour) for hour in range(3)])
    producers.flush()
    everything = read_stream(platform, app, from_beginning(), until=lambda r: len(r.events) == 3)
    assert everything.ids == [e.event_id for e in events]
    since = Timestamp()
    since.FromDatetime(base + timedelta(hours=1))

    rewound = read_stream(
        platform, app, pb.StreamEventsRequest(from_time=since), until=lambda r: len(r.events) == 2
    )

    assert rewound.ids == [e.event_id for e in events[1:]]


def test_an_idle_stream_sends_heartbeats_with_the_position_reached(
    platform: PlatformProcess, issuer: LocalIssuer
) -> None:
    app = new_partner(issuer)
    subscribe(platform, app, *ORDER_TYPES)

    received = read_stream(
        platform,
        app,
        from_beginning(heartbeat=1),
        until=lambda r: len(r.heartbeats) >= 2,
        timeout=60,
    )

    assert received.events == []
    assert received.heartbeats[-1].cursor
    resumed = read_stream(
        platform,
        app,
        pb.StreamEventsRequest(cursor=received.heartbeats[-1].cursor, heartbeat_seconds=1),
        until=lambda r: len(r.heartbeats) >= 1,
    )
    assert resumed.error is None


def test_a_new_grant_reaches_an_open_stream_and_a_revocation_ends_it_at_once(
    platform: PlatformProcess, issuer: LocalIssuer, producers: Producers
) -> None:
    seller, app = str(uuid.uuid4()), new_partner(issuer)
    subscribe(platform, app, *ORDER_TYPES)
    holder: dict[str, Received] = {}
    placed = threading.Event()

    def listen() -> None:
        def until(r: Received) -> bool:
            if r.events:
                placed.set()
            return False

        holder["r"] = read_stream(
            platform, app, pb.StreamEventsRequest(heartbeat_seconds=1), until=until, timeout=90
        )

    reader = threading.Thread(target=listen)
    reader.start()
    time.sleep(1.0)  # the stream is open and live
    grant = producers.grant(app, seller, "orders:read")
    deadline = time.monotonic() + 60
    while not placed.is_set() and time.monotonic() < deadline:
        producers.order(seller, steps=1)
        producers.flush()
        placed.wait(2)
    assert placed.is_set(), "the new grant never reached the open stream"

    producers.revoke(grant, app, seller)
    revoked_at = time.monotonic()
    reader.join(timeout=60)

    received = holder["r"]
    assert received.error is not None
    assert received.error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "revoked" in received.error.details()
    assert received.ended_at is not None
    print(f"stream ended {1000 * (received.ended_at - revoked_at):.0f} ms after AccessRevoked")
    later = producers.order(seller, steps=1)
    producers.flush()
    after = read_stream(
        platform, app, from_beginning(heartbeat=1), until=lambda r: len(r.heartbeats) >= 2
    )
    assert later[0].event_id not in after.ids
    assert after.ids == []  # the revoked seller's earlier events are not shown either


def test_forged_expired_and_revoked_tokens_are_refused(
    platform: PlatformProcess, issuer: LocalIssuer, producers: Producers
) -> None:
    app = new_partner(issuer)
    forged = LocalIssuer().token(
        subject=app.app_id, kind="app", roles=["vendor_app"], scopes=["events:subscribe"]
    )
    expired = app.token(ttl=timedelta(seconds=-60))
    grant_id = str(uuid.uuid4())
    revoked = app.token(grant_id=grant_id)
    request = pb.ListSubscriptionsRequest()
    assert platform.subscriptions.ListSubscriptions(
        request, metadata=[("authorization", f"Bearer {revoked}")]
    )
    producers.revoke(grant_id, app, str(uuid.uuid4()))

    def code(token: str) -> grpc.StatusCode:
        try:
            platform.subscriptions.ListSubscriptions(
                request, metadata=[("authorization", f"Bearer {token}")], timeout=TIMEOUT
            )
        except grpc.RpcError as error:
            return error.code()
        return grpc.StatusCode.OK

    assert code(forged) == grpc.StatusCode.UNAUTHENTICATED
    assert code(expired) == grpc.StatusCode.UNAUTHENTICATED
    wait_for(lambda: code(revoked) == grpc.StatusCode.UNAUTHENTICATED, timeout=30)
    stream = platform.streams.StreamEvents(
        pb.StreamEventsRequest(), metadata=[("authorization", f"Bearer {forged}")], timeout=10
    )
    with pytest.raises(grpc.RpcError) as refused:
        next(iter(stream))
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    buyer = issuer.metadata(subject=str(uuid.uuid4()), roles=["buyer"], scopes=["orders:read"])
    with pytest.raises(grpc.RpcError) as denied:
        platform.subscriptions.ListSubscriptions(request, metadata=buyer, timeout=TIMEOUT)
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED


def _answer(call: object, request: object, metadata: object) -> object:
    answer = call(request, metadata=metadata, timeout=TIMEOUT)  # type: ignore[operator]
    return next(answer) if hasattr(answer, "__next__") else answer


def invalid_field(call: object, request: object, metadata: object) -> str:
    with pytest.raises(grpc.RpcError) as refused:
        _answer(call, request, metadata)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT, refused.value.details()
    return refused.value.details().split(":", 1)[0]


def test_bad_input_to_every_rpc_is_invalid_argument_naming_the_field(
    platform: PlatformProcess, issuer: LocalIssuer
) -> None:
    app = new_partner(issuer)
    operator = operator_metadata(issuer)
    endpoint = "not-a-uuid"
    streams, subs, hooks, ops = (
        platform.streams,
        platform.subscriptions,
        platform.webhooks,
        platform.operations,
    )
    cases = [
        (streams.StreamEvents, pb.StreamEventsRequest(cursor="garbage"), "cursor"),
        (streams.StreamEvents, pb.StreamEventsRequest(types=["nope"]), "types[0]"),
        (streams.StreamEvents, pb.StreamEventsRequest(heartbeat_seconds=301), "heartbeat_seconds"),
        (subs.Subscribe, pb.SubscribeRequest(types=[ORDER_TYPES[0]]), "idempotency_key"),
        (subs.Subscribe, pb.SubscribeRequest(idempotency_key=key()), "types"),
        (subs.Subscribe, pb.SubscribeRequest(idempotency_key=key(), types=["x"]), "types[0]"),
        (subs.Unsubscribe, pb.UnsubscribeRequest(idempotency_key=key()), "types"),
        (
            hooks.RegisterEndpoint,
            pb.RegisterEndpointRequest(idempotency_key=key(), url="ftp://x", types=ORDER_TYPES[:1]),
            "url",
        ),
        (
            hooks.RegisterEndpoint,
            pb.RegisterEndpointRequest(idempotency_key=key(), url="https://example.com/h"),
            "types",
        ),
        (
            hooks.RotateEndpointSecret,
            pb.RotateEndpointSecretRequest(idempotency_key=key(), endpoint_id=endpoint),
            "endpoint_id",
        ),
        (hooks.GetEndpoint, pb.GetEndpointRequest(endpoint_id=endpoint), "endpoint_id"),
        (
            hooks.EnableEndpoint,
            pb.EnableEndpointRequest(idempotency_key=key(), endpoint_id=endpoint),
            "endpoint_id",
        ),
        (
            hooks.DeleteEndpoint,
            pb.DeleteEndpointRequest(idempotency_key=key(), endpoint_id=endpoint),
            "endpoint_id",
        ),
        (
            hooks.ListDeliveries,
            pb.ListDeliveriesRequest(endpoint_id=str(uuid.uuid4()), limit=5000),
            "limit",
        ),
        (
            hooks.Redeliver,
            pb.RedeliverRequest(idempotency_key=key(), endpoint_id=str(uuid.uuid4())),
            "what",
        ),
    ]
    for call, request, field in cases:
        assert invalid_field(call, request, app.metadata) == field, (request, field)
    assert (
        invalid_field(
            ops.ListFailingDeliveries, pb.ListFailingDeliveriesRequest(limit=5000), operator
        )
        == "limit"
    )
    assert (
        invalid_field(
            ops.Redrive, pb.RedriveRequest(idempotency_key=key(), endpoint_id=endpoint), operator
        )
        == "endpoint_id"
    )


def test_an_app_over_its_rate_is_told_when_to_come_back(
    platform: PlatformProcess, issuer: LocalIssuer
) -> None:
    app = new_partner(issuer)
    metadata = app.metadata
    refused: grpc.RpcError | None = None
    for _ in range(300):
        try:
            platform.subscriptions.ListSubscriptions(
                pb.ListSubscriptionsRequest(), metadata=metadata, timeout=TIMEOUT
            )
        except grpc.RpcError as error:
            refused = error
            break

    assert refused is not None
    assert refused.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    trailers = dict(refused.trailing_metadata() or ())
    assert 0 < float(trailers["retry-after"]) <= 1
    other = new_partner(issuer)
    assert platform.subscriptions.ListSubscriptions(
        pb.ListSubscriptionsRequest(), metadata=other.metadata, timeout=TIMEOUT
    )


def test_subscriptions_are_idempotent_and_operators_see_them(
    platform: PlatformProcess, issuer: LocalIssuer
) -> None:
    app = new_partner(issuer)
    request = pb.SubscribeRequest(idempotency_key=key(), types=[ORDER_TYPES[0], ORDER_TYPES[1]])
    first = platform.subscriptions.Subscribe(request, metadata=app.metadata, timeout=TIMEOUT)
    again = platform.subscriptions.Subscribe(request, metadata=app.metadata, timeout=TIMEOUT)
    platform.subscriptions.Unsubscribe(
        pb.UnsubscribeRequest(idempotency_key=key(), types=[ORDER_TYPES[1]]),
        metadata=app.metadata,
        timeout=TIMEOUT,
    )

    assert first == again
    listed = platform.subscriptions.ListSubscriptions(
        pb.ListSubscriptionsRequest(), metadata=app.metadata, timeout=TIMEOUT
    ).subscriptions
    assert [list(s.types) for s in listed] == [[ORDER_TYPES[0]]]
    everyone = platform.operations.ListAllSubscriptions(
        pb.ListAllSubscriptionsRequest(), metadata=operator_metadata(issuer), timeout=TIMEOUT
    ).subscriptions
    assert any(s.app_id == app.app_id for s in everyone)
    types = platform.subscriptions.ListEventTypes(pb.ListEventTypesRequest(), timeout=TIMEOUT)
    assert {t.type for t in types.types} >= set(ORDER_TYPES)
    with pytest.raises(grpc.RpcError) as denied:
        platform.operations.ListAllSubscriptions(
            pb.ListAllSubscriptionsRequest(), metadata=app.metadata, timeout=TIMEOUT
        )
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
