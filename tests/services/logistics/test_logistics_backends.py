"""What depends on the database: concurrent commands, on SQLite and on PostgreSQL.

One order gets one shipment and every update is recorded once, however the calls race: the
event store's version check and the idempotency keys hold on both backends. A cancellation
racing the carrier's pick-up: one of them wins, never both.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from mercato.logistics.v1 import shipment_pb2 as pb
from mercato_logistics.application import shipment_id_for
from tests.services.logistics._support import (
    CARRIER,
    Callers,
    RunningLogistics,
    cancel_request,
    create_request,
    dispatched,
    in_transit,
)

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def service(request: pytest.FixtureRequest) -> RunningLogistics:
    return request.getfixturevalue(f"{request.param}_service")  # type: ignore[no-any-return]


def outcome(call: object, *args: object, **kwargs: object) -> tuple[str, object]:
    try:
        return "OK", call(*args, **kwargs)  # type: ignore[operator]
    except grpc.RpcError as error:
        return error.code().name, error.details()


def test_concurrent_creations_for_one_order_make_one_shipment(
    service: RunningLogistics, callers: Callers
) -> None:
    first = create_request()
    requests = []
    for n in range(6):
        request = pb.CreateShipmentRequest()
        request.CopyFrom(first)
        request.idempotency_key = f"key-{n}"
        requests.append(request)

    with ThreadPoolExecutor(len(requests)) as pool:
        outcomes = list(
            pool.map(
                lambda r: outcome(service.stub.CreateShipment, r, metadata=callers.orders()),
                requests,
            )
        )

    assert sorted(code for code, _ in outcomes) == ["ALREADY_EXISTS"] * 5 + ["OK"]
    sid = shipment_id_for(first.order_id)
    shipment = service.stub.GetShipment(
        pb.GetShipmentRequest(shipment_id=sid), metadata=callers.orders()
    ).shipment
    assert shipment.version == 1


def test_concurrent_repeats_of_one_creation_all_get_its_answer(
    service: RunningLogistics, callers: Callers
) -> None:
    request = create_request()

    with ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(
                lambda _: service.stub.CreateShipment(request, metadata=callers.orders()),
                range(4),
            )
        )

    assert all(answer == answers[0] for answer in answers)
    assert answers[0].shipment.version == 1


def test_concurrent_scans_of_one_shipment_are_each_recorded_once(
    service: RunningLogistics, callers: Callers
) -> None:
    carrier = callers.carrier(CARRIER)
    sid = service.stub.CreateShipment(create_request(), metadata=callers.orders()).shipment
    service.stub.PostTrackingUpdate(dispatched(sid.shipment_id), metadata=carrier)
    scans = [in_transit(sid.shipment_id, f"hub {n}") for n in range(3)]

    with ThreadPoolExecutor(len(scans)) as pool:
        outcomes = list(
            pool.map(lambda r: outcome(service.stub.PostTrackingUpdate, r, metadata=carrier), scans)
        )

    assert [code for code, _ in outcomes] == ["OK"] * 3
    shipment = service.stub.GetShipment(
        pb.GetShipmentRequest(shipment_id=sid.shipment_id), metadata=callers.orders()
    ).shipment
    assert shipment.version == 5
    assert sorted(step.location for step in shipment.tracking[2:]) == ["hub 0", "hub 1", "hub 2"]


def test_a_cancellation_racing_the_pick_up_lets_exactly_one_of_them_happen(
    service: RunningLogistics, callers: Callers
) -> None:
    carrier = callers.carrier(CARRIER)
    created = service.stub.CreateShipment(create_request(), metadata=callers.orders()).shipment
    sid = created.shipment_id
    calls = [
        lambda: outcome(
            service.stub.CancelShipment, cancel_request(created.order_id), metadata=callers.orders()
        ),
        lambda: outcome(service.stub.PostTrackingUpdate, dispatched(sid), metadata=carrier),
    ]

    with ThreadPoolExecutor(len(calls)) as pool:
        cancel, pick_up = [future.result() for future in [pool.submit(call) for call in calls]]

    shipment = service.stub.GetShipment(
        pb.GetShipmentRequest(shipment_id=sid), metadata=callers.orders()
    ).shipment
    assert sorted([cancel[0], pick_up[0]]) == ["FAILED_PRECONDITION", "OK"]
    winner = pb.SHIPMENT_STATUS_CANCELLED if cancel[0] == "OK" else pb.SHIPMENT_STATUS_DISPATCHED
    assert (shipment.status, shipment.version) == (winner, 2)
