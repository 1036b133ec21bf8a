"""Running the logistics service as a real process, and talking to it like its callers do."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from kafka import KafkaConsumer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from mercato.logistics.v1 import shipment_pb2 as pb
from mercato.logistics.v1 import shipment_pb2_grpc
from mercato_kit.auth import LocalIssuer
from mercato_kit.events import EventEnvelope, topic_for
from mercato_localinfra._process import free_port

Metadata = list[tuple[str, str]]

# The carriers of the services under test, and the rules that hand them shipments.
CARRIER = f"carrier-cn-{uuid.uuid4().hex[:8]}"
HEAVY = f"carrier-heavy-{uuid.uuid4().hex[:8]}"
OTHER = f"carrier-jp-{uuid.uuid4().hex[:8]}"
SIMULATED = f"carrier-sim-{uuid.uuid4().hex[:8]}"
RULES = [
    {"carrier": HEAVY, "regions": ["CN"], "min_weight_grams": 30001},
    {"carrier": CARRIER, "regions": ["CN"]},
    {"carrier": OTHER, "regions": ["JP"]},
    {"carrier": SIMULATED, "regions": ["US"]},
]
T = TypeVar("T")


@dataclass
class RunningLogistics:
    process: subprocess.Popen[bytes]
    address: str
    log: Path
    channel: grpc.Channel = field(init=False)
    stub: shipment_pb2_grpc.ShipmentServiceStub = field(init=False)

    def __post_init__(self) -> None:
        self.channel = grpc.insecure_channel(self.address)
        self.stub = shipment_pb2_grpc.ShipmentServiceStub(self.channel)

    def logs(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass(frozen=True)
class Callers:
    """Tokens for the callers of the service, signed by an issuer it trusts."""

    issuer: LocalIssuer = field(default_factory=LocalIssuer)
    orders_app: str = field(default_factory=lambda: str(uuid.uuid4()))

    def orders(self) -> Metadata:
        """The orders service, which creates shipments."""
        return self.issuer.metadata(
            subject=self.orders_app, kind="app", roles=["service"], scopes=["logistics:ship"]
        )

    def carrier(self, carrier_id: str) -> Metadata:
        """A carrier app, as identity signs its own tokens."""
        return [("authorization", f"Bearer {self.carrier_token(carrier_id)}")]

    def carrier_token(self, carrier_id: str) -> str:
        return self.issuer.token(
            subject=carrier_id, kind="app", roles=["carrier"], scopes=["logistics:tracking"]
        )

    def account(self, account_id: str, *roles: str) -> Metadata:
        return self.issuer.metadata(subject=account_id, kind="account", roles=list(roles))


def service_env(
    *, address: str, database_url: str, kafka: str, callers: Callers, rules: Sequence[object]
) -> dict[str, str]:
    env = dict(
        os.environ,
        LOGISTICS_GRPC_ADDR=address,
        LOGISTICS_DATABASE_URL=database_url,
        KAFKA_BOOTSTRAP_SERVERS=kafka,
        AUTH_TRUSTED_KEYS=callers.issuer.trusted_keys(),
        LOGISTICS_CARRIER_RULES=json.dumps(list(rules)),
    )
    env.pop("DATABASE_URL", None)
    return env


@contextmanager
def running_logistics(
    *,
    database_url: str,
    kafka: str,
    callers: Callers,
    rules: Sequence[object],
    workdir: Path,
) -> Iterator[RunningLogistics]:
    """`mercato serve logistics` until the block ends; then SIGTERM, which must stop it cleanly."""
    address = f"127.0.0.1:{free_port()}"
    env = service_env(
        address=address, database_url=database_url, kafka=kafka, callers=callers, rules=rules
    )
    log = workdir / "logistics.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "mercato_cli", "serve", "logistics"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )
    service = RunningLogistics(process, address, log)
    try:
        _wait_serving(service)
        yield service
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, service.logs()[-3000:]
        assert "Traceback" not in service.logs()
    finally:
        service.channel.close()
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def _wait_serving(service: RunningLogistics, timeout: float = 90) -> None:
    health = health_pb2_grpc.HealthStub(service.channel)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert service.process.poll() is None, service.logs()[-3000:]
        try:
            answer = health.Check(health_pb2.HealthCheckRequest(), timeout=1)
            if answer.status == health_pb2.HealthCheckResponse.SERVING:
                return
        except grpc.RpcError:
            pass
        time.sleep(0.2)
    raise AssertionError("the service never answered SERVING:\n" + service.logs()[-3000:])


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the session's PostgreSQL server, dropped afterwards."""
    name = f"test_logistics_{uuid.uuid4().hex[:12]}"
    server = make_url(server_url).set(drivername="postgresql+psycopg")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield server.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def create_request(
    order_id: str | None = None,
    *,
    region: str = "CN-ZJ",
    weight_grams: int = 1200,
    key: str | None = None,
) -> pb.CreateShipmentRequest:
    order_id = order_id or str(uuid.uuid4())
    return pb.CreateShipmentRequest(
        idempotency_key=key or f"ship-{order_id}",
        order_id=order_id,
        seller_id=str(uuid.uuid4()),
        buyer_id=str(uuid.uuid4()),
        destination=pb.Destination(
            region=region,
            city="Hangzhou",
            postal_code="310000",
            street_address="1 West Lake Road",
            recipient_name="Li Lei",
        ),
        parcel=pb.Parcel(weight_grams=weight_grams),
    )


Update = pb.PostTrackingUpdateRequest


def dispatched(shipment_id: str, key: str | None = None, number: str = "SF1234") -> Update:
    return Update(
        idempotency_key=key or f"d-{uuid.uuid4()}",
        shipment_id=shipment_id,
        location="Hangzhou",
        dispatched=Update.Dispatched(tracking_number=number),
    )


def in_transit(shipment_id: str, location: str = "Shanghai hub", key: str | None = None) -> Update:
    return Update(
        idempotency_key=key or f"t-{uuid.uuid4()}",
        shipment_id=shipment_id,
        location=location,
        in_transit=Update.InTransit(),
    )


def delivered(shipment_id: str, key: str | None = None) -> Update:
    return Update(
        idempotency_key=key or f"v-{uuid.uuid4()}",
        shipment_id=shipment_id,
        location="CN-ZJ",
        note="signed by Li Lei",
        delivered=Update.Delivered(),
    )


def lost(shipment_id: str, key: str | None = None) -> Update:
    return Update(
        idempotency_key=key or f"l-{uuid.uuid4()}",
        shipment_id=shipment_id,
        note="damaged beyond recognition",
        lost=Update.Lost(),
    )


def events_of(bootstrap: str, shipment_id: str, count: int) -> list[EventEnvelope]:
    """The shipment's first `count` events as a partner reading the topic sees them."""
    consumer = KafkaConsumer(
        topic_for("logistics.shipment"),
        bootstrap_servers=bootstrap,
        group_id=f"test-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    found: list[EventEnvelope] = []
    deadline = time.monotonic() + 60
    try:
        while len(found) < count and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    if record.key == shipment_id.encode():
                        found.append(EventEnvelope.from_bytes(record.value))
    finally:
        consumer.close()
    return found


def wait_until(predicate: Callable[[], T | None], what: str, timeout: float = 60) -> T:
    """Poll `predicate` until it returns something truthy (bounded); return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
