"""The carrier simulator as a real process, driving shipments through the public gRPC API.

It gets nothing but the service's address and a carrier token (LOGISTICS_SIMULATOR_TOKEN); the
service runs on SQLite, the local default.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from mercato.logistics.v1 import shipment_pb2 as pb
from mercato_kit.testing import LocalIssuer
from mercato_logistics.application import shipment_id_for
from mercato_logistics.simulator import Plan
from mercato_logistics.simulator.__main__ import main as simulator_main
from mercato_logistics.simulator.plan import tracking_number_for
from tests.services.logistics._support import (
    SIMULATED,
    Callers,
    RunningLogistics,
    cancel_request,
    create_request,
    wait_until,
)

pytestmark = pytest.mark.infra

SEED = 20260301
FINAL = {pb.SHIPMENT_STATUS_DELIVERED, pb.SHIPMENT_STATUS_LOST}


@pytest.fixture(scope="module")
def service(sqlite_service: RunningLogistics) -> RunningLogistics:
    return sqlite_service


def _orders_with_both_fates(plan: Plan, each: int) -> list[str]:
    """Order ids whose shipments the plan loses (`each` of them) and delivers (`each`)."""
    lost: list[str] = []
    kept: list[str] = []
    while len(lost) < each or len(kept) < each:
        order_id = str(uuid.uuid4())
        fate = lost if plan.loses(shipment_id_for(order_id)) else kept
        if len(fate) < each:
            fate.append(order_id)
    return lost + kept


def test_the_simulator_ends_its_shipments_as_its_seed_decides_and_skips_a_cancelled_one(
    service: RunningLogistics, callers: Callers, tmp_path: Path
) -> None:
    plan = Plan(loss_rate=0.5, seed=SEED)
    orders = _orders_with_both_fates(plan, each=2)
    early, late = orders[::2], orders[1::2]
    created = [
        service.stub.CreateShipment(create_request(o, region="US-CA"), metadata=callers.orders())
        for o in early
    ]
    not_its_own = service.stub.CreateShipment(
        create_request(region="CN-SH"), metadata=callers.orders()
    ).shipment.shipment_id
    to_cancel = create_request(region="US-TX")
    service.stub.CreateShipment(to_cancel, metadata=callers.orders())
    cancelled = service.stub.CancelShipment(
        cancel_request(to_cancel.order_id), metadata=callers.orders()
    ).shipment
    env = dict(
        os.environ,
        LOGISTICS_GRPC_ADDR=service.address,
        LOGISTICS_SIMULATOR_TOKEN=callers.carrier_token(SIMULATED),
        LOGISTICS_SIMULATOR_TIME_SCALE="1000000",
        LOGISTICS_SIMULATOR_LOSS_RATE="0.5",
        LOGISTICS_SIMULATOR_SEED=str(SEED),
        LOGISTICS_SIMULATOR_POLL_INTERVAL="0.1",
    )
    log = tmp_path / "simulator.log"
    with log.open("wb") as sink:
        simulator = subprocess.Popen(
            [sys.executable, "-m", "mercato_logistics.simulator"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    try:
        created += [
            service.stub.CreateShipment(
                create_request(o, region="US-NY"), metadata=callers.orders()
            )
            for o in late
        ]
        ids = [answer.shipment.shipment_id for answer in created]

        def all_final() -> list[pb.Shipment] | None:
            assert simulator.poll() is None, log.read_text()[-3000:]
            shipments = [
                service.stub.GetShipment(
                    pb.GetShipmentRequest(shipment_id=sid), metadata=callers.orders()
                ).shipment
                for sid in ids
            ]
            return shipments if all(s.status in FINAL for s in shipments) else None

        finished = wait_until(all_final, "the simulator to finish every shipment")
        simulator.send_signal(signal.SIGTERM)
        assert simulator.wait(timeout=30) == 0, log.read_text()[-3000:]
    finally:
        if simulator.poll() is None:
            simulator.kill()
            simulator.wait(timeout=30)

    fates = {s.shipment_id: s.status for s in finished}
    assert fates == {
        sid: pb.SHIPMENT_STATUS_LOST if plan.loses(sid) else pb.SHIPMENT_STATUS_DELIVERED
        for sid in ids
    }
    assert (
        sorted(fates.values()) == [pb.SHIPMENT_STATUS_DELIVERED] * 2 + [pb.SHIPMENT_STATUS_LOST] * 2
    )
    for shipment in finished:
        assert [step.status for step in shipment.tracking][:-1] == [
            pb.SHIPMENT_STATUS_CREATED,
            pb.SHIPMENT_STATUS_DISPATCHED,
            pb.SHIPMENT_STATUS_IN_TRANSIT,
            pb.SHIPMENT_STATUS_IN_TRANSIT,
        ]
        assert shipment.tracking_number == tracking_number_for(shipment.shipment_id)
    untouched = service.stub.GetShipment(
        pb.GetShipmentRequest(shipment_id=not_its_own), metadata=callers.orders()
    ).shipment
    assert untouched.status == pb.SHIPMENT_STATUS_CREATED
    skipped = service.stub.GetShipment(
        pb.GetShipmentRequest(shipment_id=cancelled.shipment_id), metadata=callers.orders()
    ).shipment
    assert skipped == cancelled
    assert cancelled.shipment_id not in log.read_text()
    assert "Traceback" not in log.read_text()


def test_the_simulator_stops_when_the_service_refuses_its_token(
    service: RunningLogistics, tmp_path: Path
) -> None:
    untrusted = LocalIssuer().token(
        subject=SIMULATED, kind="app", roles=["carrier"], scopes=["logistics:tracking"]
    )
    env = dict(os.environ, LOGISTICS_GRPC_ADDR=service.address, LOGISTICS_SIMULATOR_TOKEN=untrusted)

    done = subprocess.run(
        [sys.executable, "-m", "mercato_logistics.simulator"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )

    assert done.returncode == 1, done.stderr
    assert "the logistics service refused the carrier" in done.stderr
    assert "UNAUTHENTICATED" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("LOGISTICS_SIMULATOR_TOKEN", None, "LOGISTICS_SIMULATOR_TOKEN is not set"),
        ("LOGISTICS_SIMULATOR_LOSS_RATE", "1.5", "LOGISTICS_SIMULATOR_LOSS_RATE is malformed"),
        ("LOGISTICS_SIMULATOR_HUBS", "hub-1", "LOGISTICS_SIMULATOR_HUBS is malformed"),
    ],
)
def test_the_simulator_names_a_missing_or_malformed_setting(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str | None,
    message: str,
) -> None:
    monkeypatch.setenv("LOGISTICS_SIMULATOR_TOKEN", "a-token")
    if value is None:
        monkeypatch.delenv(variable)
    else:
        monkeypatch.setenv(variable, value)

    with pytest.raises(SystemExit) as exited:
        simulator_main()

    assert exited.value.code == 2
    assert message in capsys.readouterr().err
