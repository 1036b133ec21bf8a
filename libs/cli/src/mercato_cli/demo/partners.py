"""The demo's platform act (issue 14): partners following what they are entitled to.

- A software vendor's app (kind vendor_app, with events:subscribe) that one seller grants
  orders:read. Before the first order it subscribes to the order events, opens a gRPC
  StreamEvents stream (read by a background thread) and registers a webhook endpoint: a small
  HTTP receiver the demo runs on 127.0.0.1 (the platform runs with
  PLATFORM_WEBHOOK_ALLOW_PRIVATE), which verifies every delivery's signature with the
  `standardwebhooks` library (the reference implementation, not Mercato's own code).
- The publisher site of the marketing act (marketing:ads, events:subscribe), when marketing
  runs: its own clicks and conversions over a stream of its own.

Afterwards the report shows what each partner received, by event type and channel: the granted
seller's orders, each from placed to its final event, over the stream and over the webhook;
none of another seller's; every signature verified.

Which seller grants is decided by the scenario's plan: the shop with the most orders (ties: the
first), so the other sellers' orders are there to be left out.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
from rich.console import Console
from rich.table import Table

from mercato.orders.v1 import orders_pb2
from mercato.platform.v1 import platform_pb2 as pb
from mercato.platform.v1 import platform_pb2_grpc
from mercato_cli.demo.app_store import AppStoreAct
from mercato_cli.demo.launcher import DemoError
from mercato_cli.demo.scenario import Outcome, PlannedOrder
from mercato_cli.demo.seed import App, Identity, Metadata, Seller
from mercato_cli.demo.topics import wait_consumed
from mercato_kit.events import topic_for

__all__ = [
    "ORDER_TYPES",
    "PUBLISHER_SCOPES",
    "PUBLISHER_TYPES",
    "VENDOR_SCOPES",
    "PartnersAct",
    "granted_shop",
    "platform_settings",
    "publisher_expected",
]

ORDER_TYPES = tuple(
    f"mercato.orders.v1.{name}"
    for name in (
        "OrderPlaced",
        "OrderConfirmed",
        "OrderPaid",
        "OrderShipped",
        "OrderDelivered",
        "OrderCompleted",
        "OrderCancelled",
        "OrderRefunded",
    )
)
PUBLISHER_TYPES = tuple(
    f"mercato.marketing.v1.{name}"
    for name in (
        "AdClicked",
        "ClickRejected",
        "ClickInvalidated",
        "ConversionAttributed",
        "CommissionCharged",
        "ConversionLapsed",
        "ConversionReversed",
    )
)
VENDOR_SCOPES = ("events:subscribe",)
PUBLISHER_SCOPES = ("marketing:ads", "events:subscribe")
_FINAL: dict[int, str] = {
    orders_pb2.ORDER_STATUS_COMPLETED: "mercato.orders.v1.OrderCompleted",
    orders_pb2.ORDER_STATUS_CANCELLED: "mercato.orders.v1.OrderCancelled",
    orders_pb2.ORDER_STATUS_REFUNDED: "mercato.orders.v1.OrderRefunded",
}
_PLACED = "mercato.orders.v1.OrderPlaced"
_TIMEOUT = 30.0


def platform_settings() -> dict[str, str]:
    """The platform for the demo: a local webhook receiver allowed, quick retries, the feed
    from now on (a new deployment on a broker that may hold others' history)."""
    return {
        "PLATFORM_WEBHOOK_ALLOW_PRIVATE": "true",
        "PLATFORM_WEBHOOK_TIMEOUT": "5",
        "PLATFORM_WEBHOOK_RETRY_SCHEDULE": "1,2,5,10,30",
        "PLATFORM_FEED_START": "end",
        "PLATFORM_SHUTDOWN_GRACE": "3",
    }


def granted_shop(planned: Sequence[PlannedOrder], shops: int) -> int:
    """The shop whose seller grants the partner app: the one with the most orders."""
    counts = Counter(order.shop for order in planned)
    return max(range(shops), key=lambda shop: (counts[shop], -shop))


def publisher_expected(marketing: dict[str, Any]) -> dict[str, int]:
    """What the publisher's stream must bring, by type, from what marketing counted (the
    marketing act's findings): an event per accepted and per rejected click (a replay records
    nothing new), and each attributed order's conversion events."""
    clicks = marketing["clicks"]
    rejected = clicks["rejected"]
    counts: Counter[str] = Counter(
        {
            "AdClicked": clicks["accepted"],
            "ClickRejected": sum(rejected.values()) - rejected.get("replayed", 0),
            "ClickInvalidated": clicks["invalidated"],
        }
    )
    for order in marketing["attributed_orders"]:
        counts.update(order["conversion"])
    return {
        kind: counts[kind.rsplit(".", 1)[-1]]
        for kind in sorted(PUBLISHER_TYPES)
        if counts[kind.rsplit(".", 1)[-1]]
    }


@dataclass(frozen=True)
class Received:
    """One event as a partner received it."""

    id: str
    type: str
    subject: str
    data: dict[str, Any]
    signatures: int = 0

    @property
    def short_type(self) -> str:
        return self.type.rsplit(".", 1)[-1]


class StreamReader:
    """A partner's StreamEvents stream, read by a background thread until `stop`."""

    def __init__(self, channel: grpc.Channel, metadata: Metadata, name: str) -> None:
        self._stub = platform_pb2_grpc.PartnerStreamServiceStub(channel)  # type: ignore[no-untyped-call]
        self._metadata = metadata
        self.name = name
        self._lock = threading.Lock()
        self._events: list[Received] = []
        self.heartbeats = 0
        self.error = ""
        self._open = threading.Event()
        self._call: Any = None
        self._thread: threading.Thread | None = None

    def start(self, types: Sequence[str] = (), timeout: float = 30.0) -> StreamReader:
        """Open the stream (from now on) and wait for its first heartbeat."""
        self._call = self._stub.StreamEvents(
            pb.StreamEventsRequest(types=list(types), heartbeat_seconds=1),
            metadata=self._metadata,
        )
        self._thread = threading.Thread(target=self._read, name=f"stream-{self.name}", daemon=True)
        self._thread.start()
        if not self._open.wait(timeout):
            self.stop()
            raise DemoError(f"the platform's stream for {self.name} never answered: {self.error}")
        return self

    def _read(self) -> None:
        try:
            for response in self._call:
                if response.HasField("event"):
                    event = response.event
                    cloud_event = json.loads(event.cloud_event)
                    with self._lock:
                        self._events.append(
                            Received(
                                event.id, event.type, event.subject, cloud_event.get("data") or {}
                            )
                        )
                else:
                    self.heartbeats += 1
                self._open.set()
        except grpc.RpcError as error:
            if isinstance(error, grpc.Call) and error.code() != grpc.StatusCode.CANCELLED:
                self.error = f"{error.code().name}: {error.details()}"
        finally:
            self._open.set()

    @property
    def events(self) -> list[Received]:
        with self._lock:
            return list(self._events)

    def stop(self) -> None:
        if self._call is not None:
            self._call.cancel()
        if self._thread is not None:
            self._thread.join(timeout=10)


class WebhookReceiver:
    """A partner's webhook endpoint: an HTTP server on 127.0.0.1 that verifies each delivery
    with the `standardwebhooks` library, answers 204 (401 when the signature does not verify)
    and keeps what it accepted."""

    def __init__(self) -> None:
        try:
            from standardwebhooks.webhooks import Webhook, WebhookVerificationError
        except ImportError as error:  # the platform's package brings it
            raise DemoError(
                "the platform act verifies webhooks with the `standardwebhooks` package, "
                "which is not installed"
            ) from error
        self.secret = ""
        self.rejected = 0
        self._deliveries: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the http.server API's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name.lower(): value for name, value in self.headers.items()}
                try:
                    Webhook(receiver.secret).verify(body, headers)
                except WebhookVerificationError:
                    with receiver._lock:
                        receiver.rejected += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                event = json.loads(body)
                with receiver._lock:
                    receiver._deliveries.append(
                        Received(
                            headers["webhook-id"],
                            event.get("type", ""),
                            event.get("subject", ""),
                            event.get("data") or {},
                            len(headers["webhook-signature"].split()),
                        )
                    )
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="webhook-receiver", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks/order-desk"

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    @property
    def deliveries(self) -> list[Received]:
        with self._lock:
            return list(self._deliveries)

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=10)
        self._server.server_close()


