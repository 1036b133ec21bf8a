"""Running the logistics service as a real process, and talking to it like its callers do."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from mercato.logistics.v1 import shipment_pb2 as pb
from mercato.logistics.v1 import shipment_pb2_grpc
from mercato_kit.events import EventEnvelope, topic_for
from mercato_kit.testing import LocalIssuer
from tests.support.services import ServiceProcess, envelopes_on, service_database

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


class RunningLogistics(ServiceProcess):
    """`mercato serve logistics` with a stub on its channel."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stub = shipment_pb2_grpc.ShipmentServiceStub(self.channel)


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


def service_settings(
    *, database_url: str, kafka: str, callers: Callers, rules: Sequence[object]
) -> dict[str, str]:
    """The logistics service's environment (besides its address)."""
    return {
        "LOGISTICS_DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "AUTH_TRUSTED_KEYS": callers.issuer.trusted_keys(),
        "LOGISTICS_CARRIER_RULES": json.dumps(list(rules)),
    }


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
    settings = service_settings(
        database_url=database_url, kafka=kafka, callers=callers, rules=rules
    )
    service = RunningLogistics.start("logistics", settings, workdir)
    try:
        yield service
        assert service.stop() == 0, service.logs()[-3000:]
        assert "Traceback" not in service.logs()
    finally:
        service.stop()


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the session's PostgreSQL server, dropped afterwards."""
    with service_database("postgresql", server_url, Path(), "logistics") as url:
        yield url


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


def cancel_request(
    order_id: str, *, reason: str = "payment refunded", key: str | None = None
) -> pb.CancelShipmentRequest:
    return pb.CancelShipmentRequest(
        idempotency_key=key or f"cancel-{uuid.uuid4()}", order_id=order_id, reason=reason
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
    return envelopes_on(bootstrap, topic_for("logistics.shipment"), shipment_id, count)


def wait_until(predicate: Callable[[], T | None], what: str, timeout: float = 60) -> T:
    """Poll `predicate` until it returns something truthy (bounded); return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
