"""Marketing as a real process for the tests (`mercato serve marketing`, configured only by
environment variables), catalog beside it, and the other services' events it follows published
to Kafka the way their relays do (an EventEnvelope keyed by the aggregate id).

    world = MarketingWorld(marketing, catalog, issuer, kafka)
    seller = world.advertiser()                  # a seller with a shop and a product in catalog
    world.deposit(seller, 1_000)                 # payments' BudgetDeposited, awaited
    site = world.publisher()                     # identity's AppRegistered, awaited
    campaign = world.launch_cpc(seller, bid=100)
    [ad] = world.serve(site, seller.word)        # each test's products carry a word of their own
    click = world.click(site, ad.click_token, "fingerprint")
"""

from __future__ import annotations

import hashlib
import http.client
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import grpc
from google.protobuf.message import Message
from kafka import KafkaProducer

from mercato.catalog.v1 import catalog_pb2 as catalog_pb
from mercato.catalog.v1 import catalog_service_pb2 as catalog_api
from mercato.catalog.v1 import catalog_service_pb2_grpc
from mercato.common.v1.money_pb2 import Money
from mercato.identity.v1 import apps_pb2
from mercato.identity.v1 import events_pb2 as identity_events
from mercato.marketing.v1 import events_pb2 as ev
from mercato.marketing.v1 import marketing_pb2 as pb
from mercato.marketing.v1 import marketing_pb2_grpc
from mercato.orders.v1 import events_pb2 as order_events
from mercato.orders.v1 import orders_pb2
from mercato.payments.v1 import payments_pb2
from mercato_kit.events import EventEnvelope, to_kafka_record, topic_for
from mercato_kit.protobuf import timestamp_message
from mercato_kit.testing import LocalIssuer
from mercato_localinfra._process import free_port
from mercato_marketing.domain import TokenSigner
from tests.support.services import ServiceProcess, envelopes_on

SECRET = "marketing-tests-click-secret-0123456789"
SIGNER = TokenSigner(SECRET.encode())
HEALTH = "mercato.marketing.v1.AdService"
TIMEOUT = 30
T = TypeVar("T")
Metadata = list[tuple[str, str]]


def key() -> str:
    return uuid.uuid4().hex


def cny(minor_units: int) -> Money:
    return Money(currency="CNY", minor_units=minor_units)