@dataclass
class PartnersAct:
    """The platform act against the running services (see the module's docstring)."""

    platform: grpc.Channel
    identity: Identity
    kafka: str
    group_prefix: str
    """The platform's consumer groups' prefix (its grants group is `<prefix>.grants`)."""
    console: Console
    run_key: str
    vendor: App | None = None
    seller: Seller | None = None
    publisher: App | None = None
    order_stream: StreamReader | None = None
    publisher_stream: StreamReader | None = None
    receiver: WebhookReceiver | None = None
    endpoint_id: str = ""
    readers: list[StreamReader] = field(default_factory=list)
    app_store: AppStoreAct | None = None
    """The app store act, when the platform can charge and grant (see demo/app_store.py)."""

    def __post_init__(self) -> None:
        self._subscriptions = platform_pb2_grpc.SubscriptionServiceStub(self.platform)  # type: ignore[no-untyped-call]
        self._webhooks = platform_pb2_grpc.WebhookServiceStub(self.platform)  # type: ignore[no-untyped-call]

    def follow_orders(self, vendor: App, seller: Seller, grant_id: str = "") -> None:
        """The vendor's app holds orders:read on the seller's shop (the grant of the seller's
        app-store subscription, `grant_id`; without one the seller grants it directly); the app
        subscribes, registers its webhook endpoint and opens its stream."""
        began = time.monotonic()
        how = "its app-store subscription granted" if grant_id else "granted"
        grant_id = grant_id or self.identity.grant(seller.who, vendor.app_id, ["orders:read"])
        # The platform follows identity's grants: the grant is applied before any order.
        wait_consumed(
            self.kafka, f"{self.group_prefix}.grants", topic_for("identity.grant"), grant_id
        )
        self.vendor, self.seller = self.identity.with_token(vendor), seller
        self._subscriptions.Subscribe(
            pb.SubscribeRequest(idempotency_key=f"{self.run_key}-vendor-sub", types=ORDER_TYPES),
            metadata=self.vendor.metadata,
            timeout=_TIMEOUT,
        )
        self.receiver = WebhookReceiver().start()
        answer = self._webhooks.RegisterEndpoint(
            pb.RegisterEndpointRequest(
                idempotency_key=f"{self.run_key}-vendor-endpoint",
                url=self.receiver.url,
                types=ORDER_TYPES,
                description="the demo's order desk",
            ),
            metadata=self.vendor.metadata,
            timeout=_TIMEOUT,
        )
        self.receiver.secret, self.endpoint_id = answer.secret, answer.endpoint.endpoint_id
        self.order_stream = self._open(self.vendor, "order desk")
        self.console.print(
            f"✓ a partner app (vendor_app) follows {seller.who.email}'s orders ({how} "
            f"orders:read): a gRPC stream and a webhook to {self.receiver.url} "
            f"({time.monotonic() - began:.1f} s)"
        )

    def follow_publisher(self, publisher: App) -> None:
        """The publisher site follows its own clicks and conversions over a stream."""
        self.publisher = self.identity.with_token(publisher)
        self._subscriptions.Subscribe(
            pb.SubscribeRequest(
                idempotency_key=f"{self.run_key}-publisher-sub", types=PUBLISHER_TYPES
            ),
            metadata=self.publisher.metadata,
            timeout=_TIMEOUT,
        )
        self.publisher_stream = self._open(self.publisher, "partner site")
        self.console.print("✓ the publisher site follows its clicks and conversions over a stream")

    def _open(self, app: App, name: str) -> StreamReader:
        reader = StreamReader(self.platform, app.metadata, name)
        self.readers.append(reader)
        return reader.start()

    def close(self) -> None:
        for reader in self.readers:
            reader.stop()
        if self.receiver is not None:
            self.receiver.close()

    # -- afterwards ---------------------------------------------------------------------------

    def report(
        self,
        outcomes: Sequence[Outcome],
        sellers: Sequence[Seller],
        publisher_expected: dict[str, int] | None,
        timeout: float = 90.0,
    ) -> dict[str, Any]:
        """Wait until each partner has what it is entitled to (or `timeout`), print what each
        received, and what was found (summary.json's `platform`, with `ok`)."""
        assert self.seller is not None
        assert self.order_stream is not None
        assert self.receiver is not None
        granted = self.seller
        shop = next(n for n, s in enumerate(sellers) if s.shop_id == granted.shop_id)
        mine = {o.order_id: o for o in outcomes if o.planned.shop == shop}
        others = {o.order_id for o in outcomes if o.planned.shop != shop}
        expected = {(order_id, _PLACED) for order_id in mine} | {
            (order_id, _FINAL[o.status]) for order_id, o in mine.items() if o.status in _FINAL
        }
        stream, receiver = self.order_stream, self.receiver

        def complete(events: list[Received]) -> bool:
            return expected <= {(e.subject, e.type) for e in events}

        def publisher_complete() -> bool:
            if self.publisher_stream is None or publisher_expected is None:
                return True
            return _counts(self.publisher_stream.events) == publisher_expected

        _wait(
            lambda: (
                complete(stream.events)
                and complete(_unique(receiver.deliveries))
                and publisher_complete()
            ),
            timeout,
        )
        streamed, delivered = stream.events, receiver.deliveries
        unique = _unique(delivered)
        found = {
            "stream": _channel(streamed, mine, others, expected, granted.who.account_id),
            "webhook": {
                **_channel(unique, mine, others, expected, granted.who.account_id),
                "deliveries": len(delivered),
                "verified": len(delivered),
                "rejected": receiver.rejected,
                "signatures": sum(d.signatures for d in delivered),
            },
        }
        checks = {
            "stream_received_every_order": found["stream"]["complete"],
            "webhook_received_every_order": found["webhook"]["complete"],
            "no_other_sellers_events": found["stream"]["foreign"] == 0
            and found["webhook"]["foreign"] == 0,
            "stream_and_webhook_agree": {e.id for e in streamed} == {d.id for d in unique},
            "signatures_verified": bool(delivered) and receiver.rejected == 0,
            "stream_open": not stream.error,
        }
        rows = [
            ("order desk (vendor app)", "gRPC stream", streamed, found["stream"]),
            ("order desk (vendor app)", "webhook", unique, found["webhook"]),
        ]
        publisher: dict[str, Any] | None = None
        if self.publisher_stream is not None and self.publisher is not None:
            events = self.publisher_stream.events
            own = self.publisher.app_id
            # An event without a publisher (ConversionLapsed) is the publisher's by the
            # conversion it belongs to (the platform remembers an aggregate's owners).
            theirs = sum(e.data.get("publisherId", own) == own for e in events)
            publisher = {
                "events": len(events),
                "by_type": _counts(events),
                "expected": publisher_expected,
                "foreign": len(events) - theirs,
                "error": self.publisher_stream.error,
            }
            checks["publisher_stream_matches_its_report"] = (
                publisher_expected is None or _counts(events) == publisher_expected
            )
            checks["publisher_sees_only_its_own"] = publisher["foreign"] == 0
            rows.append(("partner site (publisher)", "gRPC stream", events, publisher))
        self._print(rows, granted, len(mine), len(others), receiver)
        failed = [name for name, held in checks.items() if not held]
        if failed:
            self.console.print(f"[red]✗ partner checks failed: {', '.join(failed)}[/]")
        else:
            self.console.print(
                "✓ partners: each received exactly what it is entitled to; every webhook "
                "signature verified (standardwebhooks)"
            )
        return {
            "partner_app": self.vendor.app_id if self.vendor else "",
            "granted_seller": granted.who.account_id,
            "granted_shop": granted.shop_id,
            "endpoint_id": self.endpoint_id,
            "seller_orders": len(mine),
            "other_sellers_orders": len(others),
            **found,
            "publisher": publisher,
            "checks": checks,
            "ok": not failed,
        }

    def _print(
        self,
        rows: Sequence[tuple[str, str, list[Received], dict[str, Any]]],
        granted: Seller,
        mine: int,
        others: int,
        receiver: WebhookReceiver,
    ) -> None:
        table = Table(title="What each partner received (the open platform)")
        for column in ("partner", "channel"):
            table.add_column(column)
        table.add_column("events", justify="right")
        table.add_column("by type")
        table.add_column("not theirs", justify="right")
        for partner, channel, events, found in rows:
            by_type = ", ".join(
                f"{name.rsplit('.', 1)[-1]} {count}" for name, count in _counts(events).items()
            )
            table.add_row(partner, channel, str(len(events)), by_type, str(found["foreign"]))
        self.console.print(table)
        delivered = receiver.deliveries
        self.console.print(
            f"  {granted.who.email} granted the order desk orders:read: its {mine} orders "
            f"reached the partner, the other sellers' {others} did not; webhook: "
            f"{len(delivered)} deliveries, {len(delivered) - receiver.rejected} signatures "
            f"verified, {receiver.rejected} rejected"
        )


def _unique(deliveries: list[Received]) -> list[Received]:
    """Deliveries without repeats (at least once: the webhook-id names a message)."""
    seen: dict[str, Received] = {}
    for delivery in deliveries:
        seen.setdefault(delivery.id, delivery)
    return list(seen.values())


def _counts(events: Sequence[Received]) -> dict[str, int]:
    return dict(sorted(Counter(e.type for e in events).items()))


def _channel(
    events: Sequence[Received],
    mine: dict[str, Outcome],
    others: set[str],
    expected: set[tuple[str, str]],
    seller_id: str,
) -> dict[str, Any]:
    """What one channel brought: by type, orders covered, and anything not the seller's (an
    order of another, or an event naming another seller)."""
    foreign = [
        e for e in events if e.subject not in mine or e.data.get("sellerId", seller_id) != seller_id
    ]
    return {
        "events": len(events),
        "by_type": _counts(events),
        "orders": len({e.subject for e in events if e.subject in mine}),
        "order_ids": sorted({e.subject for e in events}),
        "complete": expected <= {(e.subject, e.type) for e in events},
        "foreign": len(foreign),
        "of_other_sellers": sum(e.subject in others for e in events),
    }


def _wait(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.5)
