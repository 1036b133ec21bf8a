"""The platform as a real process for tests, and what partners and producers do around it.

`start_platform` runs `mercato serve platform` configured only by environment variables (tokens
from a LocalIssuer through AUTH_TRUSTED_KEYS). `Producers` publishes envelopes to the topics as
the producing services would (orders, payments, logistics, marketing) and identity's grant
events, so the platform is tested without starting them. `Receiver` is a real HTTP server that
verifies every webhook with the `standardwebhooks` library (the reference implementation).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import grpc
from aiohttp import web
from google.protobuf.message import Message
from kafka import KafkaProducer
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from mercato.common.v1.money_pb2 import Money
from mercato.identity.v1 import events_pb2 as identity_events
from mercato.logistics.v1 import events_pb2 as logistics_events
from mercato.logistics.v1 import shipment_pb2
from mercato.marketing.v1 import events_pb2 as marketing_events
from mercato.orders.v1 import events_pb2 as orders_events
from mercato.orders.v1 import orders_pb2
from mercato.platform.v1 import platform_pb2 as pb
from mercato.platform.v1 import platform_pb2_grpc
from mercato_kit.events import EventEnvelope, topic_for
from mercato_kit.testing import LocalIssuer
from mercato_localinfra._process import free_port
from tests.support.services import ServiceProcess

HEALTH_SERVICE = "mercato.platform.v1.PartnerStreamService"
TIMEOUT = 30
TEST_SETTINGS = {
    "PLATFORM_WEBHOOK_ALLOW_PRIVATE": "true",
    "PLATFORM_WEBHOOK_TIMEOUT": "2",
    "PLATFORM_WEBHOOK_RETRY_SCHEDULE": "0.3,0.6,1,1,1,1",
    "PLATFORM_WEBHOOK_RETRY_JITTER": "0.1",
    "PLATFORM_RATE_PER_SECOND": "40",
    "PLATFORM_RATE_BURST": "80",
    "PLATFORM_SHUTDOWN_GRACE": "3",
    "PLATFORM_FEED_START": "end",
}


class PlatformProcess(ServiceProcess):
    http_address: str = ""
    database_url: str = ""
    group_prefix: str = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.streams = platform_pb2_grpc.PartnerStreamServiceStub(self.channel)
        self.subscriptions = platform_pb2_grpc.SubscriptionServiceStub(self.channel)
        self.webhooks = platform_pb2_grpc.WebhookServiceStub(self.channel)
        self.operations = platform_pb2_grpc.PlatformOperationsServiceStub(self.channel)

    @property
    def http(self) -> str:
        return f"http://{self.http_address}"


def platform_env(
    database_url: str, kafka: str, issuer: LocalIssuer, *, group_prefix: str, http_address: str
) -> dict[str, str]:
    return {
        "PLATFORM_DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "AUTH_TRUSTED_KEYS": issuer.trusted_keys(),
        "PLATFORM_HTTP_ADDR": http_address,
        "PLATFORM_CONSUMER_GROUP_PREFIX": group_prefix,
        **TEST_SETTINGS,
    }


def start_platform(
    database_url: str,
    kafka: str,
    issuer: LocalIssuer,
    workdir: Path,
    *,
    group_prefix: str | None = None,
    **settings: str,
) -> PlatformProcess:
    """Start a platform process; `settings` are more environment variables (full names)."""
    prefix = group_prefix or f"test-platform-{uuid.uuid4().hex[:8]}"
    http_address = settings.pop("PLATFORM_HTTP_ADDR", f"127.0.0.1:{free_port()}")
    env = platform_env(database_url, kafka, issuer, group_prefix=prefix, http_address=http_address)
    env.update(settings)
    running = PlatformProcess.start("platform", env, workdir, health_service=HEALTH_SERVICE)
    assert isinstance(running, PlatformProcess)
    running.http_address, running.database_url, running.group_prefix = (
        http_address,
        database_url,
        prefix,
    )
    return running


def key() -> str:
    return f"k-{uuid.uuid4()}"


# --- partners ------------------------------------------------------------------------------------


@dataclass
class Partner:
    """A partner app with its own token (client credentials: events:subscribe and its kind's)."""

    issuer: LocalIssuer
    app_id: str
    kind: str = "vendor_app"
    scopes: tuple[str, ...] = ("events:subscribe",)

    def token(self, **claims: Any) -> str:
        return self.issuer.token(
            subject=self.app_id,
            kind="app",
            roles=[self.kind],
            scopes=list(self.scopes),
            **claims,
        )

    @property
    def metadata(self) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.token()}")]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}


