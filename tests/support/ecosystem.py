"""The order-to-cash services as real processes for end-to-end tests: identity, catalog,
payments, logistics and orders, each `mercato serve <name>` on its own PostgreSQL database (or
SQLite), configured only by environment variables, tokens from the real identity service.

    with Ecosystem.started(kafka, postgres_url, workdir) as world:
        seller = world.seller()            # a seller with a shop and a listed product
        buyer = world.buyer()
        order_id = world.place(buyer, seller.sku(quantity=2))
        world.wait_for(buyer, order_id, ORDER_STATUS_PAID)

The orders service's own token comes from a "service" app an operator registers; the carrier
is an app of kind carrier named in LOGISTICS_CARRIER_RULES, posting tracking updates here.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc

from mercato.catalog.v1 import catalog_pb2 as catalog_pb
from mercato.catalog.v1 import catalog_service_pb2 as catalog_api
from mercato.catalog.v1 import catalog_service_pb2_grpc
from mercato.common.v1.money_pb2 import Money
from mercato.identity.v1 import accounts_pb2, apps_pb2
from mercato.ledger.v1 import ledger_pb2 as ledger_pb
from mercato.ledger.v1 import ledger_pb2_grpc
from mercato.logistics.v1 import shipment_pb2 as logistics_pb
from mercato.logistics.v1 import shipment_pb2_grpc
from mercato.marketing.v1 import marketing_pb2_grpc
from mercato.orders.v1 import orders_pb2 as orders_pb
from mercato.orders.v1 import orders_pb2_grpc
from mercato.payments.v1 import payments_pb2 as payments_pb
from mercato.payments.v1 import payments_pb2_grpc
from mercato_localinfra._process import free_port
from tests.support.identity_service import (
    IdentityProcess,
    SignedIn,
    bearer,
    create_operator,
    start_identity,
)
from tests.support.services import ServiceProcess, service_database

APPROVED = "4242424242424242"
DECLINED = "4000000000000002"
TIMEOUT = 30
FINAL = frozenset(
    {
        orders_pb.ORDER_STATUS_COMPLETED,
        orders_pb.ORDER_STATUS_CANCELLED,
        orders_pb.ORDER_STATUS_REFUNDED,
    }
)
HANGZHOU = orders_pb.ShippingAddress(
    region="CN-ZJ",
    city="Hangzhou",
    postal_code="310000",
    street_address="1 West Lake Road",
    recipient_name="Li Lei",
)
ORDERS_HEALTH = "mercato.orders.v1.OrderService"
LEDGER_HEALTH = "mercato.ledger.v1.LedgerService"
MARKETING_HEALTH = "mercato.marketing.v1.AdService"


def key() -> str:
    return f"k-{uuid.uuid4()}"


@dataclass
class Seller:
    signed_in: SignedIn
    shop: catalog_pb.Shop
    product: catalog_pb.Product

    @property
    def id(self) -> str:
        return self.signed_in.account.account_id

    def line(self, quantity: int = 1, sku: int = 0) -> orders_pb.OrderLineRequest:
        chosen = self.product.skus[sku]
        return orders_pb.OrderLineRequest(
            sku_id=chosen.sku_id, product_id=self.product.product_id, quantity=quantity
        )


@dataclass
class Ecosystem:
    kafka: str
    workdir: Path
    identity: IdentityProcess
    operator: SignedIn
    databases: dict[str, str]
    service_env: dict[str, dict[str, str]]
    carrier_id: str
    carrier_secret: str
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    # Where services started later (start_marketing) get their databases, and what stops them.
    backend: str = "postgresql"
    postgres_url: str = ""
    stack: ExitStack | None = None

    # -- life -----------------------------------------------------------------------------

    @classmethod
    @contextmanager
    def started(
        cls,
        kafka: str,
        postgres_url: str,
        workdir: Path,
        *,
        backend: str = "postgresql",
        orders_settings: dict[str, str] | None = None,
        ledger: bool = False,
    ) -> Iterator[Ecosystem]:
        """The services, each its own process; with `ledger`, the ledger follows their events."""
        names = ("identity", "catalog", "payments", "logistics", "orders") + (
            ("ledger",) if ledger else ()
        )
        with ExitStack() as stack:
            databases = {
                name: stack.enter_context(service_database(backend, postgres_url, workdir, name))
                for name in names
            }
            identity = start_identity(databases["identity"], kafka, workdir)
            stack.callback(identity.stop)
            operator = create_operator(identity, kafka, workdir)
            orders_app, orders_secret = identity.new_app(
                operator,
                apps_pb2.APP_KIND_SERVICE,
                scopes=("catalog:reserve", "payments:capture", "logistics:ship"),
            )
            carrier, carrier_secret = identity.new_app(
                operator, apps_pb2.APP_KIND_CARRIER, scopes=("logistics:tracking",)
            )
            common = {"KAFKA_BOOTSTRAP_SERVERS": kafka, "IDENTITY_GRPC_ADDR": identity.address}
            world = cls(
                kafka=kafka,
                workdir=workdir,
                identity=identity,
                operator=operator,
                databases=databases,
                service_env={
                    "catalog": {**common, "CATALOG_DATABASE_URL": databases["catalog"]},
                    "payments": {**common, "PAYMENTS_DATABASE_URL": databases["payments"]},
                    "logistics": {
                        **common,
                        "LOGISTICS_DATABASE_URL": databases["logistics"],
                        "LOGISTICS_CARRIER_RULES": json.dumps([{"carrier": carrier.app_id}]),
                    },
                    "orders": {
                        **common,
                        "ORDERS_DATABASE_URL": databases["orders"],
                        "ORDERS_APP_ID": orders_app.app_id,
                        "ORDERS_APP_SECRET": orders_secret,
                        "ORDERS_SWEEP_INTERVAL_S": "1",
                        # Its own consumer group: other orders deployments share this broker.
                        "ORDERS_CONSUMER_GROUP_PREFIX": f"orders-{uuid.uuid4().hex[:12]}",
                        "ORDERS_AUTO_CONFIRM_S": "600",
                        **(orders_settings or {}),
                    },
                    "ledger": {
                        **common,
                        "LEDGER_DATABASE_URL": databases.get("ledger", ""),
                        "LEDGER_CONSUMER_GROUP_PREFIX": f"ledger-{uuid.uuid4().hex[:12]}",
                        "LEDGER_AUDIT_INTERVAL_S": "5",
                    },
                },
                carrier_id=carrier.app_id,
                carrier_secret=carrier_secret,
            )
            world.backend, world.postgres_url, world.stack = backend, postgres_url, stack
            stack.callback(world.stop_all)
            for name in names[1:]:
                world.start(name)
            yield world

    def start(self, name: str) -> ServiceProcess:
        env = dict(self.service_env[name])
        if name == "orders":
            for other in ("catalog", "payments", "logistics"):
                env[f"ORDERS_{other.upper()}_ADDR"] = self.services[other].address
            env["ORDERS_GRPC_ADDR"] = self._orders_addr()
        health = {
            "orders": ORDERS_HEALTH,
            "ledger": LEDGER_HEALTH,
            "marketing": MARKETING_HEALTH,
        }.get(name, "")
        self.services[name] = ServiceProcess.start(name, env, self.workdir, health_service=health)
        return self.services[name]

    def _orders_addr(self) -> str:
        """A restarted orders service keeps its address (the tests' channels point there)."""
        previous = self.services.get("orders")
        return previous.address if previous else f"127.0.0.1:{free_port()}"

    def start_marketing(self, **settings: str) -> ServiceProcess:
        """Marketing beside the running services, once (its own database; catalog's address;
        the click endpoint on a port of its own). `settings`: more MARKETING_* variables."""
        if "marketing" in self.services:
            return self.services["marketing"]
        assert self.stack is not None, "start_marketing needs an ecosystem from started()"
        database = self.stack.enter_context(
            service_database(self.backend, self.postgres_url, self.workdir, "marketing")
        )
        self.service_env["marketing"] = {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka,
            "IDENTITY_GRPC_ADDR": self.identity.address,
            "MARKETING_DATABASE_URL": database,
            "MARKETING_CATALOG_ADDR": self.services["catalog"].address,
            "MARKETING_HTTP_ADDR": f"127.0.0.1:{free_port()}",
            "MARKETING_CLICK_SECRET": f"e2e-click-secret-{uuid.uuid4().hex}",
            "MARKETING_CONSUMER_GROUP_PREFIX": f"marketing-{uuid.uuid4().hex[:12]}",
            **{f"MARKETING_{name.upper()}": value for name, value in settings.items()},
        }
        marketing = self.start("marketing")
        # Stopped before its database is dropped (the stack unwinds last in, first out).
        self.stack.callback(marketing.stop)
        return marketing

    @property
    def marketing_http(self) -> str:
        return self.service_env["marketing"]["MARKETING_HTTP_ADDR"]

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown, no flush, nothing finished."""
        service = self.services[name]
        service.process.kill()
        service.process.wait(timeout=30)
        service.channel.close()

    def stop_all(self) -> None:
        for service in reversed(list(self.services.values())):
            service.stop()

    # -- stubs ----------------------------------------------------------------------------

    @property
    def orders(self) -> Any:
        return orders_pb2_grpc.OrderServiceStub(self.services["orders"].channel)

    @property
    def catalog(self) -> Any:
        return catalog_service_pb2_grpc.CatalogServiceStub(self.services["catalog"].channel)

    @property
    def payments(self) -> Any:
        return payments_pb2_grpc.PaymentServiceStub(self.services["payments"].channel)

    @property
    def ledger(self) -> Any:
        return ledger_pb2_grpc.LedgerServiceStub(self.services["ledger"].channel)

    def audited(self, timeout: float = 90) -> ledger_pb.AuditResponse:
        """The ledger's audit once it holds (events still in flight make passing violations,
        e.g. an order completed before its escrow release was posted); the last one otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            audit = self.ledger.Audit(
                ledger_pb.AuditRequest(), metadata=self.operator.metadata, timeout=TIMEOUT
            )
            if not audit.violations or time.monotonic() > deadline:
                return audit
            time.sleep(1)

    def balance(self, account: str) -> dict[str, int]:
        """The ledger's balance of `account` by currency ({} when nothing was ever posted)."""
        try:
            answer = self.ledger.GetBalance(
                ledger_pb.GetBalanceRequest(account=account),
                metadata=self.operator.metadata,
                timeout=TIMEOUT,
            )
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return {}
            raise
        return {money.currency: money.minor_units for money in answer.balances}

    @property
    def campaigns(self) -> Any:
        return marketing_pb2_grpc.CampaignServiceStub(self.services["marketing"].channel)

    @property
    def ads(self) -> Any:
        return marketing_pb2_grpc.AdServiceStub(self.services["marketing"].channel)

    @property
    def logistics(self) -> Any:
        return shipment_pb2_grpc.ShipmentServiceStub(self.services["logistics"].channel)

    # -- people ---------------------------------------------------------------------------

    def buyer(self) -> SignedIn:
        return self.identity.signed_in(accounts_pb2.ROLE_BUYER)

    def seller(
        self,
        *,
        tier: int = catalog_pb.SHOP_TIER_STANDARD_BOOTH,
        price: int = 12_50,
        stock: int = 100,
        weight_grams: int = 250,
    ) -> Seller:
        signed_in = self.identity.signed_in(accounts_pb2.ROLE_SELLER)
        shop = self.catalog.OpenShop(
            catalog_api.OpenShopRequest(
                idempotency_key=key(), name=f"Tea {uuid.uuid4().hex[:8]}", tier=tier
            ),
            metadata=signed_in.metadata,
            timeout=TIMEOUT,
        ).shop
        product = self.catalog.ListProduct(
            catalog_api.ListProductRequest(
                idempotency_key=key(),
                shop_id=shop.shop_id,
                title="Longjing tea",
                description="Spring leaves from West Lake",
                skus=[
                    catalog_api.SkuSpec(
                        code="TEA-100G",
                        price=Money(currency="CNY", minor_units=price),
                        stock=stock,
                        weight_grams=weight_grams,
                    )
                ],
            ),
            metadata=signed_in.metadata,
            timeout=TIMEOUT,
        ).product
        return Seller(signed_in, shop, product)

    def carrier_metadata(self) -> list[tuple[str, str]]:
        answer = self.identity.app_token(self.carrier_id, self.carrier_secret)
        return bearer(answer.access_token.token)

    # -- orders ---------------------------------------------------------------------------

    def place(
        self,
        buyer: SignedIn,
        *lines: orders_pb.OrderLineRequest,
        card: str = APPROVED,
        idempotency_key: str | None = None,
        attribution_token: str = "",
    ) -> str:
        answer = self.orders.PlaceOrder(
            orders_pb.PlaceOrderRequest(
                idempotency_key=idempotency_key or key(),
                lines=lines,
                shipping_address=HANGZHOU,
                instrument=card,
                attribution_token=attribution_token,
            ),
            metadata=buyer.metadata,
            timeout=TIMEOUT,
        )
        return str(answer.order_id)

    def order(self, buyer: SignedIn, order_id: str) -> orders_pb.GetOrderResponse:
        return self.orders.GetOrder(
            orders_pb.GetOrderRequest(order_id=order_id), metadata=buyer.metadata, timeout=TIMEOUT
        )

    def wait_for(
        self, buyer: SignedIn, order_id: str, *statuses: int, timeout: float = 90
    ) -> orders_pb.Order:
        """The order once its status is one of `statuses`; fails with its timeline otherwise."""
        deadline = time.monotonic() + timeout
        answer = None
        while time.monotonic() < deadline:
            try:
                answer = self.order(buyer, order_id)
            except grpc.RpcError as error:
                if error.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.NOT_FOUND):
                    raise
            else:
                if answer.order.status in statuses:
                    return answer.order
            time.sleep(0.25)
        raise AssertionError(f"order {order_id} never reached {statuses}: {answer}")

    def shipment_of(self, order_id: str, timeout: float = 60) -> logistics_pb.Shipment:
        """The carrier's shipment for the order (the carrier lists what was handed to it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            listed = self.logistics.ListShipments(
                logistics_pb.ListShipmentsRequest(page_size=500),
                metadata=self.carrier_metadata(),
                timeout=TIMEOUT,
            )
            for shipment in listed.shipments:
                if shipment.order_id == order_id:
                    return shipment
            time.sleep(0.25)
        raise AssertionError(f"no shipment for order {order_id}")

    def track(self, update: logistics_pb.PostTrackingUpdateRequest) -> None:
        self.logistics.PostTrackingUpdate(update, metadata=self.carrier_metadata(), timeout=TIMEOUT)

    def payment(self, order_id: str) -> payments_pb.Payment:
        return self.payments.GetPayment(
            payments_pb.GetPaymentRequest(order_id=order_id),
            metadata=self.operator.metadata,
            timeout=TIMEOUT,
        ).payment

    def seller_payable(self, seller: Seller) -> Any:
        return self.payments.GetSellerPayable(
            payments_pb.GetSellerPayableRequest(seller_id=seller.id),
            metadata=seller.signed_in.metadata,
            timeout=TIMEOUT,
        )

    def sku(self, seller: Seller) -> catalog_pb.Sku:
        product = self.catalog.GetProduct(
            catalog_api.GetProductRequest(product_id=seller.product.product_id), timeout=TIMEOUT
        ).product
        return product.skus[0]
