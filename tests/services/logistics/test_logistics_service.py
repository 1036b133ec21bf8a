"""The logistics service as a real process on PostgreSQL and Kafka, driven over gRPC.

Callers authenticate with tokens from an issuer the service trusts (AUTH_TRUSTED_KEYS): the
orders service with scope logistics:ship, carriers as apps with role carrier.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import grpc
import pytest
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from mercato.common.v1.money_pb2 import Money
from mercato.logistics.v1 import events_pb2
from mercato.logistics.v1 import shipment_pb2 as pb
from mercato_kit.settings import SettingsError, load_settings
from mercato_logistics.application import shipment_id_for
from mercato_logistics.settings import LogisticsSettings
from tests.services.logistics._support import (
    CARRIER,
    HEAVY,
    OTHER,
    Callers,
    RunningLogistics,
    cancel_request,
    create_request,
    delivered,
    dispatched,
    events_of,
    in_transit,
    lost,
    service_settings,
)

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def service(postgresql_service: RunningLogistics) -> RunningLogistics:
    return postgresql_service


def create(service: RunningLogistics, callers: Callers, **options: object) -> pb.Shipment:
    request = create_request(**options)  # type: ignore[arg-type]
    return service.stub.CreateShipment(request, metadata=callers.orders()).shipment


def get(service: RunningLogistics, callers: Callers, shipment_id: str) -> pb.Shipment:
    request = pb.GetShipmentRequest(shipment_id=shipment_id)
    return service.stub.GetShipment(request, metadata=callers.orders()).shipment


def refused(call: object, *args: object, **kwargs: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as error:
        call(*args, **kwargs)  # type: ignore[operator]
    return error.value


def test_an_order_gets_one_shipment_handed_to_the_carrier_the_rules_choose(
    service: RunningLogistics, callers: Callers
) -> None:
    request = create_request()

    first = service.stub.CreateShipment(request, metadata=callers.orders())
    again = service.stub.CreateShipment(request, metadata=callers.orders())
    other_key = pb.CreateShipmentRequest()
    other_key.CopyFrom(request)
    other_key.idempotency_key = "a-different-key"
    duplicate = refused(service.stub.CreateShipment, other_key, metadata=callers.orders())
    heavy = create(service, callers, weight_grams=45000)
    japan = create(service, callers, region="JP-13")

    assert again == first
    shipment = first.shipment
    assert shipment.shipment_id == shipment_id_for(request.order_id)
    assert (shipment.carrier_id, shipment.status, shipment.version) == (
        CARRIER,
        pb.SHIPMENT_STATUS_CREATED,
        1,
    )
    assert duplicate.code() == grpc.StatusCode.ALREADY_EXISTS
    assert shipment.shipment_id in duplicate.details()
    assert get(service, callers, shipment.shipment_id) == shipment
    assert (heavy.carrier_id, japan.carrier_id) == (HEAVY, OTHER)


def test_a_destination_no_rule_serves_is_refused_and_creates_nothing(
    service: RunningLogistics, callers: Callers
) -> None:
    request = create_request(region="FR-75")

    error = refused(service.stub.CreateShipment, request, metadata=callers.orders())
    missing = refused(get, service, callers, shipment_id_for(request.order_id))

    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "no carrier serves region FR-75" in error.details()
    assert missing.code() == grpc.StatusCode.NOT_FOUND


def test_the_carrier_moves_its_shipment_to_delivered_and_each_event_reaches_kafka_in_order(
    service: RunningLogistics, callers: Callers, kafka_bootstrap_servers: str
) -> None:
    correlation_id = str(uuid.uuid4())
    shipment = create(service, callers)
    sid, carrier = shipment.shipment_id, callers.carrier(CARRIER)

    service.stub.PostTrackingUpdate(
        dispatched(sid, number="SF100200300"),
        metadata=[*carrier, ("x-correlation-id", correlation_id)],
    )
    service.stub.PostTrackingUpdate(in_transit(sid, "Shanghai hub"), metadata=carrier)
    service.stub.PostTrackingUpdate(in_transit(sid, "Hangzhou hub"), metadata=carrier)
    done = service.stub.PostTrackingUpdate(delivered(sid), metadata=carrier).shipment

    assert done == get(service, callers, sid)
    assert (done.status, done.tracking_number, done.version) == (
        pb.SHIPMENT_STATUS_DELIVERED,
        "SF100200300",
        5,
    )
    assert [(step.status, step.location) for step in done.tracking] == [
        (pb.SHIPMENT_STATUS_CREATED, ""),
        (pb.SHIPMENT_STATUS_DISPATCHED, "Hangzhou"),
        (pb.SHIPMENT_STATUS_IN_TRANSIT, "Shanghai hub"),
        (pb.SHIPMENT_STATUS_IN_TRANSIT, "Hangzhou hub"),
        (pb.SHIPMENT_STATUS_DELIVERED, "CN-ZJ"),
    ]
    events = events_of(kafka_bootstrap_servers, sid, 5)
    assert [(e.event_type.rsplit(".", 1)[1], e.aggregate_version) for e in events] == [
        ("ShipmentCreated", 1),
        ("ShipmentDispatched", 2),
        ("ShipmentInTransit", 3),
        ("ShipmentInTransit", 4),
        ("ShipmentDelivered", 5),
    ]
    assert {(e.aggregate_type, e.producer) for e in events} == {("logistics.shipment", "logistics")}
    assert events[1].correlation_id == correlation_id
    sent = events[1].unpack(events_pb2.ShipmentDispatched)
    assert (sent.order_id, sent.carrier_id, sent.tracking_number) == (
        shipment.order_id,
        CARRIER,
        "SF100200300",
    )
    created = events[0].unpack(events_pb2.ShipmentCreated)
    assert (created.carrier_id, created.destination.region) == (CARRIER, "CN-ZJ")


def test_a_lost_parcel_ends_its_shipment(
    service: RunningLogistics, callers: Callers, kafka_bootstrap_servers: str
) -> None:
    sid, carrier = create(service, callers).shipment_id, callers.carrier(CARRIER)
    service.stub.PostTrackingUpdate(dispatched(sid), metadata=carrier)

    gone = service.stub.PostTrackingUpdate(lost(sid), metadata=carrier).shipment
    late = refused(service.stub.PostTrackingUpdate, delivered(sid), metadata=carrier)

    assert (gone.status, gone.tracking[-1].note) == (
        pb.SHIPMENT_STATUS_LOST,
        "damaged beyond recognition",
    )
    assert late.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert late.details() == f"shipment {sid} is lost; it cannot be delivered"
    assert [e.event_type for e in events_of(kafka_bootstrap_servers, sid, 3)][-1] == (
        "mercato.logistics.v1.ShipmentLost"
    )


def test_the_orders_service_cancels_a_shipment_before_pick_up_once_and_the_carrier_stops(
    service: RunningLogistics, callers: Callers, kafka_bootstrap_servers: str
) -> None:
    shipment = create(service, callers)
    sid, carrier = shipment.shipment_id, callers.carrier(CARRIER)
    request = cancel_request(shipment.order_id, reason="payment refunded")

    first = service.stub.CancelShipment(request, metadata=callers.orders())
    again = service.stub.CancelShipment(request, metadata=callers.orders())
    another_key = service.stub.CancelShipment(
        cancel_request(shipment.order_id, reason="asked twice"), metadata=callers.orders()
    )
    pick_up = refused(service.stub.PostTrackingUpdate, dispatched(sid), metadata=carrier)
    listed = service.stub.ListShipments(pb.ListShipmentsRequest(), metadata=carrier).shipments
    active = service.stub.ListShipments(
        pb.ListShipmentsRequest(statuses=[pb.SHIPMENT_STATUS_CREATED]), metadata=carrier
    ).shipments

    cancelled = first.shipment
    assert again == first
    assert another_key.shipment == cancelled
    assert cancelled == get(service, callers, sid)
    assert (cancelled.status, cancelled.version) == (pb.SHIPMENT_STATUS_CANCELLED, 2)
    assert (cancelled.tracking[-1].status, cancelled.tracking[-1].note) == (
        pb.SHIPMENT_STATUS_CANCELLED,
        "payment refunded",
    )
    assert (pick_up.code(), pick_up.details()) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        f"shipment {sid} is cancelled; it cannot be dispatched",
    )
    assert [s.status for s in listed if s.shipment_id == sid] == [pb.SHIPMENT_STATUS_CANCELLED]
    assert sid not in {s.shipment_id for s in active}
    events = events_of(kafka_bootstrap_servers, sid, 2)
    assert [(e.event_type.rsplit(".", 1)[1], e.aggregate_version) for e in events] == [
        ("ShipmentCreated", 1),
        ("ShipmentCancelled", 2),
    ]
    payload = events[1].unpack(events_pb2.ShipmentCancelled)
    assert (payload.order_id, payload.shipment_id, payload.carrier_id, payload.reason) == (
        shipment.order_id,
        sid,
        CARRIER,
        "payment refunded",
    )
    assert payload.cancelled_at == cancelled.tracking[-1].occurred_at


def test_a_shipment_picked_up_is_not_cancelled_and_an_order_without_one_is_not_found(
    service: RunningLogistics, callers: Callers
) -> None:
    shipment = create(service, callers)
    sid, carrier = shipment.shipment_id, callers.carrier(CARRIER)
    service.stub.PostTrackingUpdate(dispatched(sid), metadata=carrier)
    before = get(service, callers, sid)
    nobody = str(uuid.uuid4())

    late = refused(
        service.stub.CancelShipment, cancel_request(shipment.order_id), metadata=callers.orders()
    )
    unknown = refused(
        service.stub.CancelShipment, cancel_request(nobody), metadata=callers.orders()
    )
    bad = [
        refused(service.stub.CancelShipment, request, metadata=callers.orders())
        for request in (
            cancel_request("order-1"),
            cancel_request(shipment.order_id, reason=""),
            cancel_request(shipment.order_id, reason="r" * 201),
            pb.CancelShipmentRequest(order_id=shipment.order_id, reason="no key"),
        )
    ]

    assert (late.code(), late.details()) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        f"shipment {sid} is dispatched; it cannot be cancelled",
    )
    assert (unknown.code(), unknown.details()) == (
        grpc.StatusCode.NOT_FOUND,
        f"order {nobody} has no shipment",
    )
    assert [(e.code(), e.details().split(":")[0]) for e in bad] == [
        (grpc.StatusCode.INVALID_ARGUMENT, field)
        for field in ("order_id", "reason", "reason", "idempotency_key")
    ]
    assert get(service, callers, sid) == before


@pytest.mark.parametrize(
    ("steps", "update", "status"),
    [
        ([], delivered, "created"),
        ([], in_transit, "created"),
        ([], lost, "created"),
        ([dispatched], dispatched, "dispatched"),
        ([dispatched, delivered], lost, "delivered"),
        ([dispatched, delivered], in_transit, "delivered"),
    ],
)
def test_an_update_the_status_does_not_allow_is_refused_and_changes_nothing(
    service: RunningLogistics,
    callers: Callers,
    steps: list[Callable[[str], pb.PostTrackingUpdateRequest]],
    update: Callable[[str], pb.PostTrackingUpdateRequest],
    status: str,
) -> None:
    sid, carrier = create(service, callers).shipment_id, callers.carrier(CARRIER)
    for step in steps:
        service.stub.PostTrackingUpdate(step(sid), metadata=carrier)
    before = get(service, callers, sid)

    error = refused(service.stub.PostTrackingUpdate, update(sid), metadata=carrier)

    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details().startswith(f"shipment {sid} is {status}; it cannot be")
    assert get(service, callers, sid) == before


def test_another_carrier_can_neither_see_nor_update_a_shipment_nor_tell_it_exists(
    service: RunningLogistics, callers: Callers
) -> None:
    sid = create(service, callers).shipment_id
    nobody = str(uuid.uuid4())
    intruder = callers.carrier(OTHER)
    before = get(service, callers, sid)

    post = refused(service.stub.PostTrackingUpdate, dispatched(sid), metadata=intruder)
    post_missing = refused(service.stub.PostTrackingUpdate, dispatched(nobody), metadata=intruder)
    read = refused(
        service.stub.GetShipment, pb.GetShipmentRequest(shipment_id=sid), metadata=intruder
    )
    listed = service.stub.ListShipments(pb.ListShipmentsRequest(), metadata=intruder)

    assert (post.code(), post.details()) == (
        grpc.StatusCode.NOT_FOUND,
        f"shipment {sid} does not exist",
    )
    assert (post_missing.code(), post_missing.details()) == (
        grpc.StatusCode.NOT_FOUND,
        f"shipment {nobody} does not exist",
    )
    assert read.code() == grpc.StatusCode.NOT_FOUND
    assert sid not in {s.shipment_id for s in listed.shipments}
    assert get(service, callers, sid) == before


def test_callers_without_the_right_credentials_are_refused(
    service: RunningLogistics, callers: Callers
) -> None:
    shipment = create(service, callers)
    sid, order_id = shipment.shipment_id, shipment.order_id
    stub = service.stub
    expired = callers.issuer.metadata(
        subject=CARRIER,
        kind="app",
        roles=["carrier"],
        scopes=["logistics:tracking"],
        ttl=timedelta(seconds=-60),
    )
    carrier_account = callers.issuer.metadata(
        subject=CARRIER, roles=["carrier"], scopes=["logistics:tracking"]
    )
    without_scope = callers.issuer.metadata(subject=CARRIER, kind="app", roles=["carrier"])
    not_a_carrier = callers.issuer.metadata(
        subject=CARRIER, kind="app", roles=["vendor_app"], scopes=["logistics:tracking"]
    )

    cases = {
        "no token": refused(stub.PostTrackingUpdate, dispatched(sid)),
        "expired token": refused(stub.PostTrackingUpdate, dispatched(sid), metadata=expired),
        "a carrier creating": refused(
            stub.CreateShipment, create_request(), metadata=callers.carrier(CARRIER)
        ),
        "a carrier cancelling": refused(
            stub.CancelShipment, cancel_request(order_id), metadata=callers.carrier(CARRIER)
        ),
        "no token cancelling": refused(stub.CancelShipment, cancel_request(order_id)),
        "the orders service tracking": refused(
            stub.PostTrackingUpdate, dispatched(sid), metadata=callers.orders()
        ),
        "an account posing as a carrier": refused(
            stub.PostTrackingUpdate, dispatched(sid), metadata=carrier_account
        ),
        "a carrier without the tracking scope": refused(
            stub.PostTrackingUpdate, dispatched(sid), metadata=without_scope
        ),
        "an app that is not a carrier": refused(
            stub.PostTrackingUpdate, dispatched(sid), metadata=not_a_carrier
        ),
        "a buyer listing": refused(
            stub.ListShipments, pb.ListShipmentsRequest(), metadata=callers.account("b", "buyer")
        ),
    }

    assert {name: error.code() for name, error in cases.items()} == {
        "no token": grpc.StatusCode.UNAUTHENTICATED,
        "expired token": grpc.StatusCode.UNAUTHENTICATED,
        "a carrier creating": grpc.StatusCode.PERMISSION_DENIED,
        "a carrier cancelling": grpc.StatusCode.PERMISSION_DENIED,
        "no token cancelling": grpc.StatusCode.UNAUTHENTICATED,
        "the orders service tracking": grpc.StatusCode.PERMISSION_DENIED,
        "an account posing as a carrier": grpc.StatusCode.PERMISSION_DENIED,
        "a carrier without the tracking scope": grpc.StatusCode.PERMISSION_DENIED,
        "an app that is not a carrier": grpc.StatusCode.PERMISSION_DENIED,
        "a buyer listing": grpc.StatusCode.PERMISSION_DENIED,
    }
    assert get(service, callers, sid).version == 1


def test_the_buyer_and_the_seller_see_the_shipment_and_other_accounts_do_not(
    service: RunningLogistics, callers: Callers
) -> None:
    request = create_request()
    sid = service.stub.CreateShipment(request, metadata=callers.orders()).shipment.shipment_id
    read = pb.GetShipmentRequest(shipment_id=sid)

    as_buyer = service.stub.GetShipment(read, metadata=callers.account(request.buyer_id, "buyer"))
    as_seller = service.stub.GetShipment(
        read, metadata=callers.account(request.seller_id, "seller")
    )
    stranger = refused(
        service.stub.GetShipment, read, metadata=callers.account(str(uuid.uuid4()), "buyer")
    )

    assert as_buyer.shipment.shipment_id == as_seller.shipment.shipment_id == sid
    assert stranger.code() == grpc.StatusCode.NOT_FOUND


def test_a_carriers_idempotency_keys_are_its_own(
    service: RunningLogistics, callers: Callers
) -> None:
    mine = create(service, callers).shipment_id
    theirs = create(service, callers, region="JP-27").shipment_id
    key = f"scan-{uuid.uuid4()}"

    first = service.stub.PostTrackingUpdate(
        dispatched(mine, key=key), metadata=callers.carrier(CARRIER)
    )
    again = service.stub.PostTrackingUpdate(
        dispatched(mine, key=key), metadata=callers.carrier(CARRIER)
    )
    other_carrier = service.stub.PostTrackingUpdate(
        dispatched(theirs, key=key), metadata=callers.carrier(OTHER)
    )
    reused = refused(
        service.stub.PostTrackingUpdate,
        in_transit(mine, key=key),
        metadata=callers.carrier(CARRIER),
    )

    assert again == first
    assert first.shipment.version == 2
    assert get(service, callers, mine).version == 2
    assert other_carrier.shipment.status == pb.SHIPMENT_STATUS_DISPATCHED
    assert reused.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reused.details().startswith("idempotency_key:")


def _bad_creations() -> list[tuple[str, pb.CreateShipmentRequest]]:
    cases = []

    def case(field: str, change: object) -> None:
        request = create_request()
        change(request)  # type: ignore[operator]
        cases.append((field, request))

    case("idempotency_key", lambda r: r.ClearField("idempotency_key"))
    case("order_id", lambda r: setattr(r, "order_id", "order-1"))
    case("destination", lambda r: r.ClearField("destination"))
    case("destination.region", lambda r: setattr(r.destination, "region", "Zhejiang"))
    case("destination.city", lambda r: setattr(r.destination, "city", ""))
    case("destination.recipient_name", lambda r: setattr(r.destination, "recipient_name", "a\0b"))
    case("parcel", lambda r: r.ClearField("parcel"))
    case("parcel.weight_grams", lambda r: setattr(r.parcel, "weight_grams", 0))
    case("parcel.weight_grams", lambda r: setattr(r.parcel, "weight_grams", 1_000_001))
    case(
        "parcel.declared_value.currency",
        lambda r: r.parcel.declared_value.MergeFrom(Money(currency="cny", minor_units=100)),
    )
    case(
        "parcel.declared_value.minor_units",
        lambda r: r.parcel.declared_value.MergeFrom(Money(currency="CNY", minor_units=-1)),
    )
    return cases


@pytest.mark.parametrize(("field", "request_"), _bad_creations())
def test_a_bad_creation_names_the_field_and_creates_nothing(
    service: RunningLogistics, callers: Callers, field: str, request_: pb.CreateShipmentRequest
) -> None:
    error = refused(service.stub.CreateShipment, request_, metadata=callers.orders())

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details().startswith(f"{field}:")
    assert dict(error.trailing_metadata())["x-invalid-field"] == field
    if request_.order_id and request_.order_id != "order-1":
        missing = refused(get, service, callers, shipment_id_for(request_.order_id))
        assert missing.code() == grpc.StatusCode.NOT_FOUND


def test_a_bad_tracking_update_names_the_field_and_changes_nothing(
    service: RunningLogistics, callers: Callers
) -> None:
    sid, carrier = create(service, callers).shipment_id, callers.carrier(CARRIER)
    no_update = pb.PostTrackingUpdateRequest(idempotency_key="k", shipment_id=sid)
    bad_number = dispatched(sid, number="#1")
    long_note = delivered(sid)
    long_note.note = "x" * 501
    bad_id = dispatched("not-a-uuid")

    errors = [
        refused(service.stub.PostTrackingUpdate, request, metadata=carrier)
        for request in (no_update, bad_number, long_note, bad_id)
    ]
    listing = [
        refused(service.stub.ListShipments, request, metadata=carrier)
        for request in (
            pb.ListShipmentsRequest(statuses=[42]),  # type: ignore[list-item]
            pb.ListShipmentsRequest(page_token="bogus"),
            pb.ListShipmentsRequest(page_size=501),
        )
    ]

    assert [(e.code(), e.details().split(":")[0]) for e in errors + listing] == [
        (grpc.StatusCode.INVALID_ARGUMENT, field)
        for field in (
            "update",
            "dispatched.tracking_number",
            "note",
            "shipment_id",
            "statuses[0]",
            "page_token",
            "page_size",
        )
    ]
    assert get(service, callers, sid).version == 1


def test_a_carrier_lists_its_shipments_oldest_first_page_by_page_and_by_status(
    service: RunningLogistics, callers: Callers
) -> None:
    unknown = callers.carrier(f"carrier-nobody-{uuid.uuid4().hex[:6]}")
    assert not service.stub.ListShipments(pb.ListShipmentsRequest(), metadata=unknown).shipments
    carrier = callers.carrier(OTHER)
    made = [create(service, callers, region="JP-01").shipment_id for _ in range(5)]
    service.stub.PostTrackingUpdate(dispatched(made[1]), metadata=carrier)

    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        page = service.stub.ListShipments(
            pb.ListShipmentsRequest(page_size=2, page_token=token), metadata=carrier
        )
        seen += [s.shipment_id for s in page.shipments]
        pages += 1
        token = page.next_page_token
        if not token:
            break
    moving = service.stub.ListShipments(
        pb.ListShipmentsRequest(statuses=[pb.SHIPMENT_STATUS_DISPATCHED]), metadata=carrier
    ).shipments

    assert [s for s in seen if s in made] == made
    assert pages >= 3
    assert [(s.shipment_id, s.tracking_number) for s in moving if s.shipment_id in made] == [
        (made[1], "SF1234")
    ]


def test_health_and_reflection_answer(service: RunningLogistics) -> None:
    reflection = reflection_pb2_grpc.ServerReflectionStub(service.channel)
    answers = reflection.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")])
    )

    names = {s.name for answer in answers for s in answer.list_services_response.service}

    assert {"mercato.logistics.v1.ShipmentService", "grpc.health.v1.Health"} <= names


def test_start_up_without_carrier_rules_stops_naming_the_setting(
    tmp_path: Path, callers: Callers
) -> None:
    settings = service_settings(
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        kafka="127.0.0.1:1",
        callers=callers,
        rules=[],
    )
    settings.pop("LOGISTICS_CARRIER_RULES")
    env = {**os.environ, "LOGISTICS_GRPC_ADDR": "127.0.0.1:1", **settings}
    env.pop("LOGISTICS_CARRIER_RULES", None)
    env.pop("DATABASE_URL", None)

    done = subprocess.run(
        [sys.executable, "-m", "mercato_cli", "serve", "logistics"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )

    assert done.returncode == 2, done.stderr
    assert "LOGISTICS_CARRIER_RULES is not set" in done.stderr
    assert "Traceback" not in done.stderr
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "rules",
    [
        "[]",
        "carrier-a",
        '[{"carrier": "x", "regions": ["Zhejiang"]}]',
        '[{"carrier": "x", "min_weight_grams": 500, "max_weight_grams": 100}]',
        '[{"carrier": "x", "speed": "fast"}]',
    ],
)
def test_malformed_carrier_rules_are_named(monkeypatch: pytest.MonkeyPatch, rules: str) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("LOGISTICS_CARRIER_RULES", rules)

    with pytest.raises(SettingsError) as refused:
        load_settings(LogisticsSettings)

    assert "LOGISTICS_CARRIER_RULES is malformed" in str(refused.value)


def test_carrier_rules_are_read_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = [
        {"carrier": "local", "regions": ["CN-ZJ"], "max_weight_grams": 5000},
        {"carrier": "anywhere"},
    ]
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("LOGISTICS_CARRIER_RULES", json.dumps(rules))

    carriers = load_settings(LogisticsSettings).carriers()

    assert (carriers.choose("CN-ZJ", 5000), carriers.choose("CN-ZJ", 5001)) == (
        "local",
        "anywhere",
    )