def new_partner(issuer: LocalIssuer, kind: str = "vendor_app", *extra_scopes: str) -> Partner:
    return Partner(issuer, str(uuid.uuid4()), kind, ("events:subscribe", *extra_scopes))


def operator_metadata(issuer: LocalIssuer) -> list[tuple[str, str]]:
    return issuer.metadata(subject=str(uuid.uuid4()), roles=["operator"])


def subscribe(platform: PlatformProcess, partner: Partner, *types: str) -> pb.Subscription:
    return platform.subscriptions.Subscribe(
        pb.SubscribeRequest(idempotency_key=key(), types=list(types)),
        metadata=partner.metadata,
        timeout=TIMEOUT,
    ).subscription


# --- producers -----------------------------------------------------------------------------------

ORDER_TYPES = (
    "mercato.orders.v1.OrderPlaced",
    "mercato.orders.v1.OrderPaid",
    "mercato.orders.v1.OrderShipped",
)
SHIPMENT_TYPES = ("mercato.logistics.v1.ShipmentCreated", "mercato.logistics.v1.ShipmentDispatched")
ADDRESS = orders_pb2.ShippingAddress(
    region="CN-ZJ",
    city="Hangzhou",
    postal_code="310000",
    street_address="1 West Lake Road",
    recipient_name="Li Lei",
)


class Producers:
    """Publishes envelopes as the producing services and identity would."""

    def __init__(self, kafka: str) -> None:
        self._producer = KafkaProducer(bootstrap_servers=kafka, acks="all", linger_ms=5)

    def close(self) -> None:
        self._producer.close()

    def publish(
        self,
        aggregate_type: str,
        aggregate_id: str,
        payload: Message,
        *,
        version: int = 1,
        occurred_at: datetime | None = None,
        producer: str = "test",
    ) -> EventEnvelope:
        envelope = EventEnvelope.new(
            payload,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            aggregate_version=version,
            producer=producer,
            occurred_at=occurred_at,
        )
        self._producer.send(
            topic_for(aggregate_type), key=aggregate_id.encode(), value=envelope.to_bytes()
        )
        return envelope

    def flush(self) -> None:
        self._producer.flush(timeout=30)

    def grant(self, partner: Partner, seller_id: str, *scopes: str) -> str:
        grant_id = str(uuid.uuid4())
        self.publish(
            "identity.grant",
            grant_id,
            identity_events.AccessGranted(
                grantor_account_id=seller_id,
                grantor_role="seller",
                app_id=partner.app_id,
                scopes=list(scopes),
            ),
            producer="identity",
        )
        self.flush()
        return grant_id

    def revoke(self, grant_id: str, partner: Partner, seller_id: str) -> EventEnvelope:
        envelope = self.publish(
            "identity.grant",
            grant_id,
            identity_events.AccessRevoked(
                grantor_account_id=seller_id,
                app_id=partner.app_id,
                reason=identity_events.REVOCATION_REASON_REVOKED_BY_GRANTOR,
            ),
            version=2,
            producer="identity",
        )
        self.flush()
        return envelope

    def order(
        self,
        seller_id: str,
        *,
        steps: int = 3,
        occurred_at: datetime | None = None,
        times: list[datetime] | None = None,
    ) -> list[EventEnvelope]:
        """One order's first `steps` events (placed with an address, paid, shipped), at
        `times` (one each) or all at `occurred_at` (default now)."""
        order_id, buyer_id = str(uuid.uuid4()), str(uuid.uuid4())
        money = Money(currency="CNY", minor_units=4500)
        payloads: list[Message] = [
            orders_events.OrderPlaced(
                order_id=order_id,
                buyer_id=buyer_id,
                seller_id=seller_id,
                shop_id="shop",
                total=money,
                shipping_address=ADDRESS,
                attribution_token="secret-attribution-token",
            ),
            orders_events.OrderPaid(
                order_id=order_id, buyer_id=buyer_id, seller_id=seller_id, amount=money
            ),
            orders_events.OrderShipped(
                order_id=order_id, buyer_id=buyer_id, seller_id=seller_id, shipment_id="s"
            ),
        ]
        moments = times or [occurred_at] * steps  # type: ignore[list-item]
        return [
            self.publish("orders.order", order_id, payload, version=n, occurred_at=moment)
            for n, (payload, moment) in enumerate(zip(payloads[:steps], moments, strict=True), 1)
        ]

    def shipment(self, seller_id: str, carrier_id: str) -> list[EventEnvelope]:
        """A shipment created (with its destination) and dispatched (without the seller id)."""
        shipment_id, order_id = str(uuid.uuid4()), str(uuid.uuid4())
        created = logistics_events.ShipmentCreated(
            order_id=order_id,
            seller_id=seller_id,
            buyer_id="buyer",
            carrier_id=carrier_id,
            destination=shipment_pb2.Destination(
                region="CN-ZJ", city="Hangzhou", street_address="1 West Lake Road"
            ),
        )
        dispatched = logistics_events.ShipmentDispatched(
            order_id=order_id, carrier_id=carrier_id, tracking_number="T1"
        )
        return [
            self.publish("logistics.shipment", shipment_id, created, version=1),
            self.publish("logistics.shipment", shipment_id, dispatched, version=2),
        ]

    def click(self, publisher_id: str) -> EventEnvelope:
        return self.publish(
            "marketing.click",
            str(uuid.uuid4()),
            marketing_events.AdClicked(
                campaign_id="c", advertiser_id="a", publisher_id=publisher_id, fingerprint="fp"
            ),
        )