def eventually(probe: Callable[[], T | None], timeout: float = 60, what: str = "") -> T:
    """The first truthy answer of `probe`, polled; AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        answer = probe()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what or probe}")
        time.sleep(0.1)


def refused(call: Callable[..., Any], *args: Any, **kwargs: Any) -> grpc.RpcError:
    try:
        call(*args, **kwargs)
    except grpc.RpcError as error:
        return error
    raise AssertionError("the call was not refused")


def named_field(error: grpc.RpcError) -> str | None:
    """The field an INVALID_ARGUMENT names (its message starts "<field>: ")."""
    if error.code() != grpc.StatusCode.INVALID_ARGUMENT:
        return None
    return str(error.details()).split(":", 1)[0]


def start_marketing(
    database_url: str,
    kafka: str,
    issuer: LocalIssuer,
    workdir: Path,
    *,
    catalog_addr: str,
    http_addr: str | None = None,
    grpc_addr: str | None = None,
    **settings: str,
) -> ServiceProcess:
    """Start `mercato serve marketing` on `database_url` (one consumer group per database,
    kept across restarts of that database's service)."""
    env = {
        "MARKETING_DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "AUTH_TRUSTED_KEYS": issuer.trusted_keys(),
        "MARKETING_CLICK_SECRET": SECRET,
        "MARKETING_HTTP_ADDR": http_addr or f"127.0.0.1:{free_port()}",
        "MARKETING_CATALOG_ADDR": catalog_addr,
        "MARKETING_CONSUMER_GROUP_PREFIX": "marketing-"
        + hashlib.sha256(database_url.encode()).hexdigest()[:16],
        **({"MARKETING_GRPC_ADDR": grpc_addr} if grpc_addr else {}),
        **{f"MARKETING_{name.upper()}": value for name, value in settings.items()},
    }
    return ServiceProcess.start("marketing", env, workdir, health_service=HEALTH)


class Events:
    """Publishes other services' events as their relays would."""

    def __init__(self, kafka: str) -> None:
        self.kafka = kafka
        self._producer = KafkaProducer(bootstrap_servers=kafka, acks="all", linger_ms=2)
        self._versions: dict[str, int] = {}

    def publish(
        self, payload: Message, kind: str, aggregate_id: str, producer: str
    ) -> EventEnvelope:
        version = self._versions.get(aggregate_id, 0) + 1
        self._versions[aggregate_id] = version
        envelope = EventEnvelope.new(
            payload,
            aggregate_type=kind,
            aggregate_id=aggregate_id,
            aggregate_version=version,
            producer=producer,
        )
        record = to_kafka_record(envelope, topic_for(kind))
        self._producer.send(
            record.topic, record.value, key=record.key, headers=list(record.headers)
        )
        self._producer.flush(timeout=30)
        return envelope

    def close(self) -> None:
        self._producer.close()


@dataclass
class Advertiser:
    id: str
    word: str
    shop_id: str
    products: list[catalog_pb.Product]
    metadata: Metadata

    @property
    def product_ids(self) -> list[str]:
        return [product.product_id for product in self.products]


@dataclass
class Publisher:
    id: str
    owner_account_id: str
    metadata: Metadata


@dataclass
class MarketingWorld:
    process: ServiceProcess
    http_addr: str
    catalog: Any
    issuer: LocalIssuer
    events: Events
    channel: grpc.Channel = field(init=False)

    def __post_init__(self) -> None:
        self.channel = grpc.insecure_channel(self.process.address)

    def restarted(self, process: ServiceProcess) -> None:
        self.channel.close()
        self.process = process
        self.channel = grpc.insecure_channel(process.address)

    @property
    def campaigns(self) -> Any:
        return marketing_pb2_grpc.CampaignServiceStub(self.channel)

    @property
    def ads(self) -> Any:
        return marketing_pb2_grpc.AdServiceStub(self.channel)

    # -- people -----------------------------------------------------------------------------

    def operator(self) -> Metadata:
        return self.issuer.metadata(subject=str(uuid.uuid4()), roles=["operator"])

    def advertiser(self, *, products: int = 1, price: int = 10_00) -> Advertiser:
        """A seller with a shop and `products` products listed in catalog, each titled with
        a word of this advertiser's own (so its ads match only its own slots)."""
        seller_id, word = str(uuid.uuid4()), f"w{uuid.uuid4().hex[:10]}"
        catalog_token = self.issuer.metadata(
            subject=seller_id, roles=["seller"], scopes=["catalog:write"]
        )
        shop = self.catalog.OpenShop(
            catalog_api.OpenShopRequest(
                idempotency_key=key(),
                name=f"Shop {word}",
                tier=catalog_pb.SHOP_TIER_STANDARD_BOOTH,
            ),
            metadata=catalog_token,
            timeout=TIMEOUT,
        ).shop
        listed = [
            self.catalog.ListProduct(
                catalog_api.ListProductRequest(
                    idempotency_key=key(),
                    shop_id=shop.shop_id,
                    title=f"Green tea {word} {index}",
                    description="Spring leaves",
                    attributes=[
                        catalog_pb.Attribute(name="category", value="Tea"),
                        catalog_pb.Attribute(name="image", value=f"img://{word}/{index}"),
                    ],
                    skus=[
                        catalog_api.SkuSpec(code="BIG", price=cny(price + 500), stock=100),
                        catalog_api.SkuSpec(code="SMALL", price=cny(price), stock=100),
                    ],
                ),
                metadata=catalog_token,
                timeout=TIMEOUT,
            ).product
            for index in range(products)
        ]
        metadata = self.issuer.metadata(
            subject=seller_id, roles=["seller"], scopes=["marketing:campaigns"]
        )
        return Advertiser(seller_id, word, shop.shop_id, listed, metadata)

    def publisher(self) -> Publisher:
        """A publisher site: identity's AppRegistered published, and awaited (marketing knows
        it once an operator can read its report)."""
        app_id, owner = str(uuid.uuid4()), str(uuid.uuid4())
        self.events.publish(
            identity_events.AppRegistered(
                owner_account_id=owner,
                kind=apps_pb2.APP_KIND_PUBLISHER_SITE,
                name=f"Site {app_id[:8]}",
                scopes=["marketing:ads"],
            ),
            "identity.app",
            app_id,
            "identity",
        )
        operator = self.operator()

        def known() -> bool:
            try:
                self.ads.GetPublisherReport(
                    pb.GetPublisherReportRequest(publisher_id=app_id),
                    metadata=operator,
                    timeout=TIMEOUT,
                )
            except grpc.RpcError as error:
                if error.code() == grpc.StatusCode.NOT_FOUND:
                    return False
                raise
            return True

        eventually(known, what=f"publisher {app_id} registered")
        metadata = self.issuer.metadata(
            subject=app_id, kind="app", roles=["publisher_site"], scopes=["marketing:ads"]
        )
        return Publisher(app_id, owner, metadata)

    # -- money ------------------------------------------------------------------------------

    def deposit(self, advertiser: Advertiser, minor_units: int, *, wait: bool = True) -> None:
        """payments' BudgetDeposited; waits until marketing credited it."""
        before = self.balance(advertiser).deposited.minor_units
        self.events.publish(
            payments_pb2.BudgetDeposited(
                advertiser_id=advertiser.id,
                deposit_id=str(uuid.uuid4()),
                amount=cny(minor_units),
                charge_id=str(uuid.uuid4()),
                total_deposited=cny(before + minor_units),
            ),
            "payments.budget",
            advertiser.id,
            "payments",
        )
        if wait:
            eventually(
                lambda: self.balance(advertiser).deposited.minor_units >= before + minor_units,
                what=f"deposit of {minor_units} credited",
            )

    def balance(self, advertiser: Advertiser) -> pb.AdvertiserBalance:
        answer = self.campaigns.GetAdvertiserBudget(
            pb.GetAdvertiserBudgetRequest(), metadata=advertiser.metadata, timeout=TIMEOUT
        )
        for balance in answer.balances:
            if balance.available.currency == "CNY":
                return balance
        return pb.AdvertiserBalance(deposited=cny(0), spent=cny(0), held=cny(0), available=cny(0))

    # -- campaigns and ads ------------------------------------------------------------------

    def launch(self, advertiser: Advertiser, **fields: Any) -> pb.Campaign:
        request = pb.LaunchCampaignRequest(
            idempotency_key=key(),
            shop_id=advertiser.shop_id,
            name=f"Campaign {advertiser.word}",
            product_ids=advertiser.product_ids[:1],
            total_cap=cny(1_000_000),
            daily_cap=cny(1_000_000),
            targeting=pb.Targeting(keywords=[advertiser.word]),
        )
        for name, value in fields.items():
            if isinstance(value, Message):
                getattr(request, name).CopyFrom(value)
            elif isinstance(value, list):
                del getattr(request, name)[:]
                getattr(request, name).extend(value)
            else:
                setattr(request, name, value)
        return self.campaigns.LaunchCampaign(
            request, metadata=advertiser.metadata, timeout=TIMEOUT
        ).campaign

    def launch_cpc(self, advertiser: Advertiser, bid: int = 100, **fields: Any) -> pb.Campaign:
        return self.launch(advertiser, pricing=pb.PRICING_MODEL_CPC, bid=cny(bid), **fields)

    def launch_cps(self, advertiser: Advertiser, bps: int = 1_000, **fields: Any) -> pb.Campaign:
        return self.launch(advertiser, pricing=pb.PRICING_MODEL_CPS, commission_bps=bps, **fields)

    def serve(
        self, publisher: Publisher, word: str, *, count: int = 1, fingerprint: str = ""
    ) -> list[pb.Ad]:
        return list(
            self.ads.ServeAds(
                pb.ServeAdsRequest(
                    slot="sidebar",
                    keywords=[word],
                    count=count,
                    visitor=pb.Visitor(fingerprint=fingerprint),
                ),
                metadata=publisher.metadata,
                timeout=TIMEOUT,
            ).ads
        )

    def one_ad(self, publisher: Publisher, word: str, **options: Any) -> pb.Ad:
        ads = self.serve(publisher, word, **options)
        assert len(ads) == 1, ads
        return ads[0]

    def click(
        self, publisher: Publisher, token: str, fingerprint: str, *, account_id: str = ""
    ) -> pb.Click:
        return self.ads.RecordClick(
            pb.RecordClickRequest(
                click_token=token,
                visitor=pb.Visitor(fingerprint=fingerprint, account_id=account_id, region="CN"),
            ),
            metadata=publisher.metadata,
            timeout=TIMEOUT,
        ).click

    def campaign(self, advertiser: Advertiser, campaign_id: str) -> pb.Campaign:
        return self.campaigns.GetCampaign(
            pb.GetCampaignRequest(campaign_id=campaign_id),
            metadata=advertiser.metadata,
            timeout=TIMEOUT,
        ).campaign

    def report(self, publisher: Publisher) -> pb.GetPublisherReportResponse:
        return self.ads.GetPublisherReport(
            pb.GetPublisherReportRequest(), metadata=publisher.metadata, timeout=TIMEOUT
        )

    def http_get(self, url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
        """(status, Location) of one GET, redirects not followed."""
        parts = urlsplit(url)
        connection = http.client.HTTPConnection(parts.netloc, timeout=TIMEOUT)
        try:
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            response.read()
            return response.status, response.getheader("Location") or ""
        finally:
            connection.close()

    # -- orders -----------------------------------------------------------------------------

    def order_placed(
        self,
        advertiser: Advertiser,
        attribution_token: str,
        *,
        goods: int,
        order_id: str | None = None,
        placed_at: datetime | None = None,
    ) -> str:
        """orders' OrderPlaced for one line of the advertiser's first product."""
        order_id = order_id or str(uuid.uuid4())
        product = advertiser.products[0]
        self.events.publish(
            order_events.OrderPlaced(
                order_id=order_id,
                buyer_id=str(uuid.uuid4()),
                seller_id=advertiser.id,
                shop_id=advertiser.shop_id,
                lines=[
                    orders_pb2.OrderLine(
                        sku_id=product.skus[0].sku_id,
                        product_id=product.product_id,
                        title=product.title,
                        quantity=1,
                        unit_price=cny(goods),
                        line_total=cny(goods),
                    )
                ],
                total=cny(goods + 800),
                attribution_token=attribution_token,
                placed_at=timestamp_message(placed_at or datetime.now(UTC)),
                shop_tier="standard",
            ),
            "orders.order",
            order_id,
            "orders",
        )
        return order_id

    def order_completed(self, advertiser: Advertiser, order_id: str, goods: int) -> None:
        self.events.publish(
            order_events.OrderCompleted(
                order_id=order_id,
                seller_id=advertiser.id,
                shop_id=advertiser.shop_id,
                amount=cny(goods),
                confirmed_by_buyer=True,
                completed_at=timestamp_message(datetime.now(UTC)),
            ),
            "orders.order",
            order_id,
            "orders",
        )

    def order_cancelled(self, advertiser: Advertiser, order_id: str) -> None:
        self.events.publish(
            order_events.OrderCancelled(
                order_id=order_id,
                seller_id=advertiser.id,
                shop_id=advertiser.shop_id,
                reason="buyer",
                refunded=cny(0),
                cancelled_at=timestamp_message(datetime.now(UTC)),
            ),
            "orders.order",
            order_id,
            "orders",
        )

    def order_refunded(self, advertiser: Advertiser, order_id: str, goods: int) -> None:
        self.events.publish(
            order_events.OrderRefunded(
                order_id=order_id,
                seller_id=advertiser.id,
                shop_id=advertiser.shop_id,
                amount=cny(goods),
                reason="lost parcel",
                refunded_at=timestamp_message(datetime.now(UTC)),
            ),
            "orders.order",
            order_id,
            "orders",
        )

    def flag(self, kind: str, key_: str, *, limit: int, seconds: int = 120) -> None:
        """The traffic worker's TrafficFlagged: `key_` over its rate in a window around now."""
        now = datetime.now(UTC)
        self.events.publish(
            ev.TrafficFlagged(
                kind=kind,
                key=key_,
                window_start=timestamp_message(now - timedelta(seconds=seconds)),
                window_end=timestamp_message(now + timedelta(seconds=seconds)),
                clicks=limit + 1,
                limit=limit,
            ),
            "marketing.traffic",
            f"{kind}:{key_}",
            "marketing-traffic",
        )

    def marketing_events(
        self, kind: str, keys: str | Iterable[str], count: int, timeout: float = 60
    ) -> list[EventEnvelope]:
        """The first `count` events of these aggregates on marketing's topic (one per event id:
        a relay killed mid-batch may publish a record twice)."""
        keys = [keys] if isinstance(keys, str) else list(keys)
        deadline = time.monotonic() + timeout
        wanted = count
        while True:
            left = max(1.0, deadline - time.monotonic())
            found = envelopes_on(self.events.kafka, topic_for(kind), keys, wanted, left)
            unique: dict[str, EventEnvelope] = {}
            for envelope in found:
                unique.setdefault(envelope.event_id, envelope)
            duplicates = len(found) - len(unique)
            # Duplicates took places among the first `wanted` records: read as many more.
            if len(unique) >= count or not duplicates or time.monotonic() >= deadline:
                return list(unique.values())
            wanted = count + duplicates


def catalog_stub(channel: grpc.Channel) -> Any:
    return catalog_service_pb2_grpc.CatalogServiceStub(channel)


def of_type(envelopes: Iterable[EventEnvelope], message: type[Message]) -> list[EventEnvelope]:
    name = message.DESCRIPTOR.full_name
    return [envelope for envelope in envelopes if envelope.event_type == name]