ORDERS_PER_SELLER = 500
"""Orders per seller in the isolation scenario: three events each, 3000 envelopes in all."""


@dataclass
class TwoSellers:
    """Sellers S1 and S2; app A granted by S1, app B by S2; thousands of events of each."""

    s1: str
    s2: str
    a: Partner
    b: Partner
    carrier: Partner
    s1_events: list[EventEnvelope]
    s2_events: list[EventEnvelope]
    endpoint_a: str

    @property
    def s1_ids(self) -> set[str]:
        return {e.event_id for e in self.s1_events}

    @property
    def s2_ids(self) -> set[str]:
        return {e.event_id for e in self.s2_events}


# --- reading streams ----------------------------------------------------------------------------


@dataclass
class Received:
    events: list[pb.PartnerEvent] = field(default_factory=list)
    heartbeats: list[pb.Heartbeat] = field(default_factory=list)
    error: grpc.RpcError | None = None
    ended_at: float | None = None

    @property
    def ids(self) -> list[str]:
        return [event.id for event in self.events]

    def data(self) -> list[dict[str, Any]]:
        return [json.loads(event.cloud_event) for event in self.events]


def read_stream(
    platform: PlatformProcess,
    partner: Partner,
    request: pb.StreamEventsRequest,
    *,
    until: Callable[[Received], bool],
    timeout: float = 60,
) -> Received:
    """Read a stream until `until(received)` holds (then cancel it), it ends, or `timeout`."""
    received = Received()
    call = platform.streams.StreamEvents(request, metadata=partner.metadata, timeout=timeout)
    try:
        for response in call:
            if response.HasField("event"):
                received.events.append(response.event)
            else:
                received.heartbeats.append(response.heartbeat)
            if until(received):
                call.cancel()
                break
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.CANCELLED:
            received.error = error
    received.ended_at = time.monotonic()
    return received


def wait_for(condition: Callable[[], bool], timeout: float = 60, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(every)


# --- a webhook receiver -------------------------------------------------------------------------


@dataclass
class Delivery:
    webhook_id: str
    subject: str
    type: str
    body: dict[str, Any]
    signatures: int
    at: float


class Receiver:
    """A real HTTP server (its own thread and loop) that verifies each webhook with the
    standardwebhooks library against the secrets given per path, answers `status` (2xx, or a
    failure while `down`), and records what it accepted."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.secrets: dict[str, list[str]] = {}
        self.deliveries: dict[str, list[Delivery]] = {}
        self.rejected: list[str] = []
        self.status: dict[str, int] = {}
        self.delay: dict[str, float] = {}
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._lock = threading.Lock()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{name}"

    def start(self) -> Receiver:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/hooks/{name}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
            self._runner = None

    def close(self) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    async def _handle(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        delay = self.delay.get(name, 0.0)
        if delay:
            await asyncio.sleep(delay)
        status = self.status.get(name, 200)
        if status >= 300:
            return web.Response(status=status, text="receiver is down for maintenance")
        verified = None
        for secret in self.secrets.get(name, []):
            try:
                Webhook(secret).verify(body, headers)
                verified = secret
                break
            except WebhookVerificationError:
                continue
        if verified is None:
            with self._lock:
                self.rejected.append(headers.get("webhook-id", ""))
            return web.Response(status=401, text="bad signature")
        event = json.loads(body)
        with self._lock:
            self.deliveries.setdefault(name, []).append(
                Delivery(
                    headers["webhook-id"],
                    event["subject"],
                    event["type"],
                    event,
                    len(headers["webhook-signature"].split()),
                    time.monotonic(),
                )
            )
        return web.Response(status=204)

    def of(self, name: str) -> list[Delivery]:
        with self._lock:
            return list(self.deliveries.get(name, []))
